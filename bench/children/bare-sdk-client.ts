import { Agent } from 'node:http';

import { GameLiftStreamsClient } from '@aws-sdk/client-gameliftstreams';

import { EMULATOR_SDK_CREDENTIALS } from '../../src/emulator/sdk-credentials';
import { BENCH_REGION } from '../load/bench-sessions';

/** Each SDK attempt is bounded (10 s, far above any expected latency; the SDK makes at most 3 attempts). */
const ATTEMPT_TIMEOUT_MS = 10_000;

/**
 * The AWS SDK client of the floors, configured as a careful caller would (one client, keep-alive sockets sized to
 * the concurrency) and independently of the service's src/upstream, so optimising the service moves no floor.
 */
export function bareSdkClient(endpoint: string, maxSockets: number): GameLiftStreamsClient {
  return new GameLiftStreamsClient({
    region: BENCH_REGION,
    endpoint,
    credentials: EMULATOR_SDK_CREDENTIALS,
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets }), requestTimeout: ATTEMPT_TIMEOUT_MS },
  });
}
