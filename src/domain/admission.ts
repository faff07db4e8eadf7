import * as E from 'fp-ts/Either';
import { absurd, pipe } from 'fp-ts/function';
import * as T from 'fp-ts/Task';
import * as TE from 'fp-ts/TaskEither';

import { endedBy, type CallTiming } from './call-context';
import type { AdmissionRefused, CallEnded, UpstreamFailure } from './outcomes';

/**
 * Admission: when a call may go to AWS. AWS's quotas are per account, region and operation, so there is one budget
 * per (region, operation), each admitting earliest deadline first within its rate.
 */

/** The GameLift Streams operations this service calls, each with its own quota per account and region. */
export type UpstreamOperation = 'CreateStreamSessionConnection' | 'GetStreamSession' | 'ListStreamSessions';

export interface BudgetKey {
  readonly region: string;
  readonly operation: UpstreamOperation;
}

/** How an upstream answer should steer the admitted rate. */
export type UpstreamVerdict = 'Throttled' | 'Accepted' | 'NoAnswer';

/**
 * Decides when a call may go to AWS. `admit` resolves when the call may start (or refuses it); `record` feeds back
 * what AWS said, so the rate can back off when AWS still throttles (its quota is shared with other clients).
 */
export interface UpstreamAdmission {
  admit(timing: CallTiming): TE.TaskEither<AdmissionRefused | CallEnded, void>;
  record(verdict: UpstreamVerdict): void;
  /** What it looks like now, for metrics. */
  state(): AdmissionState;
}

export interface AdmissionState {
  readonly queueDepth: number;
  /** Calls that could start at once right now. */
  readonly tokensAvailable: number;
  /** The rate admitted now, after any backoff. */
  readonly ratePerSecond: number;
}

/** The budgets of one process, or of a fleet: one per (region, operation), each made on first use. */
export interface UpstreamBudgets {
  budget(key: BudgetKey): UpstreamAdmission;
  /** Every budget used so far and what it looks like now, for metrics. */
  states(): ReadonlyArray<{ readonly key: BudgetKey; readonly state: AdmissionState }>;
}

/** Budgets made by `create` on first use, one per (region, operation). */
export class BudgetRegistry implements UpstreamBudgets {
  private readonly budgets = new Map<string, { readonly key: BudgetKey; readonly admission: UpstreamAdmission }>();

  constructor(private readonly create: (key: BudgetKey) => UpstreamAdmission) {}

  budget(key: BudgetKey): UpstreamAdmission {
    const name = `${key.region}\n${key.operation}`;
    const existing = this.budgets.get(name);
    if (existing !== undefined) return existing.admission;
    const admission = this.create(key);
    this.budgets.set(name, { key, admission });
    return admission;
  }

  states(): ReadonlyArray<{ readonly key: BudgetKey; readonly state: AdmissionState }> {
    return [...this.budgets.values()].map(({ key, admission }) => ({ key, state: admission.state() }));
  }
}

/** A call that went through admission, and how long it waited there (every round, throttled ones included). */
export interface Admitted<A> {
  readonly value: A;
  readonly admissionWaitMs: number;
}

/** How an upstream outcome should steer the admitted rate. */
function verdictOf<A>(outcome: E.Either<UpstreamFailure | CallEnded, A>): UpstreamVerdict {
  if (E.isRight(outcome)) return 'Accepted';
  const failure = outcome.left;
  switch (failure._tag) {
    case 'UpstreamThrottling':
      return 'Throttled';
    case 'UpstreamUnreachable':
    case 'UpstreamClientMisconfigured':
    case 'DeadlineExceeded':
    case 'Cancelled':
      return 'NoAnswer';
    // AWS answered, so its quota had room for the call: the rate may recover.
    case 'UpstreamAccessDenied':
    case 'UpstreamConflict':
    case 'UpstreamInternalServer':
    case 'UpstreamResourceNotFound':
    case 'UpstreamValidation':
    case 'UpstreamUnmodelled':
      return 'Accepted';
    default:
      return absurd(failure);
  }
}

export interface AdmissionRounds {
  /** How many times a call AWS throttles goes back through admission before the caller sees the throttle. */
  readonly throttleRetries: number;
  /** Milliseconds since some origin; measures admission waits. */
  readonly clock: () => number;
}

