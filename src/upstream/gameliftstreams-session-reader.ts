import { GetStreamSessionCommand } from '@aws-sdk/client-gameliftstreams';
import { pipe } from 'fp-ts/function';
import * as TE from 'fp-ts/TaskEither';

import type { CallTiming } from '../domain/call-context';
import { targetOf } from '../domain/reconnect-error';
import type { SessionReference } from '../domain/session-reference';
import type { StreamSessionReader } from '../domain/stream-session-status';
import { boundedUpstreamCall } from './bounded-upstream-call';
import type { RegionalClients } from './regional-clients';
import { ignoreUpstream, type UpstreamObserver } from './upstream-observer';

/** The StreamSessionReader over the real AWS SDK. It keeps only what the matchmaker needs, never the signals. */
export function gameLiftStreamsSessionReader(
  clients: RegionalClients,
  budgetMs: number,
  observer: UpstreamObserver = ignoreUpstream,
): StreamSessionReader {
  return {
    getStreamSession: (reference: SessionReference, context: CallTiming) => {
      const target = targetOf(reference);
      const request = new GetStreamSessionCommand({
        Identifier: reference.streamGroupIdentifier,
        StreamSessionIdentifier: reference.streamSessionIdentifier,
      });
      return pipe(
        TE.fromEither(clients.clientFor(reference.region)),
        TE.chain((client) =>
          boundedUpstreamCall((abortSignal) => client.send(request, { abortSignal }), context, {
            operation: 'GetStreamSession',
            observer,
            target,
            budgetMs,
            secrets: [],
          }),
        ),
        TE.map((output) => ({
          arn: output.Arn,
          status: output.Status,
          statusReason: output.StatusReason,
          connectionTimeoutSeconds: output.ConnectionTimeoutSeconds,
          lastUpdatedAt: output.LastUpdatedAt,
          userId: output.UserId,
        })),
      );
    },
  };
}
