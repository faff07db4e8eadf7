import { GameLiftStreamsClient } from '@aws-sdk/client-gameliftstreams';
import * as grpc from '@grpc/grpc-js';

import {
  productionFoundations,
  start,
  wire,
  type RunningService,
  type ServiceConfig,
  type ServiceFoundations,
} from '../../src/app';
import { ReconnectClient, type ReconnectClientOptions } from '../../src/client/reconnect-client';
import { EmulatorControl } from '../../src/emulator/control-client';
import { OPERATION_NAMES } from '../../src/emulator/operations';
import { EMULATOR_SDK_CREDENTIALS } from '../../src/emulator/sdk-credentials';
import { startEmulator, type RunningEmulator } from '../../src/emulator/server';
import type { ReconnectStreamSessionRequest } from '../../src/gen/reconnect/v1/reconnect';
import { CapturedLogs } from './captured-logs';
import { startDisconnectedSession, type StartedSession } from './disconnected-sessions';
import { testServiceConfig } from './service-config';
import { useSuiteFixture } from './suite-fixture';
import { expectRight } from './task-either';

export type { StartedSession } from './disconnected-sessions';

export const REGION = 'us-west-2';
export const ACCOUNT_ID = '111122223333';
export const GROUP_ID = 'sg-e2eGroup1';
export const GROUP_ARN = `arn:aws:gameliftstreams:${REGION}:${ACCOUNT_ID}:streamgroup/${GROUP_ID}`;

/** A ReconnectStreamSession request the service's validation refuses in every field, and those fields' proto names. */
export const EVERY_FIELD_INVALID: {
  readonly request: ReconnectStreamSessionRequest;
  readonly fieldNames: ReadonlyArray<string>;
} = {
  request: {
    streamGroupIdentifier: '../etc',
    // An ARN, but a stream group's where a stream session's belongs.
    streamSessionIdentifier: `arn:aws:gameliftstreams:${REGION}:${ACCOUNT_ID}:streamgroup/${GROUP_ID}`,
    signalRequest: '',
    clientToken: 'too short',
  },
  fieldNames: ['stream_group_identifier', 'stream_session_identifier', 'signal_request', 'client_token'],
};

/** Anything a test opens against the harness's service and wants closed with it. */
export interface Closable {
  close(): void;
}

export interface Harness {
  readonly emulator: RunningEmulator;
  readonly control: EmulatorControl;
  readonly service: RunningService;
  /** A real grpc-js client over loopback, with the harness options' credentials and metadata. */
  readonly client: ReconnectClient;
  /** The service's address, 127.0.0.1:<port>. */
  readonly address: string;
  /** Another real client of the service (other credentials, other metadata); closed with the harness. */
  connect(credentials?: grpc.ChannelCredentials, options?: ReconnectClientOptions): ReconnectClient;
  /** Has the harness close `client` (a health or reflection client, say) with its own clients, before the service stops. */
  closeWith<Client extends Closable>(client: Client): Client;
  /** The game backend's own SDK client, to start sessions and read their status. */
  readonly aws: GameLiftStreamsClient;
  readonly logs: CapturedLogs;
  close(): Promise<void>;
}

export type HarnessOptions = Partial<ServiceConfig> & {
  /** Builds the service's foundations from production's: to put a misbehaving connector in, say. */
  readonly foundations?: (production: ServiceFoundations) => ServiceFoundations;
  /** The channel credentials of `harness.client` (plaintext by default). */
  readonly clientCredentials?: grpc.ChannelCredentials;
  /** The per-call metadata of `harness.client` (none by default), e.g. `bearerMetadata(token)`. */
  readonly clientMetadata?: () => grpc.Metadata;
};