/**
 * Admission, then the call, whose outcome steers the budget's rate; a throttled call goes round again, up to
 * throttleRetries times (the rate has halved meanwhile, and the call is the same, its token included).
 */
export function throughAdmission<Failure extends UpstreamFailure | CallEnded, A>(
  admission: UpstreamAdmission,
  timing: CallTiming,
  call: () => TE.TaskEither<Failure, A>,
  rounds: AdmissionRounds,
): TE.TaskEither<Failure | AdmissionRefused | CallEnded, Admitted<A>> {
  const round = (
    retriesLeft: number,
    waitedMs: number,
  ): TE.TaskEither<Failure | AdmissionRefused | CallEnded, Admitted<A>> => {
    const enteredAt = rounds.clock();
    return pipe(
      admission.admit(timing),
      TE.map(() => waitedMs + (rounds.clock() - enteredAt)),
      TE.flatMap((admissionWaitMs) =>
        pipe(
          call(),
          T.tap((outcome) => T.fromIO(() => admission.record(verdictOf(outcome)))),
          TE.map((value): Admitted<A> => ({ value, admissionWaitMs })),
        ),
      ),
      TE.orElse((failure) =>
        failure._tag === 'UpstreamThrottling' && retriesLeft > 0
          ? round(retriesLeft - 1, waitedMs + (rounds.clock() - enteredAt))
          : TE.left(failure),
      ),
    );
  };
  return round(rounds.throttleRetries, 0);
}

/** Time and timers, injected so admission can be tested with a manual clock instead of waiting. */
export interface Scheduler {
  now(): number;
  /** Runs `callback` after `delayMs`; the returned function cancels it. */
  schedule(callback: () => void, delayMs: number): () => void;
}

export const realScheduler: Scheduler = {
  now: () => Date.now(),
  schedule: (callback, delayMs) => {
    const timer = setTimeout(callback, delayMs);
    // A pending admission timer must not keep a stopping process alive; the calls it serves do that.
    timer.unref();
    return () => clearTimeout(timer);
  },
};

export interface TokenBucketSettings {
  /** The most calls per second we ever send (AWS's quota for the operation: 20/s per account and region). */
  readonly ratePerSecond: number;
  readonly burst: number;
  /** Calls that may wait at once; past this they are refused at once. */
  readonly queueLimit: number;
  /** Time a call needs after admission to be useful; a call that would be admitted later is refused now. */
  readonly reserveMs: number;
}

interface Waiter {
  readonly deadline: number;
  readonly sequence: number;
  readonly resolve: (outcome: E.Either<AdmissionRefused | CallEnded, void>) => void;
  readonly context: CallTiming;
  readonly onAbort: () => void;
  settled: boolean;
}

/** After a throttle, the rate halves at most once per this period, so one burst of 429s is one decrease. */
const DECREASE_COOLDOWN_MS = 1000;
const MINIMUM_RATE_FRACTION = 0.05;
/** Additive increase per accepted call, as a fraction of the configured rate: about 20 calls per step of 1/s at 20/s. */
const INCREASE_FRACTION_PER_ACCEPT = 0.0025;

/**
 * A token bucket that admits calls earliest-deadline-first, refuses at once a call that could not be admitted
 * before its deadline (instead of letting it time out in the queue), bounds the queue, and halves its rate when
 * AWS throttles anyway, then recovers additively (AIMD).
 */
export class TokenBucketAdmission implements UpstreamAdmission {
  private tokens: number;
  private rate: number;
  private lastRefill: number;
  private lastDecrease = Number.NEGATIVE_INFINITY;
  private sequence = 0;
  /** Waiting calls sorted by (deadline, arrival): the head is admitted next. */
  private readonly queue: Waiter[] = [];
  private cancelTimer: (() => void) | undefined;

  constructor(
    private readonly settings: TokenBucketSettings,
    private readonly scheduler: Scheduler,
  ) {
    this.tokens = settings.burst;
    this.rate = settings.ratePerSecond;
    this.lastRefill = scheduler.now();
  }

  state(): AdmissionState {
    this.refill(this.scheduler.now());
    return { queueDepth: this.queue.length, tokensAvailable: this.tokens, ratePerSecond: this.rate };
  }

  admit(context: CallTiming): TE.TaskEither<AdmissionRefused | CallEnded, void> {
    return () => new Promise((resolve) => this.enter(context, resolve));
  }

