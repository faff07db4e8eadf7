import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';
import * as t from 'io-ts';

import {
  TokenBucketAdmission,
  type AdmissionState,
  type BudgetKey,
  type Scheduler,
  type UpstreamAdmission,
  type UpstreamVerdict,
} from '../domain/admission';
import { endedBy, type CallTiming } from '../domain/call-context';
import type { AdmissionRefused, CallEnded } from '../domain/outcomes';
import type { FleetKeys } from './fleet-keys';
import type { FleetClient } from './redis-link';

/** What a budget needs of the fleet it belongs to. */
export interface FleetLink {
  /** The replica's name in the shared state now (it changes each time the replica stops sharing). */
  replicaId(): string;
  readonly keys: FleetKeys;
  /** Whether budgets go through Redis now, or admit on their own (Redis unreachable, or cooling down after it). */
  sharing(): boolean;
  /** Runs one Redis call within its deadline; a failure turns the whole fleet to admitting on its own. */
  call<T>(command: string, run: (client: FleetClient) => Promise<T>): Promise<E.Either<string, T>>;
  readonly settings: FleetBudgetSettings;
}

export interface FleetBudgetSettings {
  readonly burst: number;
  readonly queueLimit: number;
  readonly reserveMs: number;
  readonly maxReplicas: number;
  readonly liveLeaseMs: number;
  readonly staleMs: number;
  readonly keyTtlMs: number;
}

const AdmitReply = t.tuple([
  t.union([t.literal('admitted'), t.literal('refused'), t.literal('wait')]),
  t.string,
  t.string,
  t.string,
]);

/** A waiter polls Redis at least this often, so its replica's lease (and so its place in the queue) stays fresh. */
const MAX_POLL_MS = 1000;
/** How far back the calls admitted on this replica alone count against the shared budget once Redis is back. */
const ADMITTED_ALONE_WINDOW_MS = 1000;

interface Waiter {
  readonly member: string;
  readonly deadline: number;
  readonly sequence: number;
  readonly timing: CallTiming;
  readonly resolve: (outcome: E.Either<AdmissionRefused | CallEnded, void>) => void;
  /** When it may next ask Redis; undefined until its first answer. */
  nextPollAt: number | undefined;
  polling: boolean;
  done: boolean;
}

/**
 * One budget (region, operation) of a fleet. While the fleet shares its budgets through Redis, every waiter is in a
 * queue in Redis that all replicas share, earliest deadline first, and each replica asks for the slots of its own
 * waiters, its earliest one first; a slot is reserved atomically in Redis, on Redis's clock (scripts.ts). While it
 * cannot, the budget admits on its own at rate / the most replicas that may run, so the fleet together stays within
 * the quota even then; the calls it admitted alone in the last second are booked against the shared budget when Redis
 * is back.
 */
export class FleetAdmission implements UpstreamAdmission {
  /** This replica's waiters in the shared queue, by (deadline, arrival). */
  private readonly waiters: Waiter[] = [];
  private sequence = 0;
  private cancelPoll: (() => void) | undefined;
  private lastSharedRate: number;
  private lastAvailable: number;
  private readonly alone: TokenBucketAdmission;
  private readonly admittedAlone: number[] = [];

  constructor(
    private readonly key: BudgetKey,
    private readonly ratePerSecond: number,
    private readonly fleet: FleetLink,
    private readonly scheduler: Scheduler,
  ) {
    const { burst, queueLimit, reserveMs, maxReplicas } = fleet.settings;
    this.lastSharedRate = ratePerSecond;
    this.lastAvailable = burst;
    // One call at a time, no burst: the outage share must hold in every second.
    this.alone = new TokenBucketAdmission(
      { ratePerSecond: ratePerSecond / maxReplicas, burst: 1, queueLimit, reserveMs },
      scheduler,
    );
  }

  admit(timing: CallTiming): TE.TaskEither<AdmissionRefused | CallEnded, void> {
    return () => (this.fleet.sharing() ? this.admitShared(timing) : this.admitAlone(timing));
  }