/** Emulator + service + client, all real, all on 127.0.0.1 with ephemeral ports. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const { clientCredentials, clientMetadata, foundations, ...config } = options;
  const logs = new CapturedLogs();
  const emulator = await expectRight(
    startEmulator({ host: '127.0.0.1', port: 0, region: REGION, accountId: ACCOUNT_ID }),
  );
  const control = new EmulatorControl(emulator.endpoint);
  await expectRight(control.createStreamGroup({ id: GROUP_ID }));
  // The emulator's defaults are AWS's quotas (20/s); these suites test the service, not the quotas, so every
  // operation is raised. A test of throttling sets its own rate after this.
  for (const operation of OPERATION_NAMES) {
    await expectRight(control.setRate({ operation, ratePerSecond: 1000, burst: 1000 }));
  }
  const settings = {
    // Admission is tested on its own; here it must not shape the other tests' calls.
    ...testServiceConfig({
      admission: {
        rates: { CreateStreamSessionConnection: 1000, GetStreamSession: 1000, ListStreamSessions: 1000 },
        burst: 1000,
        queueLimit: 1000,
      },
      ...config,
    }),
    upstream: { _tag: 'Endpoint', endpoint: emulator.endpoint, credentials: EMULATOR_SDK_CREDENTIALS } as const,
    logger: logs.logger,
  };
  const production = productionFoundations(settings);
  const service = await expectRight(
    start(
      wire(settings, (observer) =>
        foundations === undefined ? production(observer) : foundations(production(observer)),
      ),
    ),
  );
  const address = `127.0.0.1:${service.port}`;
  const clients: Closable[] = [];
  const closeWith = <Client extends Closable>(client: Client): Client => {
    clients.push(client);
    return client;
  };
  const connect = (
    credentials = grpc.credentials.createInsecure(),
    clientOptions: ReconnectClientOptions = {},
  ): ReconnectClient => closeWith(new ReconnectClient(address, credentials, clientOptions));
  const client = connect(clientCredentials, { metadata: clientMetadata });
  const aws = new GameLiftStreamsClient({
    region: REGION,
    endpoint: emulator.endpoint,
    credentials: EMULATOR_SDK_CREDENTIALS,
    maxAttempts: 1,
  });
  return {
    emulator,
    control,
    service,
    client,
    address,
    connect,
    closeWith,
    aws,
    logs,
    close: async () => {
      for (const opened of clients) {
        opened.close();
      }
      aws.destroy();
      await service.stop(1000);
      await emulator.close();
    },
  };
}

export interface SessionOptions {
  /** The player the session is started for (StartStreamSession's UserId); none by default. */
  readonly userId?: string;
  /** The stream group to start it in; GROUP_ID by default (create any other with harness.control first). */
  readonly groupId?: string;
}

/** Starts a session the way a game backend does, then connects and drops its client: ready to reconnect. */
export function disconnectedSession(
  harness: Harness,
  connectionTimeoutSeconds = 120,
  options: SessionOptions = {},
): Promise<StartedSession> {
  return startDisconnectedSession(harness.aws, harness.control, {
    groupId: options.groupId ?? GROUP_ID,
    userId: options.userId,
    connectionTimeoutSeconds,
  });
}

/** Calls the emulator received, per GameLift Streams operation: to show that a refused call made none. */
export async function upstreamCalls(harness: Harness): Promise<Readonly<Record<string, number>>> {
  const counters = await expectRight(harness.control.counters());
  return counters.calls;
}

/**
 * Registers a suite's hooks: one harness for the suite, started before its first test and closed after its last, and
 * returns a getter for it. After each test the emulator's injected faults are cleared, so that a fault one test
 * injects never reaches the next, even when that test failed before clearing it.
 * `options` may be a function, for options that exist only once an earlier hook has run (a callers file, say).
 */
export function useHarness(options: HarnessOptions | (() => HarnessOptions) = {}): () => Harness {
  return useSuiteFixture('the harness', {
    start: () => startHarness(typeof options === 'function' ? options() : options),
    afterEach: async (harness) => {
      await expectRight(harness.control.clearFaults());
    },
    close: (harness) => harness.close(),
  });
}
