import { CreateStreamSessionConnectionCommand, type CreateStreamSessionConnectionCommandOutput } from '@aws-sdk/client-gameliftstreams';
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';

import type { FlightTiming } from '../domain/call-context';
import type { ReconnectCommand } from '../domain/reconnect-request';
import { targetOf, type ReconnectError, type ReconnectTarget } from '../domain/reconnect-error';
import type { ConnectionAnswer, StreamSessionConnector } from '../domain/stream-session-connector';
import { boundedUpstreamCall } from './bounded-upstream-call';
import type { RegionalClients } from './regional-clients';
import { ignoreUpstream, type UpstreamObserver } from './upstream-observer';

/** AWS's answer, or the unmodelled error of an answer without a SignalResponse. */
function answerOf(output: CreateStreamSessionConnectionCommandOutput, target: ReconnectTarget): E.Either<ReconnectError, ConnectionAnswer> {
  return output.SignalResponse === undefined || output.SignalResponse.length === 0
    ? E.left({
        _tag: 'UpstreamUnmodelled',
        target,
        name: 'EmptySignalResponse',
        message: 'AWS answered without a SignalResponse',
        requestId: output.$metadata.requestId,
        httpStatus: output.$metadata.httpStatusCode,
      })
    : E.right({ signalResponse: output.SignalResponse, awsRequestId: output.$metadata.requestId });
}

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
      const client = clients.clientFor(command.region);
      if (E.isLeft(client)) return TE.left(client.left);
      const call = boundedUpstreamCall((abortSignal) => client.right.send(request, { abortSignal }), context, {
        operation: 'CreateStreamSessionConnection',
        observer,
        target,
        budgetMs,
        // AWS may quote either in a message; the token would let a replay of the same offer get its answer.
        secrets: command.clientToken === undefined ? [command.signalRequest] : [command.signalRequest, command.clientToken],
      });
      // One step on the call's own promise rather than two TE.chain steps: each adds promise hops to every call.
      return () => call().then(E.chain((output) => answerOf(output, target)));
    },
  };
}
