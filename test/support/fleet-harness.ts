import { strict as assert } from 'node:assert';

import { GameLiftStreamsClient } from '@aws-sdk/client-gameliftstreams';

import { ReconnectClient } from '../../src/client/reconnect-client';
import { EmulatorControl } from '../../src/emulator/control-client';
import type { CountersSnapshot } from '../../src/emulator/control-types';
import { OPERATION_NAMES, type OperationName } from '../../src/emulator/operations';
import { EMULATOR_SDK_CREDENTIALS } from '../../src/emulator/sdk-credentials';
import { startEmulator, type RunningEmulator } from '../../src/emulator/server';
import { startConnectedSession, startDisconnectedSession, type StartedSession } from './disconnected-sessions';
import { type RedisServer } from './redis-server';
import { ServiceProcess } from './service-process';
import { expectRight } from './task-either';

export const FLEET_REGION = 'us-west-2';
/** The fleet's second region, when a test serves two. */
export const FLEET_SECOND_REGION = 'eu-west-1';
export const FLEET_GROUP_ID = 'sg-fleetGrp1';

export interface FleetHarnessOptions {
  readonly replicas: number;
  /** Shared budgets through this Redis; none: each replica holds its budgets alone. */
  readonly redis: RedisServer | undefined;
  /** The quota, AWS's and the service's alike, of each operation, in requests/s. */
  readonly ratePerSecond: number;
  /** The regions the fleet serves (RECONNECT_REGIONS) and the emulator emulates; FLEET_REGION alone by default. */
  readonly regions?: ReadonlyArray<string>;
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
    /** The control API of the emulator, acting on FLEET_REGION. */
    readonly control: EmulatorControl,
    private readonly awsByRegion: ReadonlyMap<string, GameLiftStreamsClient>,
    readonly replicas: ReadonlyArray<ServiceProcess>,
    readonly clients: ReadonlyArray<ReconnectClient>,
  ) {}

  static async start(options: FleetHarnessOptions): Promise<FleetHarness> {
    const regions = options.regions ?? [FLEET_REGION];
    const emulator = await expectRight(startEmulator({ host: '127.0.0.1', port: 0, regions }));
    const control = new EmulatorControl(emulator.endpoint, { region: FLEET_REGION });
    const awsByRegion = new Map<string, GameLiftStreamsClient>();
    for (const region of regions) {
      const regional = control.forRegion(region);
      await expectRight(regional.createStreamGroup({ id: FLEET_GROUP_ID }));
      // Setting sessions up is not the storm: raised while they are made, then held to the quota (FleetHarness.quota).
      for (const operation of OPERATION_NAMES) {
        await expectRight(regional.setRate({ operation, ratePerSecond: 10_000, burst: 10_000 }));
      }
      awsByRegion.set(
        region,
        new GameLiftStreamsClient({
          region,
          endpoint: emulator.endpoint,
          credentials: EMULATOR_SDK_CREDENTIALS,
          maxAttempts: 1,
        }),
      );
    }
    const rate = String(options.ratePerSecond);
    const env = {
      RECONNECT_BACKEND: 'aws',
      RECONNECT_REGIONS: regions.join(','),
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
    return new FleetHarness(emulator, control, awsByRegion, replicas, clients);
  }

  /** Disconnected sessions in the fleet's stream group of `region`, ready to reconnect. */
  sessions(count: number, userId?: string, region: string = FLEET_REGION): Promise<ReadonlyArray<StartedSession>> {
    const aws = this.awsByRegion.get(region) ?? assert.fail(`the fleet does not serve ${region}`);
    const control = this.control.forRegion(region);
    return Promise.all(
      Array.from({ length: count }, () =>
        startDisconnectedSession(aws, control, {
          groupId: FLEET_GROUP_ID,
          userId,
          connectionTimeoutSeconds: 3600,
        }),
      ),
    );
  }

  /** Connected sessions in the fleet's stream group of FLEET_REGION, ready to drop. */
  connectedSessions(count: number): Promise<ReadonlyArray<StartedSession>> {
    const aws = this.awsByRegion.get(FLEET_REGION) ?? assert.fail(`the fleet does not serve ${FLEET_REGION}`);
    return Promise.all(
      Array.from({ length: count }, () =>
        startConnectedSession(aws, this.control, { groupId: FLEET_GROUP_ID, connectionTimeoutSeconds: 3600 }),
      ),
    );
  }

  /** Holds these operations to the quota in every region of the emulator, as AWS would. */
  async quota(ratePerSecond: number, operations: ReadonlyArray<OperationName>): Promise<void> {
    for (const region of this.awsByRegion.keys()) {
      for (const operation of operations) {
        await expectRight(this.control.forRegion(region).setRate({ operation, ratePerSecond, burst: ratePerSecond }));
      }
    }
  }

  counters(region: string = FLEET_REGION): Promise<CountersSnapshot> {
    return expectRight(this.control.forRegion(region).counters());
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.close();
    await Promise.all(
      this.replicas.map(async (replica) => {
        replica.signal('SIGTERM');
        if ((await replica.exitedWithin(15_000)) === 'still running') replica.kill();
      }),
    );
    for (const aws of this.awsByRegion.values()) aws.destroy();
    await this.emulator.close();
  }
}
