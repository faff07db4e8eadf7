import { strict as assert } from 'node:assert';
import {
  ConflictException,
  CreateStreamSessionConnectionCommand,
  GetStreamSessionCommand,
  ListStreamSessionsByAccountCommand,
  ListStreamSessionsCommand,
  ResourceNotFoundException,
  TerminateStreamSessionCommand,
} from '@aws-sdk/client-gameliftstreams';
import * as E from 'fp-ts/Either';
import { DEFAULT_ENDED_SESSION_RETENTION_MS } from '../../src/emulator/options';
import { startEmulator } from '../../src/emulator/server';
import {
  droppedSession,
  GROUP_ID,
  left,
  OFFER,
  rejectionOf,
  right,
  startSession,
  useTestEmulator,
} from './support/fixture';

/**
 * An ended session (TERMINATED or ERROR) is kept for the ended-session retention and then forgotten: kept, a
 * reconnect gets ConflictException; forgotten, every operation gets ResourceNotFoundException (docs/ended-sessions.md).
 * Retention 0 forgets at once, so no test here waits for a clock.
 */
describe('emulator: ended sessions are kept for a retention, then forgotten', () => {
  const fixture = useTestEmulator();

  const get = (id: string) =>
    fixture().sdk.send(new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: id }));
  const terminate = (id: string) =>
    fixture().sdk.send(new TerminateStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: id }));
  const reconnect = (id: string) =>
    fixture().sdk.send(
      new CreateStreamSessionConnectionCommand({
        Identifier: GROUP_ID,
        StreamSessionIdentifier: id,
        SignalRequest: OFFER,
      }),
    );
  const listedArns = async (): Promise<Array<string | undefined>> =>
    ((await fixture().sdk.send(new ListStreamSessionsCommand({ Identifier: GROUP_ID }))).Items ?? []).map(
      (item) => item.Arn,
    );
  const listedByAccount = async (): Promise<Array<string | undefined>> =>
    ((await fixture().sdk.send(new ListStreamSessionsByAccountCommand({}))).Items ?? []).map((item) => item.Arn);

  it(`keeps an ended session for ${DEFAULT_ENDED_SESSION_RETENTION_MS} ms by default: it is read and listed, and a reconnect is a conflict`, async () => {
    const session = await droppedSession(fixture());
    await terminate(session.id);
    const ended = await get(session.id);
    assert.deepEqual([ended.Status, ended.StatusReason], ['TERMINATED', 'apiTerminated']);
    assert.deepEqual(await listedArns(), [session.arn]);
    const error = await rejectionOf(reconnect(session.id));
    assert.ok(error instanceof ConflictException, String(error));
    assert.match(error.message, /TERMINATED/);
  });

  it('once forgotten, every operation answers ResourceNotFoundException and the lists leave it out', async () => {
    await right(fixture().control.setRetention({ endedSessionRetentionMs: 0 }));
    const ended = await droppedSession(fixture());
    const live = await droppedSession(fixture());
    await terminate(ended.id);
    for (const call of [() => get(ended.id), () => reconnect(ended.id), () => terminate(ended.id)]) {
      const error = await rejectionOf(call());
      assert.ok(error instanceof ResourceNotFoundException, String(error));
      assert.match(error.message, new RegExp(ended.id));
    }
    assert.deepEqual(await listedArns(), [live.arn]);
    assert.deepEqual(await listedByAccount(), [live.arn]);
    const forgotten = await left(fixture().control.setClient(GROUP_ID, ended.id, 'connect'));
    assert.ok(forgotten.kind === 'rejected' && forgotten.status === 404);
  });

  it('a live session is never forgotten, whatever the retention', async () => {
    await right(fixture().control.setRetention({ endedSessionRetentionMs: 0 }));
    const session = await droppedSession(fixture());
    assert.equal((await get(session.id)).Status, 'PENDING_CLIENT_RECONNECTION');
    await reconnect(session.id);
    assert.equal((await get(session.id)).Status, 'ACTIVE');
  });

  it('an ERROR session is an ended session too', async () => {
    const session = await startSession(fixture().sdk);
    await right(
      fixture().control.forceStatus(GROUP_ID, session.id, { status: 'ERROR', statusReason: 'placementTimeout' }),
    );
    assert.equal((await get(session.id)).Status, 'ERROR');
    await right(fixture().control.setRetention({ endedSessionRetentionMs: 0 }));
    assert.ok((await rejectionOf(get(session.id))) instanceof ResourceNotFoundException);
  });

  it('a retention change applies to sessions that ended before it; a reset restores the start-up retention', async () => {
    const before = await startSession(fixture().sdk);
    await terminate(before.id);
    assert.deepEqual(await right(fixture().control.setRetention({ endedSessionRetentionMs: 0 })), {
      endedSessionRetentionMs: 0,
    });
    assert.ok((await rejectionOf(get(before.id))) instanceof ResourceNotFoundException);
    await fixture().reset();
    const after = await startSession(fixture().sdk);
    await terminate(after.id);
    assert.equal((await get(after.id)).Status, 'TERMINATED');
  });

  it('refuses a retention out of range, as a control call and as a start-up option', async () => {
    const refused = await left(fixture().control.setRetention({ endedSessionRetentionMs: -1 }));
    assert.ok(refused.kind === 'rejected' && refused.status === 400);
    assert.match(refused.message, /endedSessionRetentionMs/);
    const started = await startEmulator({ endedSessionRetentionMs: 1.5 })();
    assert.ok(E.isLeft(started) && started.left.kind === 'invalid-options');
    assert.match(started.left.message, /endedSessionRetentionMs/);
  });
});
