import { strict as assert } from 'node:assert';
import {
  ConflictException,
  CreateStreamSessionConnectionCommand,
  GetStreamSessionCommand,
  type GetStreamSessionCommandOutput,
  TerminateStreamSessionCommand,
  ValidationException,
} from '@aws-sdk/client-gameliftstreams';
import type { StreamSessionStatus } from '../../src/emulator/session-status';
import { emulatorSignalResponse, NO_CLIENT_CONNECTION } from '../../src/emulator/signal-answer';
import {
  droppedSession,
  GROUP_ID,
  left,
  OFFER,
  pollUntil,
  raiseRateLimits,
  rejectionOf,
  right,
  startSession,
  useTestEmulator,
} from './support/fixture';

describe('emulator: stream session lifecycle', () => {
  const fixture = useTestEmulator();

  const get = (id: string): Promise<GetStreamSessionCommandOutput> =>
    fixture().sdk.send(new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: id }));
  const reconnect = (id: string, signalRequest = OFFER): Promise<{ SignalResponse?: string }> =>
    fixture().sdk.send(
      new CreateStreamSessionConnectionCommand({
        Identifier: GROUP_ID,
        StreamSessionIdentifier: id,
        SignalRequest: signalRequest,
      }),
    );
  const statusOf = async (id: string): Promise<string | undefined> => (await get(id)).Status;

  it('connect → CONNECTED → drop → PENDING_CLIENT_RECONNECTION → reconnect → ACTIVE → connect → CONNECTED', async () => {
    const session = await startSession(fixture().sdk, { SignalRequest: NO_CLIENT_CONNECTION });
    assert.equal(await statusOf(session.id), 'ACTIVE');
    const connected = await right(fixture().control.setClient(GROUP_ID, session.id, 'connect'));
    assert.deepEqual(connected, { id: session.id, arn: session.arn, status: 'CONNECTED' });
    const before = await get(session.id);
    await new Promise((resolve) => setTimeout(resolve, 15));
    const dropped = await right(fixture().control.setClient(GROUP_ID, session.id, 'drop'));
    assert.equal(dropped.status, 'PENDING_CLIENT_RECONNECTION');
    const pending = await get(session.id);
    assert.ok((pending.LastUpdatedAt?.getTime() ?? 0) > (before.LastUpdatedAt?.getTime() ?? 0), 'LastUpdatedAt moves');
    const answer = await reconnect(session.id, 'offer-after-drop');
    assert.equal(answer.SignalResponse, emulatorSignalResponse('offer-after-drop'));
    assert.equal(await statusOf(session.id), 'ACTIVE');
    const reconnected = await right(fixture().control.setClient(GROUP_ID, session.id, 'connect'));
    assert.equal(reconnected.status, 'CONNECTED');
  });

  it('CreateStreamSessionConnection is also allowed in ACTIVE', async () => {
    const session = await startSession(fixture().sdk);
    const answer = await reconnect(session.id);
    assert.equal(answer.SignalResponse, emulatorSignalResponse(OFFER));
  });

  const notReconnectable: readonly StreamSessionStatus[] = [
    'ACTIVATING',
    'CONNECTED',
    'RECONNECTING',
    'TERMINATING',
    'TERMINATED',
    'ERROR',
  ];
  for (const status of notReconnectable) {
    it(`CreateStreamSessionConnection in ${status} → ConflictException naming the status; nothing changes`, async () => {
      const session = await droppedSession(fixture());
      const forced = await right(fixture().control.forceStatus(GROUP_ID, session.id, { status }));
      assert.equal(forced.status, status);
      const error = await rejectionOf(reconnect(session.id));
      assert.ok(error instanceof ConflictException, String(error));
      assert.match(error.message, new RegExp(`\\b${status}\\b`));
      assert.ok(!error.message.includes(OFFER));
      assert.equal(await statusOf(session.id), status);
    });
  }

  it('TerminateStreamSession in ACTIVATING → ValidationException (its model lists no ConflictException); nothing changes', async () => {
    const session = await startSession(fixture().sdk);
    await right(fixture().control.forceStatus(GROUP_ID, session.id, { status: 'ACTIVATING' }));
    const error = await rejectionOf(
      fixture().sdk.send(
        new TerminateStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: session.id }),
      ),
    );
    assert.ok(error instanceof ValidationException, String(error));
    assert.equal(error.$metadata.httpStatusCode, 400);
    assert.match(error.message, /ACTIVATING/);
    assert.equal(await statusOf(session.id), 'ACTIVATING');
  });

  it('a forced status carries the given status reason and the control API refuses impossible client actions', async () => {
    const session = await startSession(fixture().sdk);
    const forced = await right(
      fixture().control.forceStatus(GROUP_ID, session.id, { status: 'ERROR', statusReason: 'placementTimeout' }),
    );
    assert.deepEqual(forced, { id: session.id, arn: session.arn, status: 'ERROR', statusReason: 'placementTimeout' });
    const refusedConnect = await left(fixture().control.setClient(GROUP_ID, session.id, 'connect'));
    assert.equal(refusedConnect.kind, 'rejected');
    assert.ok(refusedConnect.kind === 'rejected' && refusedConnect.status === 409);
    assert.match(refusedConnect.message, /ERROR/);
    await right(fixture().control.forceStatus(GROUP_ID, session.id, { status: 'ACTIVE' }));
    const refusedDrop = await left(fixture().control.setClient(GROUP_ID, session.id, 'drop'));
    assert.ok(refusedDrop.kind === 'rejected' && refusedDrop.status === 409);
  });

  it('ConnectionTimeoutSeconds ends ACTIVE (connectionTimeout) and PENDING_CLIENT_RECONNECTION (reconnectionTimeout) sessions', async () => {
    // Three sessions polled at once read faster than AWS's 20/s GetStreamSession quota allows.
    await raiseRateLimits(fixture().control, ['GetStreamSession']);
    const neverConnected = await startSession(fixture().sdk, { ConnectionTimeoutSeconds: 1 });
    const dropped = await droppedSession(fixture(), { ConnectionTimeoutSeconds: 1 });
    const reconnectedButIdle = await droppedSession(fixture(), { ConnectionTimeoutSeconds: 1 });
    await reconnect(reconnectedButIdle.id);
    const connected = await startSession(fixture().sdk, { ConnectionTimeoutSeconds: 1 });
    await right(fixture().control.setClient(GROUP_ID, connected.id, 'connect'));

    const ended = (output: GetStreamSessionCommandOutput): boolean => output.Status === 'TERMINATED';
    const [first, second, third] = await Promise.all(
      [neverConnected, dropped, reconnectedButIdle].map((session) =>
        pollUntil(() => get(session.id), ended, { attempts: 30, intervalMs: 100 }),
      ),
    );
    assert.deepEqual([first?.Status, first?.StatusReason], ['TERMINATED', 'connectionTimeout']);
    assert.deepEqual([second?.Status, second?.StatusReason], ['TERMINATED', 'reconnectionTimeout']);
    assert.deepEqual([third?.Status, third?.StatusReason], ['TERMINATED', 'reconnectionTimeout']);
    assert.equal(await statusOf(connected.id), 'CONNECTED', 'a connected session has no connection window');
  });

  it('SessionLengthSeconds ends any session with maxSessionLengthTimeout', async () => {
    const session = await startSession(fixture().sdk, { SessionLengthSeconds: 1 });
    await right(fixture().control.setClient(GROUP_ID, session.id, 'connect'));
    const ended = await pollUntil(
      () => get(session.id),
      (output) => output.Status === 'TERMINATED',
      { attempts: 30, intervalMs: 100 },
    );
    assert.equal(ended.StatusReason, 'maxSessionLengthTimeout');
  });

  it('with a transition delay, sessions are observed in ACTIVATING, RECONNECTING and TERMINATING before moving on', async () => {
    await raiseRateLimits(fixture().control, ['GetStreamSession']);
    await right(fixture().control.setTransitions({ delayMs: 150 }));
    const session = await startSession(fixture().sdk);
    assert.equal(await statusOf(session.id), 'ACTIVATING');
    const active = await pollUntil(
      () => get(session.id),
      (output) => output.Status === 'ACTIVE',
      { attempts: 20, intervalMs: 50 },
    );
    assert.equal(active.Status, 'ACTIVE');

    await reconnect(session.id);
    assert.equal(await statusOf(session.id), 'RECONNECTING');
    assert.ok((await rejectionOf(reconnect(session.id))) instanceof ConflictException);
    await pollUntil(
      () => get(session.id),
      (output) => output.Status === 'ACTIVE',
      { attempts: 20, intervalMs: 50 },
    );

    await fixture().sdk.send(
      new TerminateStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: session.id }),
    );
    assert.equal(await statusOf(session.id), 'TERMINATING');
    const ended = await pollUntil(
      () => get(session.id),
      (output) => output.Status === 'TERMINATED',
      { attempts: 20, intervalMs: 50 },
    );
    assert.equal(ended.StatusReason, 'apiTerminated');
  });

  it('reset restores the start-up transition delay', async () => {
    await right(fixture().control.setTransitions({ delayMs: 10_000 }));
    await fixture().reset();
    const session = await startSession(fixture().sdk);
    assert.equal(await statusOf(session.id), 'ACTIVE');
  });
});
