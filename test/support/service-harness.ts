import { GameLiftStreamsClient, StartStreamSessionCommand } from '@aws-sdk/client-gameliftstreams';
import * as grpc from '@grpc/grpc-js';

import { startReconnectService, type RunningService, type ServiceConfig, type ServiceSettings } from '../../src/app';
import { ReconnectClient, type ReconnectClientOptions } from '../../src/client/reconnect-client';
import { EmulatorControl } from '../../src/emulator/control-client';
import { startEmulator, type RunningEmulator } from '../../src/emulator/server';
import { CapturedLogs } from './captured-logs';
import { testServiceConfig } from './service-config';
import { expectRight } from './task-either';

export const REGION = 'us-west-2';
export const ACCOUNT_ID = '111122223333';
export const GROUP_ID = 'sg-e2eGroup1';
export const GROUP_ARN = `arn:aws:gameliftstreams:${REGION}:${ACCOUNT_ID}:streamgroup/${GROUP_ID}`;
const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'emulator-does-not-check-signatures' };

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
  /** The game backend's own SDK client, to start sessions and read their status. */
  readonly aws: GameLiftStreamsClient;
  readonly logs: CapturedLogs;
  close(): Promise<void>;
}

export type HarnessOptions = Partial<ServiceConfig> &
  Pick<ServiceSettings, 'decorateConnector'> & {
    /** The channel credentials of `harness.client` (plaintext by default). */
    readonly clientCredentials?: grpc.ChannelCredentials;
    /** The per-call metadata of `harness.client` (none by default), e.g. `bearerMetadata(token)`. */
    readonly clientMetadata?: () => grpc.Metadata;
  };

/** Emulator + service + client, all real, all on 127.0.0.1 with ephemeral ports. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const { clientCredentials, clientMetadata, decorateConnector, ...config } = options;
  const logs = new CapturedLogs();
  const emulator = await expectRight(startEmulator({ host: '127.0.0.1', port: 0, region: REGION, accountId: ACCOUNT_ID }));
  const control = new EmulatorControl(emulator.endpoint);
  await expectRight(control.createStreamGroup({ id: GROUP_ID }));
  await expectRight(control.setRate({ operation: 'CreateStreamSessionConnection', ratePerSecond: 1000, burst: 1000 }));
  const service = await expectRight(
    startReconnectService({
      // Admission is tested on its own; here it must not shape the other tests' calls.
      ...testServiceConfig({ admission: { enabled: true, ratePerSecond: 1000, burst: 1000, queueLimit: 1000 }, ...config }),
      upstream: { _tag: 'Endpoint', endpoint: emulator.endpoint, credentials: CREDENTIALS },
      logger: logs.logger,
      decorateConnector,
    }),
  );
  const address = `127.0.0.1:${service.port}`;
  const clients: ReconnectClient[] = [];
  const connect = (credentials = grpc.credentials.createInsecure(), clientOptions: ReconnectClientOptions = {}): ReconnectClient => {
    const connected = new ReconnectClient(address, credentials, clientOptions);
    clients.push(connected);
    return connected;
  };
  const client = connect(clientCredentials, { metadata: clientMetadata });
  const aws = new GameLiftStreamsClient({ region: REGION, endpoint: emulator.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
  return {
    emulator,
    control,
    service,
    client,
    address,
    connect,
    aws,
    logs,
    close: async () => {
      for (const connected of clients) {
        connected.close();
      }
      aws.destroy();
      await service.stop(1000);
      await emulator.close();
    },
  };
}

export interface StartedSession {
  readonly id: string;
  readonly arn: string;
}

export interface SessionOptions {
  /** The player the session is started for (StartStreamSession's UserId); none by default. */
  readonly userId?: string;
  /** The stream group to start it in; GROUP_ID by default (create any other with harness.control first). */
  readonly groupId?: string;
}

/** Starts a session the way a game backend does, then connects and drops its client: ready to reconnect. */
export async function disconnectedSession(
  harness: Harness,
  connectionTimeoutSeconds = 120,
  options: SessionOptions = {},
): Promise<StartedSession> {
  const groupId = options.groupId ?? GROUP_ID;
  const started = await harness.aws.send(
    new StartStreamSessionCommand({
      Identifier: groupId,
      UserId: options.userId,
      ApplicationIdentifier: 'a-e2eApp01',
      Protocol: 'WebRTC',
      SignalRequest: 'NO_CLIENT_CONNECTION',
      ConnectionTimeoutSeconds: connectionTimeoutSeconds,
    }),
  );
  const arn = started.Arn ?? '';
  const id = arn.split('/').pop() ?? '';
  await expectRight(harness.control.setClient(groupId, id, 'connect'));
  await expectRight(harness.control.setClient(groupId, id, 'drop'));
  return { id, arn };
}

/** Calls the emulator received, per GameLift Streams operation: to show that a refused call made none. */
export async function upstreamCalls(harness: Harness): Promise<Readonly<Record<string, number>>> {
  const counters = await expectRight(harness.control.counters());
  return counters.calls;
}