  record(verdict: UpstreamVerdict): void {
    if (!this.fleet.sharing()) {
      this.alone.record(verdict);
      return;
    }
    if (verdict === 'NoAnswer') return;
    const { burst, keyTtlMs } = this.fleet.settings;
    void this.fleet.call('record', (client) =>
      client.record(this.budgetKey(), verdict, keyTtlMs, burst, this.ratePerSecond),
    );
  }

  state(): AdmissionState {
    if (!this.fleet.sharing()) {
      return this.alone.state();
    }
    return {
      queueDepth: this.waiters.length + this.alone.state().queueDepth,
      tokensAvailable: this.lastAvailable,
      ratePerSecond: this.lastSharedRate,
    };
  }

  /** How many calls this budget admitted on its own in the last second; they are owed to the shared budget. */
  admittedAloneRecently(): number {
    this.forgetOldAdmissions();
    return this.admittedAlone.length;
  }

  /** Whether it still has calls waiting to be admitted on its own. */
  waitingAlone(): boolean {
    return this.alone.state().queueDepth > 0;
  }

  /** Books what it admitted alone against the shared budget, as the fleet stops cooling down. */
  settle(): Promise<E.Either<string, unknown>> {
    const { keyTtlMs } = this.fleet.settings;
    const owed = this.admittedAloneRecently();
    return this.fleet.call('settle', (client) =>
      client.settle(
        this.budgetKey(),
        this.fleet.keys.cooling,
        this.fleet.replicaId(),
        owed,
        this.ratePerSecond,
        keyTtlMs,
      ),
    );
  }

  /** Moves this replica's waiters from the shared queue to its own, when Redis cannot be reached. */
  moveWaitersAlone(): void {
    this.cancelPoll?.();
    this.cancelPoll = undefined;
    for (const waiter of this.waiters.splice(0)) {
      waiter.done = true;
      void this.admitAlone(waiter.timing).then(waiter.resolve);
      // In case Redis only answered late: it has the waiter leave now rather than when it reaches the head.
      void this.fleet.call('leave', (client) => client.leave(this.fleet.keys.queue(this.key), waiter.member));
    }
  }

  private budgetKey(): string {
    return this.fleet.keys.budget(this.key);
  }

  private admitAlone(timing: CallTiming): Promise<E.Either<AdmissionRefused | CallEnded, void>> {
    return this.alone
      .admit(timing)()
      .then((outcome) => {
        if (E.isRight(outcome)) {
          this.forgetOldAdmissions();
          this.admittedAlone.push(this.scheduler.now());
        }
        return outcome;
      });
  }

  private forgetOldAdmissions(): void {
    const since = this.scheduler.now() - ADMITTED_ALONE_WINDOW_MS;
    while (this.admittedAlone.length > 0 && (this.admittedAlone[0] ?? since) < since) {
      this.admittedAlone.shift();
    }
  }

