import { pipe } from 'fp-ts/function';
import * as TE from 'fp-ts/TaskEither';

import type { CallContext } from './call-context';
import { decodeReconnectRequest, type ReconnectRequestPolicy } from './reconnect-request';
import { invalidRequest, type ReconnectError } from './reconnect-error';
import type { SignalResponse, StreamSessionConnector } from './stream-session-connector';

export interface ReconnectResult {
  readonly signalResponse: SignalResponse;
}

export interface ReconnectDependencies {
  readonly policy: ReconnectRequestPolicy;
  readonly connector: StreamSessionConnector;
}

/**
 * The reconnect use case: decode the request (all violations at once, no upstream call when any), ask GameLift
 * Streams for a new connection, and shape the answer. Every step is a TaskEither; nothing here throws.
 */
export function reconnectStreamSession(
  dependencies: ReconnectDependencies,
): (request: unknown, context: CallContext) => TE.TaskEither<ReconnectError, ReconnectResult> {
  const decode = decodeReconnectRequest(dependencies.policy);
  return (request, context) =>
    pipe(
      TE.fromEither(decode(request)),
      TE.mapLeft(invalidRequest),
      TE.chain((command) => dependencies.connector.createStreamSessionConnection(command, context)),
      TE.map((signalResponse) => ({ signalResponse })),
    );
}
