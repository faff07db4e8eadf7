import { createHash } from 'node:crypto';

import * as E from 'fp-ts/Either';
import { absurd, pipe } from 'fp-ts/function';
import * as T from 'fp-ts/Task';
import * as TE from 'fp-ts/TaskEither';

import type { UpstreamAdmission, UpstreamVerdict } from './admission';
import { authorizeStreamGroup, endedBy, type CallContext, type CallTiming } from './call-context';
import type { AdmissionRefused, CallEnded, NotSessionOwner, ReconnectFailure, UpstreamFailure } from './outcomes';
import type { ConnectionAnswer, SignalResponse, StreamSessionConnector, StreamSessionReader } from './ports';
import {
  ClientToken,
  decodeReconnectRequest,
  sessionKeyOf,
  targetOf,
  type ReconnectCommand,
  type ReconnectRequestPolicy,
  type SessionKey,
} from './request';

export interface ReconnectResult {
  readonly signalResponse: SignalResponse;
  /** True when the call shared an identical reconnect's upstream request. */
  readonly coalesced: boolean;
  readonly awsRequestId: string | undefined;
  /** How long the (shared) upstream call waited for admission, in milliseconds. */
  readonly admissionWaitMs: number;
}

/** A connection answer and how long its call waited for admission: what a coalesced flight shares. */
interface AdmittedAnswer extends ConnectionAnswer {
  readonly admissionWaitMs: number;
}

/** What the shared upstream work of a flight can end with. */
type FlightFailure = AdmissionRefused | CallEnded | UpstreamFailure;

interface Flight {
  readonly signalRequestDigest: string;
  readonly outcome: Promise<E.Either<FlightFailure, AdmittedAnswer>>;
  /** Fires when every participant has left: the shared upstream call is then no longer wanted. */
  readonly controller: AbortController;
  participants: number;
}

/**
 * Singleflight for reconnects. Identical reconnects in flight at once (same session, same offer) share one upstream
 * call and all get its result; a different offer for a session whose reconnect is in flight is refused at once,
 * because an answer only fits the offer it was made for. A participant that cancels leaves on its own; the shared
 * call is aborted only when every participant has left.
 */
export class ReconnectCoalescer {
  private readonly flights = new Map<SessionKey, Flight>();

  /** Reconnects whose upstream work is under way (each perhaps shared by several calls). */
  inFlight(): number {
    return this.flights.size;
  }

  run(
    command: ReconnectCommand,
    signalRequestDigest: string,
    timing: CallTiming,
    start: (flightTiming: CallTiming) => TE.TaskEither<FlightFailure, AdmittedAnswer>,
  ): TE.TaskEither<FlightFailure | ReconnectInProgressOf, Coalesced> {
    return () => {
      const session = sessionKeyOf(command);
      const existing = this.flights.get(session);
      if (existing !== undefined && existing.signalRequestDigest !== signalRequestDigest) {
        return Promise.resolve(E.left({ _tag: 'ReconnectInProgress', target: targetOf(command) }));
      }
      const flight = existing ?? this.launch(session, signalRequestDigest, timing, start);
      return this.participate(session, flight, timing, existing !== undefined);
    };
  }

  private launch(
    session: SessionKey,
    signalRequestDigest: string,
    timing: CallTiming,
    start: (flightTiming: CallTiming) => TE.TaskEither<FlightFailure, AdmittedAnswer>,
  ): Flight {
    const controller = new AbortController();
    const outcome = start({ signal: controller.signal, deadline: timing.deadline })().finally(() =>
      this.forget(session, flight),
    );
    const flight: Flight = { signalRequestDigest, outcome, controller, participants: 0 };
    this.flights.set(session, flight);
    return flight;
  }

  /** Removes the flight, unless a newer one for the session has taken its place. */
  private forget(session: SessionKey, flight: Flight): void {
    if (this.flights.get(session) === flight) {
      this.flights.delete(session);
    }
  }

  private participate(
    session: SessionKey,
    flight: Flight,
    timing: CallTiming,
    coalesced: boolean,
  ): Promise<E.Either<FlightFailure, Coalesced>> {
    flight.participants += 1;
    return new Promise((resolve, reject) => {
      let done = false;
      const leave = (): void => {
        done = true;
        timing.signal.removeEventListener('abort', onAbort);
        flight.participants -= 1;
      };
      const onAbort = (): void => {
        if (done) return;
        leave();
        if (flight.participants === 0) {
          // Forget the flight at once: a new identical call must start afresh, not join a call being aborted.
          this.forget(session, flight);
          flight.controller.abort(timing.signal.reason);
        }
        resolve(E.left(endedBy(timing.signal)));
      };
      if (timing.signal.aborted) {
        onAbort();
        return;
      }
      timing.signal.addEventListener('abort', onAbort, { once: true });
      flight.outcome.then(
        (outcome) => {
          if (done) return;
          leave();
          resolve(E.map((answer: AdmittedAnswer) => ({ answer, coalesced }))(outcome));
        },
        // A defect in the shared call reaches every participant, for the transport to answer INTERNAL.
        (defect: unknown) => {
          if (done) return;
          leave();
          reject(
            defect instanceof Error ? defect : new Error('a non-Error defect in a shared reconnect', { cause: defect }),
          );
        },
      );
    });
  }
}

type ReconnectInProgressOf = Extract<ReconnectFailure, { readonly _tag: 'ReconnectInProgress' }>;

interface Coalesced {
  readonly answer: AdmittedAnswer;
  readonly coalesced: boolean;
}

