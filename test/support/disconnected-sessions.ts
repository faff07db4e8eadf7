import { strict as assert } from 'node:assert';

import { GameLiftStreamsClient, StartStreamSessionCommand } from '@aws-sdk/client-gameliftstreams';

import { EmulatorControl } from '../../src/emulator/control-client';
import { DEMO_STREAM_GROUP_ID } from '../../src/emulator/demo';
import { EMULATOR_SDK_CREDENTIALS } from '../../src/emulator/sdk-credentials';
import type { ServiceProcess } from './service-process';
import { expectRight } from './task-either';

/** The region of the emulator a service process embeds (the service's default region). */
const EMBEDDED_EMULATOR_REGION = 'us-west-2';

export interface StartedSession {
  readonly id: string;
  readonly arn: string;
}

export interface DisconnectedSessionOptions {
  /** The stream group to start the session in. */
  readonly groupId: string;
  /** The player the session is started for (StartStreamSession's UserId); none by default. */
  readonly userId?: string;
  /** How long the session waits for its client to come back; the emulator's default when left out. */
  readonly connectionTimeoutSeconds?: number;
}

/**
 * Starts a session the way a game backend does (through `aws`), then has its client connect (through the emulator's
 * control API): the session is CONNECTED, ready to drop.
 */
export async function startConnectedSession(
  aws: GameLiftStreamsClient,
  control: EmulatorControl,
  options: DisconnectedSessionOptions,
): Promise<StartedSession> {
  const { groupId, userId, connectionTimeoutSeconds } = options;
  const started = await aws.send(
    new StartStreamSessionCommand({
      Identifier: groupId,
      UserId: userId,
      ApplicationIdentifier: 'a-e2eApp01',
      Protocol: 'WebRTC',
      SignalRequest: 'NO_CLIENT_CONNECTION',
      ConnectionTimeoutSeconds: connectionTimeoutSeconds,
    }),
  );
  const arn = started.Arn ?? '';
  const id = arn.split('/').pop() ?? '';
  await expectRight(control.setClient(groupId, id, 'connect'));
  return { id, arn };
}

/** A connected session whose client then drops: it waits in PENDING_CLIENT_RECONNECTION, ready to be reconnected. */
export async function startDisconnectedSession(
  aws: GameLiftStreamsClient,
  control: EmulatorControl,
  options: DisconnectedSessionOptions,
): Promise<StartedSession> {
  const session = await startConnectedSession(aws, control, options);
  await expectRight(control.setClient(options.groupId, session.id, 'drop'));
  return session;
}

/**
 * `count` disconnected sessions in the demo stream group of a service process's embedded emulator; their IDs. The
 * emulator's own quotas are raised first: the set-up must not be throttled, whatever the test then does.
 */
export async function disconnectedDemoSessions(service: ServiceProcess, count: number): Promise<ReadonlyArray<string>> {
  const control = new EmulatorControl(service.emulatorEndpoint);
  const aws = new GameLiftStreamsClient({
    region: EMBEDDED_EMULATOR_REGION,
    endpoint: service.emulatorEndpoint,
    credentials: EMULATOR_SDK_CREDENTIALS,
  });
  try {
    // GetStreamSession too: the service reads the session for a reconnect that names its player, and for its own RPC.
    for (const operation of ['StartStreamSession', 'CreateStreamSessionConnection', 'GetStreamSession'] as const) {
      await expectRight(control.setRate({ operation, ratePerSecond: 1000, burst: 1000 }));
    }
    const sessions = await Promise.all(
      Array.from({ length: count }, () => startDisconnectedSession(aws, control, { groupId: DEMO_STREAM_GROUP_ID })),
    );
    return sessions.map((session) => session.id);
  } finally {
    aws.destroy();
  }
}

/** One disconnected session in the demo stream group of a service process's embedded emulator; its ID. */
export async function disconnectedDemoSession(service: ServiceProcess): Promise<string> {
  const [id] = await disconnectedDemoSessions(service, 1);
  return id ?? assert.fail('no demo session was started');
}
