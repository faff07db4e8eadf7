import { GameLiftStreamsClient } from '@aws-sdk/client-gameliftstreams';

import { ReconnectClient } from '../../src/client/reconnect-client';
import { EmulatorControl } from '../../src/emulator/control-client';
import type { CountersSnapshot } from '../../src/emulator/control-types';
import { OPERATION_NAMES, type OperationName } from '../../src/emulator/operations';
import { EMULATOR_SDK_CREDENTIALS } from '../../src/emulator/sdk-credentials';
import { startEmulator, type RunningEmulator } from '../../src/emulator/server';
import { startDisconnectedSession, type StartedSession } from './disconnected-sessions';
import { type RedisServer } from './redis-server';
import { ServiceProcess } from './service-process';
import { expectRight } from './task-either';

export const FLEET_REGION = 'us-west-2';
export const FLEET_GROUP_ID = 'sg-fleetGrp1';

export interface FleetHarnessOptions {
  readonly replicas: number;
  /** Shared budgets through this Redis; none: each replica holds its budgets alone. */
  readonly redis: RedisServer | undefined;
  /** The quota, AWS's and the service's alike, of each operation, in requests/s. */
  readonly ratePerSecond: number;
  /** Further settings of every replica. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * A fleet as production runs it, on one machine: several service processes (`node dist/src/main.js`, the aws backend)
 * sharing one GameLift Streams emulator as their AWS, and perhaps one Redis. The emulator holds every operation to
 * the quota, so any call over it is a throttle it counts.
 */
export class FleetHarness {
  private constructor(
    readonly emulator: RunningEmulator,
    readonly control: EmulatorControl,
    readonly aws: GameLiftStreamsClient,
    readonly replicas: ReadonlyArray<ServiceProcess>,
    readonly clients: ReadonlyArray<ReconnectClient>,
  ) {}

  static async start(options: FleetHarnessOptions): Promise<FleetHarness> {
    const emulator = await expectRight(startEmulator({ host: '127.0.0.1', port: 0, region: FLEET_REGION }));
    const control = new EmulatorControl(emulator.endpoint);
    await expectRight(control.createStreamGroup({ id: FLEET_GROUP_ID }));
    // Setting sessions up is not the storm: raised while they are made, then held to the quota (FleetHarness.quota).
    for (const operation of OPERATION_NAMES) {
      await expectRight(control.setRate({ operation, ratePerSecond: 10_000, burst: 10_000 }));
    }
    const aws = new GameLiftStreamsClient({
      region: FLEET_REGION,
      endpoint: emulator.endpoint,
      credentials: EMULATOR_SDK_CREDENTIALS,
      maxAttempts: 1,
    });
    const rate = String(options.ratePerSecond);
    const env = {
      RECONNECT_BACKEND: 'aws',
      AWS_REGION: FLEET_REGION,
      AWS_ENDPOINT_URL_GAMELIFTSTREAMS: emulator.endpoint,
      AWS_ACCESS_KEY_ID: EMULATOR_SDK_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMULATOR_SDK_CREDENTIALS.secretAccessKey,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      RECONNECT_RATE_CREATE_STREAM_SESSION_CONNECTION: rate,
      RECONNECT_RATE_GET_STREAM_SESSION: rate,
      RECONNECT_FLEET_MAX_REPLICAS: String(options.replicas),
      RECONNECT_SHUTDOWN_DRAIN_DELAY_MS: '0',
      LOG_LEVEL: 'warn',
      ...(options.redis === undefined
        ? {}
        : { RECONNECT_REDIS_URL: options.redis.url, RECONNECT_REDIS_KEY_PREFIX: `fleet-${emulator.port}` }),
      ...options.env,
    };
    const replicas = await Promise.all(
      Array.from({ length: options.replicas }, () => ServiceProcess.start({ ...env, LOG_LEVEL: 'info' })),
    );
    const clients = replicas.map((replica) => new ReconnectClient(replica.grpcAddress));
    return new FleetHarness(emulator, control, aws, replicas, clients);
  }

  /** Disconnected sessions in the fleet's stream group, ready to reconnect. */
  sessions(count: number, userId?: string): Promise<ReadonlyArray<StartedSession>> {
    return Promise.all(
      Array.from({ length: count }, () =>
        startDisconnectedSession(this.aws, this.control, {
          groupId: FLEET_GROUP_ID,
          userId,
          connectionTimeoutSeconds: 3600,
        }),
      ),
    );
  }

  /** Holds these operations to the quota in the emulator, as AWS would, and empties its counters. */
  async quota(ratePerSecond: number, operations: ReadonlyArray<OperationName>): Promise<void> {
    for (const operation of operations) {
      await expectRight(this.control.setRate({ operation, ratePerSecond, burst: ratePerSecond }));
    }
  }

  counters(): Promise<CountersSnapshot> {
    return expectRight(this.control.counters());
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.close();
    await Promise.all(
      this.replicas.map(async (replica) => {
        replica.signal('SIGTERM');
        if ((await replica.exitedWithin(15_000)) === 'still running') replica.kill();
      }),
    );
    this.aws.destroy();
    await this.emulator.close();
  }
}