  private admitShared(timing: CallTiming): Promise<E.Either<AdmissionRefused | CallEnded, void>> {
    if (timing.signal.aborted) {
      return Promise.resolve(E.left(endedBy(timing.signal)));
    }
    const { queueLimit } = this.fleet.settings;
    if (this.waiters.length >= queueLimit) {
      const retryAfterMs = (this.waiters.length * 1000) / this.lastSharedRate;
      return Promise.resolve(
        E.left({ _tag: 'AdmissionRefused', cause: 'QueueFull', retryAfterMs, ratePerSecond: this.lastSharedRate }),
      );
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        // Zero-padded, so that the queue in Redis (by score, then member) and this one order ties alike.
        member: `${this.fleet.replicaId()}/${String(this.sequence).padStart(15, '0')}`,
        deadline: Math.floor(timing.deadline),
        sequence: this.sequence,
        timing,
        nextPollAt: undefined,
        polling: false,
        done: false,
        resolve: (outcome) => {
          timing.signal.removeEventListener('abort', onAbort);
          resolve(outcome);
        },
      };
      this.sequence += 1;
      const onAbort = (): void => {
        if (waiter.done) return;
        this.finish(waiter, E.left(endedBy(timing.signal)));
        void this.fleet.call('leave', (client) => client.leave(this.fleet.keys.queue(this.key), waiter.member));
      };
      timing.signal.addEventListener('abort', onAbort, { once: true });
      this.insert(waiter);
      // Registers it in the shared queue at once: its place there, and whether its deadline can be met, are fleet-wide.
      void this.poll(waiter);
    });
  }

  /** In (deadline, member) order: the order of the shared queue in Redis. */
  private insert(waiter: Waiter): void {
    let index = this.waiters.length;
    while (index > 0) {
      const before = this.waiters[index - 1];
      if (
        before === undefined ||
        before.deadline < waiter.deadline ||
        (before.deadline === waiter.deadline && before.member < waiter.member)
      )
        break;
      index -= 1;
    }
    this.waiters.splice(index, 0, waiter);
  }

  private finish(waiter: Waiter, outcome: E.Either<AdmissionRefused | CallEnded, void>): void {
    waiter.done = true;
    const index = this.waiters.indexOf(waiter);
    if (index >= 0) this.waiters.splice(index, 1);
    waiter.resolve(outcome);
    if (index === 0) this.scheduleHead();
  }

  /** Asks Redis for the waiter's slot once. */
  private async poll(waiter: Waiter): Promise<void> {
    if (waiter.done || waiter.polling) return;
    waiter.polling = true;
    const { burst, reserveMs, maxReplicas, liveLeaseMs, staleMs, keyTtlMs } = this.fleet.settings;
    const reply = await this.fleet.call('admit', (client) =>
      client.admit(
        {
          budget: this.budgetKey(),
          queue: this.fleet.keys.queue(this.key),
          live: this.fleet.keys.live,
          cooling: this.fleet.keys.cooling,
        },
        {
          member: waiter.member,
          replica: this.fleet.replicaId(),
          deadlineMs: waiter.deadline,
          reserveMs,
          ratePerSecond: this.ratePerSecond,
          burst,
          maxReplicas,
          liveLeaseMs,
          staleMs,
          keyTtlMs,
        },
      ),
    );
    waiter.polling = false;
    if (waiter.done) return;
    if (E.isLeft(reply)) {
      // The fleet has turned to admitting alone (the failed call told it); this waiter goes with the others.
      this.moveWaitersAlone();
      return;
    }
    const decoded = AdmitReply.decode(reply.right);
    if (E.isLeft(decoded)) {
      this.moveWaitersAlone();
      return;
    }
    const [verdict, waitText, rateText, availableText] = decoded.right;
    const waitMs = Number(waitText);
    this.lastSharedRate = Number(rateText);
    this.lastAvailable = Math.max(0, Number(availableText));
    switch (verdict) {
      case 'admitted':
        this.finish(waiter, E.right(undefined));
        return;
      case 'refused':
        this.finish(
          waiter,
          E.left({
            _tag: 'AdmissionRefused',
            cause: 'DeadlineUnmeetable',
            retryAfterMs: waitMs,
            ratePerSecond: this.lastSharedRate,
          }),
        );
        return;
      case 'wait':
        waiter.nextPollAt =
          this.scheduler.now() + Math.max(1, Math.min(waitMs, MAX_POLL_MS, 1000 / this.lastSharedRate));
        if (this.waiters[0] === waiter) this.scheduleHead();
        return;
    }
  }

  /** Only this replica's earliest waiter asks again, when it may be admitted (or to keep its lease fresh). */
  private scheduleHead(): void {
    this.cancelPoll?.();
    this.cancelPoll = undefined;
    const head = this.waiters[0];
    if (head === undefined || head.polling) return;
    if (head.nextPollAt === undefined) {
      void this.poll(head);
      return;
    }
    this.cancelPoll = this.scheduler.schedule(
      () => {
        this.cancelPoll = undefined;
        void this.poll(head);
      },
      Math.max(0, head.nextPollAt - this.scheduler.now()),
    );
  }
}
