import { Agent } from 'node:http';

import { GameLiftStreamsClient } from '@aws-sdk/client-gameliftstreams';
import { UndiciHttpHandler } from '@smithy/undici-http-handler';

import { EMULATOR_SDK_CREDENTIALS } from '../../src/emulator/sdk-credentials';
import { BENCH_REGION } from '../load/bench-sessions';
import type { FloorHttpHandler } from './floor-b-protocol';

/** Each SDK attempt is bounded (10 s, far above any expected latency; the SDK makes at most 3 attempts). */
const ATTEMPT_TIMEOUT_MS = 10_000;

/**
 * The AWS SDK client of the floors, configured as a careful caller would (one client, keep-alive sockets sized to
 * the concurrency) and independently of the service's src/upstream, so optimising the service moves no floor.
 */
export function bareSdkClient(
  endpoint: string,
  maxSockets: number,
  httpHandler: FloorHttpHandler,
): GameLiftStreamsClient {
  return new GameLiftStreamsClient({
    region: BENCH_REGION,
    endpoint,
    credentials: EMULATOR_SDK_CREDENTIALS,
    requestHandler: requestHandlerOf(httpHandler, maxSockets),
  });
}

function requestHandlerOf(httpHandler: FloorHttpHandler, maxSockets: number) {
  switch (httpHandler) {
    case 'node':
      return { httpAgent: new Agent({ keepAlive: true, maxSockets }), requestTimeout: ATTEMPT_TIMEOUT_MS };
    case 'undici':
      return new UndiciHttpHandler({
        dispatcher: { connections: maxSockets, headersTimeout: ATTEMPT_TIMEOUT_MS, bodyTimeout: ATTEMPT_TIMEOUT_MS },
      });
    default: {
      const unreachable: never = httpHandler;
      return unreachable;
    }
  }
}
