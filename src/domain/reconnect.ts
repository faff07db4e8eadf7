import * as E from 'fp-ts/Either';
import { flow, pipe } from 'fp-ts/function';
import * as TE from 'fp-ts/TaskEither';

import type { CallContext, FlightTiming } from './call-context';
import { authorizeStreamGroup } from './caller';
import { deriveClientToken } from './derived-client-token';
import type { Coalesced, ReconnectCoalescer } from './reconnect-coalescer';
import { decodeReconnectRequest, type ReconnectCommand, type ReconnectRequestPolicy } from './reconnect-request';
import { invalidRequest, targetOf, type ReconnectError } from './reconnect-error';
import { sessionKeyOf } from './session-key';
import { signalDigest } from './signal-digest';
import type { ConnectionAnswer, SignalResponse, StreamSessionConnector } from './stream-session-connector';
import type { StreamSessionReader } from './stream-session-status';
import type { UpstreamAdmission, UpstreamVerdict } from './upstream-admission';

export interface ReconnectResult {
  readonly signalResponse: SignalResponse;
  /** True when the call shared an identical reconnect's upstream request. */
  readonly coalesced: boolean;
  readonly awsRequestId: string | undefined;
  /** How long the (shared) upstream call waited for admission, in milliseconds. */
  readonly admissionWaitMs: number;
}

/** A connection answer and how long its call waited for admission: what a coalesced flight shares. */
export interface AdmittedAnswer extends ConnectionAnswer {
  readonly admissionWaitMs: number;
}

export interface ReconnectDependencies {
  readonly policy: ReconnectRequestPolicy;
  readonly connector: StreamSessionConnector;
  /** Reads the session's owner when the request names a player. */
  readonly reader: StreamSessionReader;
  readonly admission: UpstreamAdmission;
  readonly coalescer: ReconnectCoalescer<AdmittedAnswer>;
  /** Milliseconds since some origin; measures admission waits. */
  readonly clock: () => number;
  /** How many times a call AWS throttles goes back through admission before the caller sees the throttle. */
  readonly throttleRetries: number;
}

/** A reconnect request and the call it came with: what the pipeline is run on. */
interface ReconnectCall {
  readonly request: unknown;
  readonly context: CallContext;
}

/** A decoded reconnect and the call it serves: what every step after decoding is given. */
interface DecodedReconnect {
  readonly command: ReconnectCommand;
  readonly context: CallContext;
}

function verdictOf(outcome: E.Either<ReconnectError, ConnectionAnswer>): UpstreamVerdict {
  if (E.isRight(outcome)) return 'Accepted';
  const error = outcome.left;
  switch (error._tag) {
    case 'UpstreamThrottling':
      return 'Throttled';
    case 'UpstreamUnreachable':
    case 'UpstreamClientMisconfigured':
    case 'DeadlineExceeded':
    case 'Cancelled':
      return 'NoAnswer';
    // AWS answered, so its quota had room for the call: the rate may recover. The variants that never reach the
    // connector are listed too, so a new variant has to be placed here before it compiles.
    case 'UpstreamAccessDenied':
    case 'UpstreamConflict':
    case 'UpstreamInternalServer':
    case 'UpstreamResourceNotFound':
    case 'UpstreamValidation':
    case 'UpstreamUnmodelled':
    case 'InvalidRequest':
    case 'Unauthenticated':
    case 'CallerNotAllowed':
    case 'NotSessionOwner':
    case 'ReconnectInProgress':
    case 'AdmissionRefused':
      return 'Accepted';
    default: {
      const unreachable: never = error;
      return unreachable;
    }
  }
}

/**
 * The reconnect use case, read top to bottom: decode the request (every violation at once; no upstream call when
 * any), check the caller may touch the stream group and, when the request names a player, that the session is
 * theirs; settle the idempotency token; join an identical reconnect already in flight or start one, which waits
 * for admission within the upstream rate and then asks GameLift Streams for a new connection. Every step is a
 * TaskEither; nothing here throws.
 */
export function reconnectStreamSession(
  dependencies: ReconnectDependencies,
): (request: unknown, context: CallContext) => TE.TaskEither<ReconnectError, ReconnectResult> {
  const decode = decodeReconnectRequest(dependencies.policy);
  const { admission, connector, coalescer, reader } = dependencies;

  const checkOwner = (command: ReconnectCommand, context: CallContext): TE.TaskEither<ReconnectError, ReconnectCommand> =>
    command.userId === undefined
      ? TE.right(command)
      : pipe(
          reader.getStreamSession(command, context),
          TE.chain((record) =>
            record.userId === command.userId
              ? TE.right(command)
              : TE.left<ReconnectError, ReconnectCommand>({
                  _tag: 'NotSessionOwner',
                  target: targetOf(command),
                }),
          ),
        );

  const admitAndConnect = (command: ReconnectCommand, context: FlightTiming, retriesLeft: number, waitedMs = 0): TE.TaskEither<ReconnectError, AdmittedAnswer> => {
    const enteredAt = dependencies.clock();
    return pipe(
      admission.admit(context),
      TE.map(() => waitedMs + (dependencies.clock() - enteredAt)),
      TE.chain((admissionWaitMs) => () =>
        connector.createStreamSessionConnection(command, context)().then((outcome) => {
          admission.record(verdictOf(outcome));
          return E.map((answer: ConnectionAnswer) => ({ ...answer, admissionWaitMs }))(outcome);
        }),
      ),
      // Only a throttled call goes round again. A call whose budget ran out may have fired the flight's own signal
      // (FlightTiming.abort), and nothing more can run under that signal.
      TE.orElse((error) =>
        error._tag === 'UpstreamThrottling' && retriesLeft > 0
          ? admitAndConnect(command, context, retriesLeft - 1, waitedMs + (dependencies.clock() - enteredAt))
          : TE.left(error),
      ),
    );
  };

  const decodeCall = ({ request, context }: ReconnectCall): E.Either<ReconnectError, DecodedReconnect> =>
    pipe(
      decode(request),
      E.bimap(invalidRequest, (command) => ({ command, context })),
    );

  const joinOrStart = ({ command: decoded, context }: DecodedReconnect): TE.TaskEither<ReconnectError, Coalesced<AdmittedAnswer>> => {
    const session = sessionKeyOf(decoded);
    const digest = signalDigest(decoded.signalRequest);
    const command: ReconnectCommand = {
      ...decoded,
      clientToken: decoded.clientToken ?? deriveClientToken(session, digest),
    };
    const target = targetOf(command);
    return coalescer.run(session, digest, target, context, (flightContext) =>
      admitAndConnect(command, flightContext, dependencies.throttleRetries),
    );
  };

  // The steps are composed once, not on every call (building `TE.chain(f)` goes through fp-ts's `dual`, which copies
  // its arguments; running it still spreads them, once per step). So each step takes the call's context along.
  // Decoding and the stream-group check are synchronous, so they stay Either steps: a TaskEither step costs every
  // call two promise hops.
  const pipeline = flow(
    decodeCall,
    E.chainFirst(({ command, context }: DecodedReconnect) => authorizeStreamGroup(context.caller, command)),
    TE.fromEither,
    TE.chainFirst(({ command, context }: DecodedReconnect) => checkOwner(command, context)),
    TE.chain(joinOrStart),
    TE.map(
      ({ value, coalesced }): ReconnectResult => ({
        signalResponse: value.signalResponse,
        awsRequestId: value.awsRequestId,
        admissionWaitMs: value.admissionWaitMs,
        coalesced,
      }),
    ),
  );

  return (request, context) => pipeline({ request, context });
}
