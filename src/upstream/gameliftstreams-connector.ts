import { CreateStreamSessionConnectionCommand } from '@aws-sdk/client-gameliftstreams';
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';

import type { ReconnectCommand } from '../domain/reconnect-request';
import { fromAbortCause, isAbortCause, type ReconnectError } from '../domain/reconnect-error';
import type { SignalResponse, StreamSessionConnector } from '../domain/stream-session-connector';
import { classifySdkError } from './classify-sdk-error';
import type { RegionalClients } from './regional-clients';

/** The StreamSessionConnector over the real AWS SDK: the only place that calls CreateStreamSessionConnection. */
export function gameLiftStreamsConnector(clients: RegionalClients): StreamSessionConnector {
  return {
    createStreamSessionConnection: (command: ReconnectCommand, signal: AbortSignal) => {
      const target = {
        streamGroupIdentifier: command.streamGroupIdentifier,
        streamSessionIdentifier: command.streamSessionIdentifier,
      };
      if (signal.aborted) {
        const reason: unknown = signal.reason;
        return TE.left<ReconnectError, SignalResponse>(
          isAbortCause(reason) ? fromAbortCause(reason) : { _tag: 'Cancelled' },
        );
      }
      const client = clients.get(command.region);
      if (client === undefined) {
        return TE.left<ReconnectError, SignalResponse>({
          _tag: 'UpstreamClientMisconfigured',
          name: `NoClientForRegion:${command.region}`,
        });
      }
      const request = new CreateStreamSessionConnectionCommand({
        Identifier: command.streamGroupIdentifier,
        StreamSessionIdentifier: command.streamSessionIdentifier,
        SignalRequest: command.signalRequest,
        ClientToken: command.clientToken,
      });
      return pipe(
        TE.tryCatch(
          () => client.send(request, { abortSignal: signal }),
          (error) => classifySdkError(error, { target, signal, secrets: [command.signalRequest] }),
        ),
        TE.chain((output) =>
          output.SignalResponse === undefined || output.SignalResponse.length === 0
            ? TE.left<ReconnectError, SignalResponse>({
                _tag: 'UpstreamUnmodelled',
                target,
                name: 'EmptySignalResponse',
                message: 'AWS answered without a SignalResponse',
                requestId: output.$metadata.requestId,
                httpStatus: output.$metadata.httpStatusCode,
              })
            : TE.right(output.SignalResponse),
        ),
      );
    },
  };
}
