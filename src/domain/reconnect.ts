import { createHash } from 'node:crypto';

import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import * as TE from 'fp-ts/TaskEither';

import { throughAdmission, type AdmissionRounds, type Admitted, type UpstreamBudgets } from './admission';
import { authorizeStreamGroup, type CallContext, type CallTiming } from './call-context';
import type {
  AdmissionRefused,
  CallEnded,
  NotSessionOwner,
  ReconnectFailure,
  ReconnectInProgress,
  UpstreamFailure,
} from './outcomes';
import type { ConnectionAnswer, SignalResponse, StreamSessionConnector } from './ports';
import {
  ClientToken,
  decodeReconnectRequest,
  sessionKeyOf,
  targetOf,
  type ReconnectCommand,
  type ReconnectRequestPolicy,
  type SessionKey,
} from './request';
import type { SessionReads } from './sessions';
import { Singleflight } from './singleflight';

export interface ReconnectResult {
  readonly signalResponse: SignalResponse;
  /** True when the call shared an identical reconnect's upstream request. */
  readonly coalesced: boolean;
  readonly awsRequestId: string | undefined;
  /** How long the (shared) upstream call waited for admission, in milliseconds. */
  readonly admissionWaitMs: number;
}

export interface ReconnectObserver {
  /** Told about every successful reconnect (metrics: coalescing, admission waits). */
  reconnected(result: ReconnectResult): void;
}

/** What the shared upstream work of a reconnect can end with. */
type FlightFailure = AdmissionRefused | CallEnded | UpstreamFailure | ReconnectInProgress;

/** The reconnects under way in a process, each perhaps shared by several calls (metrics read how many). */
export class ReconnectFlights extends Singleflight<SessionKey, FlightFailure, Admitted<ConnectionAnswer>> {}

/** A session's reconnect lease across a fleet, once taken: released when its flight ends. */
export type LeaseOutcome = { readonly _tag: 'Held'; release(): void } | { readonly _tag: 'OtherOffer' };

/**
 * Reconnects in flight across the replicas of a fleet: one lease per session, which the same offer shares and another
 * offer is refused while a reconnect holds it. Never rejects; when the shared state cannot be reached, the lease is
 * held as one process would hold it (the replica's own coalescing still applies).
 */
export interface ReconnectLeases {
  /** `deadline` (epoch ms): when the flight is given up, so a lease outlives no flight for long. */
  acquire(session: SessionKey, signalRequestDigest: string, deadline: number): Promise<LeaseOutcome>;
}

/** Leases of one process alone: its own coalescing is all there is to share. */
export const unsharedLeases: ReconnectLeases = {
  acquire: () => Promise.resolve({ _tag: 'Held', release: () => undefined }),
};

export interface ReconnectDependencies {
  readonly policy: ReconnectRequestPolicy;
  readonly connector: StreamSessionConnector;
  /** Reads (or remembers) the session's owner when the request names a player. */
  readonly sessions: SessionReads;
  readonly budgets: UpstreamBudgets;
  readonly rounds: AdmissionRounds;
  readonly leases: ReconnectLeases;
  readonly flights: ReconnectFlights;
  readonly observer: ReconnectObserver;
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
function derivedClientToken(session: SessionKey, signalRequestDigest: string): ClientToken | undefined {
  const decoded = ClientToken.decode(`${DERIVATION_VERSION}-${sha256Hex(`${session}\n${signalRequestDigest}`)}`);
  return E.isRight(decoded) ? decoded.right : undefined;
}

/**
 * The reconnect use case, read top to bottom as the README lists its steps: decode the request (every violation at
 * once; no upstream call when any); check the caller may touch the stream group; when the request names a player,
 * check the session is theirs; join an identical reconnect already in flight, or start one: hold the session's lease
 * across the fleet, wait for admission within CreateStreamSessionConnection's budget, and ask GameLift Streams for a
 * new connection. A different offer for a session whose reconnect is in flight, here or on another replica, is refused
 * at once: an answer only fits the offer it was made for. Every step is a TaskEither (or an Either); nothing throws.
 */
export function reconnectStreamSession(
  dependencies: ReconnectDependencies,
): (request: unknown, context: CallContext) => TE.TaskEither<ReconnectFailure, ReconnectResult> {
  const decode = decodeReconnectRequest(dependencies.policy);
  const { connector, sessions, budgets, rounds, leases, flights } = dependencies;

  const checkOwner = (command: ReconnectCommand, context: CallContext) =>
    command.userId === undefined
      ? TE.right(command)
      : pipe(
          sessions.ownerOf(command, context),
          TE.flatMapEither((owner) =>
            owner === command.userId
              ? E.right(command)
              : E.left<NotSessionOwner, ReconnectCommand>({ _tag: 'NotSessionOwner', target: targetOf(command) }),
          ),
        );

  const inProgress = (command: ReconnectCommand): ReconnectInProgress => ({
    _tag: 'ReconnectInProgress',
    target: targetOf(command),
  });

  /** The flight's own work: the fleet's lease, then admission and the call, the lease released whatever happens. */
  const leasedConnection =
    (command: ReconnectCommand, session: SessionKey, digest: string) =>
    (timing: CallTiming): TE.TaskEither<FlightFailure, Admitted<ConnectionAnswer>> =>
    () =>
      leases
        .acquire(session, digest, timing.deadline)
        .then(
          (lease): Promise<E.Either<FlightFailure, Admitted<ConnectionAnswer>>> | E.Either<FlightFailure, never> => {
            if (lease._tag === 'OtherOffer') {
              return E.left(inProgress(command));
            }
            const connection = throughAdmission(
              budgets.budget({ region: command.region, operation: 'CreateStreamSessionConnection' }),
              timing,
              () => connector.createStreamSessionConnection(command, timing),
              rounds,
            );
            return connection().finally(() => lease.release());
          },
        );

  const joinOrStart = (command: ReconnectCommand, context: CallContext) => {
    const session = sessionKeyOf(command);
    const digest = sha256Hex(command.signalRequest);
    const tokened: ReconnectCommand = {
      ...command,
      clientToken: command.clientToken ?? derivedClientToken(session, digest),
    };
    const inFlight = flights.variantOf(session);
    return inFlight !== undefined && inFlight !== digest
      ? TE.left(inProgress(command))
      : flights.run(session, digest, context, leasedConnection(tokened, session, digest));
  };

  return (request, context) =>
    pipe(
      TE.fromEither(decode(request)),
      TE.tapEither((command) => authorizeStreamGroup(context.caller, command)),
      TE.flatMap((command) => checkOwner(command, context)),
      TE.flatMap((command) => joinOrStart(command, context)),
      TE.map(({ value, joined }): ReconnectResult => ({
        signalResponse: value.value.signalResponse,
        awsRequestId: value.value.awsRequestId,
        admissionWaitMs: value.admissionWaitMs,
        coalesced: joined,
      })),
      TE.tap((result) => TE.fromIO(() => dependencies.observer.reconnected(result))),
    );
}
