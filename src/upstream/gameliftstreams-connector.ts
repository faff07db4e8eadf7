import { CreateStreamSessionConnectionCommand } from '@aws-sdk/client-gameliftstreams';
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';

import type { FlightTiming } from '../domain/call-context';
import type { ReconnectCommand } from '../domain/reconnect-request';
import { targetOf, type ReconnectError } from '../domain/reconnect-error';
import type { ConnectionAnswer, StreamSessionConnector } from '../domain/stream-session-connector';
import { boundedUpstreamCall } from './bounded-upstream-call';
import type { RegionalClients } from './regional-clients';
import { ignoreUpstream, type UpstreamObserver } from './upstream-observer';

/** The StreamSessionConnector over the real AWS SDK: the only place that calls CreateStreamSessionConnection. */
export function gameLiftStreamsConnector(
  clients: RegionalClients,
  budgetMs: number,
  observer: UpstreamObserver = ignoreUpstream,
): StreamSessionConnector {
  return {
    createStreamSessionConnection: (command: ReconnectCommand, context: FlightTiming) => {
      const target = targetOf(command);
      const request = new CreateStreamSessionConnectionCommand({
        Identifier: command.streamGroupIdentifier,
        StreamSessionIdentifier: command.streamSessionIdentifier,
        SignalRequest: command.signalRequest,
        ClientToken: command.clientToken,
      });
      return pipe(
        TE.fromEither(clients.clientFor(command.region)),
        TE.chain((client) =>
          boundedUpstreamCall((abortSignal) => client.send(request, { abortSignal }), context, {
            operation: 'CreateStreamSessionConnection',
            observer,
            target,
            budgetMs,
            // AWS may quote either in a message; the token would let a replay of the same offer get its answer.
            secrets: command.clientToken === undefined ? [command.signalRequest] : [command.signalRequest, command.clientToken],
          }),
        ),
        TE.chain((output) =>
          output.SignalResponse === undefined || output.SignalResponse.length === 0
            ? TE.left<ReconnectError, ConnectionAnswer>({
                _tag: 'UpstreamUnmodelled',
                target,
                name: 'EmptySignalResponse',
                message: 'AWS answered without a SignalResponse',
                requestId: output.$metadata.requestId,
                httpStatus: output.$metadata.httpStatusCode,
              })
            : TE.right({ signalResponse: output.SignalResponse, awsRequestId: output.$metadata.requestId }),
        ),
      );
    },
  };
}
