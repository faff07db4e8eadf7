import * as grpc from '@grpc/grpc-js';
import { CreateStreamSessionConnectionCommand } from '@aws-sdk/client-gameliftstreams';
import * as E from 'fp-ts/Either';
import * as t from 'io-ts';

import { bareSdkClient } from './bare-sdk-client';
import { FloorHttpHandler } from './floor-b-protocol';
import { serveFloor } from './serve-floor';

/**
 * The composed floor: floor A's bare grpc-js server whose handler makes floor B's bare SDK call, passing the
 * request's fields straight through: no validation, authorisation, idempotency token, coalescing, admission,
 * deadline, metrics or error mapping. It is what a gRPC server making this AWS call with the floors' SDK client
 * costs before any work of the service's, with the same processes and hops as the service scenario (driver → it →
 * emulator).
 */

const Settings = t.type({ endpoint: t.string, maxSockets: t.number, httpHandler: FloorHttpHandler });

const settings = Settings.decode(JSON.parse(process.argv[2] ?? 'null'));
if (E.isLeft(settings)) throw new Error('the composed floor needs its settings as a JSON argument');
const client = bareSdkClient(settings.right.endpoint, settings.right.maxSockets, settings.right.httpHandler);

serveFloor('the composed floor', {
  reconnectStreamSession: (call, callback) => {
    const request = call.request;
    client
      .send(
        new CreateStreamSessionConnectionCommand({
          Identifier: request.streamGroupIdentifier,
          StreamSessionIdentifier: request.streamSessionIdentifier,
          SignalRequest: request.signalRequest,
          ClientToken: request.clientToken,
        }),
      )
      .then(
        (output) => callback(null, { signalResponse: output.SignalResponse ?? '' }),
        (error: unknown) =>
          callback({ code: grpc.status.UNAVAILABLE, details: error instanceof Error ? error.name : 'rejected' }),
      );
  },
});