export interface ReconnectDependencies {
  readonly policy: ReconnectRequestPolicy;
  readonly connector: StreamSessionConnector;
  /** Reads the session's owner when the request names a player. */
  readonly reader: StreamSessionReader;
  readonly admission: UpstreamAdmission;
  readonly coalescer: ReconnectCoalescer;
  /** Milliseconds since some origin; measures admission waits. */
  readonly clock: () => number;
  /** How many times a call AWS throttles goes back through admission before the caller sees the throttle. */
  readonly throttleRetries: number;
  /** Told about every successful reconnect (metrics: coalescing, admission waits). */
  readonly observer: ReconnectObserver;
}

export interface ReconnectObserver {
  reconnected(result: ReconnectResult): void;
}

/** Bumped if the derivation ever changes, so old and new tokens never collide. */
const DERIVATION_VERSION = 'rsc1';

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The ClientToken used when the caller gives none: the same (stream group, stream session, offer) always gives the
 * same token, so a retry of the same request, by the caller or through another replica, is idempotent at AWS. The
 * offer enters only as its SHA-256, and the token is hashed again, so it reveals nothing of the offer. It is always
 * 69 printable ASCII characters, so the codec accepts it (decoding brands it); were it ever refused, the SDK would
 * generate a token of its own, as for any caller that sends none.
 */
function derivedClientToken(command: ReconnectCommand, signalRequestDigest: string): ClientToken | undefined {
  const decoded = ClientToken.decode(
    `${DERIVATION_VERSION}-${sha256Hex(`${sessionKeyOf(command)}\n${signalRequestDigest}`)}`,
  );
  return E.isRight(decoded) ? decoded.right : undefined;
}

/** How an upstream outcome should steer the admitted rate. */
function verdictOf(outcome: E.Either<UpstreamFailure | CallEnded, ConnectionAnswer>): UpstreamVerdict {
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

/**
 * The reconnect use case, read top to bottom as the README lists its steps: decode the request (every violation at
 * once; no upstream call when any); check the caller may touch the stream group; when the request names a player,
 * check the session is theirs; join an identical reconnect already in flight, or start one: settle the idempotency
 * token, wait for admission within the upstream rate, and ask GameLift Streams for a new connection. Every step is a
 * TaskEither (or an Either); nothing here throws.
 */
export function reconnectStreamSession(
  dependencies: ReconnectDependencies,
): (request: unknown, context: CallContext) => TE.TaskEither<ReconnectFailure, ReconnectResult> {
  const decode = decodeReconnectRequest(dependencies.policy);
  const { admission, connector, coalescer, reader, clock } = dependencies;

  const checkOwner = (command: ReconnectCommand, context: CallContext) =>
    command.userId === undefined
      ? TE.right(command)
      : pipe(
          reader.getStreamSession(command, context),
          TE.flatMapEither((record) =>
            record.userId === command.userId
              ? E.right(command)
              : E.left<NotSessionOwner, ReconnectCommand>({ _tag: 'NotSessionOwner', target: targetOf(command) }),
          ),
        );

  /** One upstream call, whose outcome steers admission's rate. */
  const connect = (
    command: ReconnectCommand,
    timing: CallTiming,
  ): TE.TaskEither<UpstreamFailure | CallEnded, ConnectionAnswer> =>
    pipe(
      connector.createStreamSessionConnection(command, timing),
      T.tap((outcome) => T.fromIO(() => admission.record(verdictOf(outcome)))),
    );

  /** Admission, then the call; a throttled call goes round again, up to throttleRetries times, with the same token. */
  const admitAndConnect = (
    command: ReconnectCommand,
    timing: CallTiming,
    retriesLeft: number,
    waitedMs: number,
  ): TE.TaskEither<FlightFailure, AdmittedAnswer> => {
    const enteredAt = clock();
    return pipe(
      admission.admit(timing),
      TE.map(() => waitedMs + (clock() - enteredAt)),
      TE.flatMap((admissionWaitMs) =>
        pipe(
          connect(command, timing),
          TE.map((answer): AdmittedAnswer => ({ ...answer, admissionWaitMs })),
        ),
      ),
      // Only a throttled call goes round again: the rate has halved meanwhile, and AWS answered nothing else.
      TE.orElse((failure) =>
        failure._tag === 'UpstreamThrottling' && retriesLeft > 0
          ? admitAndConnect(command, timing, retriesLeft - 1, waitedMs + (clock() - enteredAt))
          : TE.left(failure),
      ),
    );
  };

  const joinOrStart = (
    command: ReconnectCommand,
    context: CallContext,
  ): TE.TaskEither<FlightFailure | ReconnectInProgressOf, Coalesced> => {
    const digest = sha256Hex(command.signalRequest);
    const tokened: ReconnectCommand = {
      ...command,
      clientToken: command.clientToken ?? derivedClientToken(command, digest),
    };
    return coalescer.run(tokened, digest, context, (flightTiming) =>
      admitAndConnect(tokened, flightTiming, dependencies.throttleRetries, 0),
    );
  };

  return (request, context) =>
    pipe(
      TE.fromEither(decode(request)),
      TE.tapEither((command) => authorizeStreamGroup(context.caller, command)),
      TE.flatMap((command) => checkOwner(command, context)),
      TE.flatMap((command) => joinOrStart(command, context)),
      TE.map(({ answer, coalesced }): ReconnectResult => ({
        signalResponse: answer.signalResponse,
        awsRequestId: answer.awsRequestId,
        admissionWaitMs: answer.admissionWaitMs,
        coalesced,
      })),
      TE.tap((result) => TE.fromIO(() => dependencies.observer.reconnected(result))),
    );
}