  record(verdict: UpstreamVerdict): void {
    const now = this.scheduler.now();
    switch (verdict) {
      case 'Throttled':
        if (now - this.lastDecrease >= DECREASE_COOLDOWN_MS) {
          this.refill(now);
          this.lastDecrease = now;
          this.rate = Math.max(this.settings.ratePerSecond * MINIMUM_RATE_FRACTION, this.rate / 2);
          this.tokens = Math.min(this.tokens, 0);
        }
        return;
      case 'Accepted':
        this.refill(now);
        this.rate = Math.min(
          this.settings.ratePerSecond,
          this.rate + this.settings.ratePerSecond * INCREASE_FRACTION_PER_ACCEPT,
        );
        return;
      case 'NoAnswer':
        return;
      default:
        return absurd(verdict);
    }
  }

  private enter(context: CallTiming, resolve: (outcome: E.Either<AdmissionRefused | CallEnded, void>) => void): void {
    if (context.signal.aborted) {
      resolve(E.left(endedBy(context.signal)));
      return;
    }
    const now = this.scheduler.now();
    this.refill(now);
    if (this.queue.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      resolve(E.right(undefined));
      return;
    }
    if (this.queue.length >= this.settings.queueLimit) {
      resolve(E.left(this.refusal('QueueFull', this.waitForPosition(this.queue.length + 1))));
      return;
    }
    const position = this.insertionIndex(context.deadline) + 1;
    const waitMs = this.waitForPosition(position);
    if (now + waitMs + this.settings.reserveMs > context.deadline) {
      resolve(E.left(this.refusal('DeadlineUnmeetable', waitMs)));
      return;
    }
    this.enqueue(context, resolve);
    this.scheduleDrain();
  }

  private enqueue(context: CallTiming, resolve: (outcome: E.Either<AdmissionRefused | CallEnded, void>) => void): void {
    const waiter: Waiter = {
      deadline: context.deadline,
      sequence: this.sequence++,
      context,
      settled: false,
      resolve: (outcome) => {
        if (!waiter.settled) {
          waiter.settled = true;
          context.signal.removeEventListener('abort', waiter.onAbort);
          resolve(outcome);
        }
      },
      onAbort: () => {
        const index = this.queue.indexOf(waiter);
        if (index >= 0) {
          this.queue.splice(index, 1);
        }
        waiter.resolve(E.left(endedBy(context.signal)));
      },
    };
    context.signal.addEventListener('abort', waiter.onAbort, { once: true });
    this.queue.splice(this.insertionIndex(context.deadline), 0, waiter);
  }

  /** Where a call with this deadline goes: after every waiter with an earlier or equal deadline (FIFO on ties). */
  private insertionIndex(deadline: number): number {
    let low = 0;
    let high = this.queue.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const waiter = this.queue[middle];
      if (waiter !== undefined && waiter.deadline <= deadline) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }

  /** How long until the call at this queue position gets a token, at the current rate. */
  private waitForPosition(position: number): number {
    return Math.max(0, ((position - this.tokens) / this.rate) * 1000);
  }

  private refusal(cause: AdmissionRefused['cause'], retryAfterMs: number): AdmissionRefused {
    return { _tag: 'AdmissionRefused', cause, retryAfterMs, ratePerSecond: this.rate };
  }

  private refill(now: number): void {
    const elapsedMs = Math.max(0, now - this.lastRefill);
    this.tokens = Math.min(this.settings.burst, this.tokens + (elapsedMs / 1000) * this.rate);
    this.lastRefill = now;
  }

  private scheduleDrain(): void {
    if (this.cancelTimer !== undefined || this.queue.length === 0) {
      return;
    }
    const delayMs = Math.max(0, ((1 - this.tokens) / this.rate) * 1000);
    this.cancelTimer = this.scheduler.schedule(() => {
      this.cancelTimer = undefined;
      this.drain();
    }, Math.ceil(delayMs));
  }

  private drain(): void {
    this.refill(this.scheduler.now());
    while (this.tokens >= 1) {
      const next = this.queue.shift();
      if (next === undefined) {
        break;
      }
      this.tokens -= 1;
      next.resolve(E.right(undefined));
    }
    this.scheduleDrain();
  }
}
