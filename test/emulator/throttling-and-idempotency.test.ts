import { strict as assert } from 'node:assert';
import {
  CreateStreamSessionConnectionCommand,
  GetStreamSessionCommand,
  StartStreamSessionCommand,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-gameliftstreams';
import { emulatorSignalResponse } from '../../src/emulator/signal-answer';
import { DEFAULT_RATE_LIMITS } from '../../src/emulator/throttle';
import {
  droppedSession,
  GROUP_ID,
  OFFER,
  rejectionOf,
  right,
  startSession,
  startSessionInput,
  useTestEmulator,
} from './support/fixture';

const TOKEN = 'a2f6c1de-0b1e-4c55-9d4e-6b8f2c1a7e30';

describe('emulator: throttling and idempotency', () => {
  const fixture = useTestEmulator();

  it("defaults to AWS's documented 20/s for Start, Get, Terminate and CreateStreamSessionConnection, and 5/s for the lists", () => {
    assert.deepEqual(DEFAULT_RATE_LIMITS, {
      StartStreamSession: { ratePerSecond: 20, burst: 20 },
      GetStreamSession: { ratePerSecond: 20, burst: 20 },
      TerminateStreamSession: { ratePerSecond: 20, burst: 20 },
      CreateStreamSessionConnection: { ratePerSecond: 20, burst: 20 },
      ListStreamSessions: { ratePerSecond: 5, burst: 5 },
      ListStreamSessionsByAccount: { ratePerSecond: 5, burst: 5 },
    });
  });

  it('over the configured rate, calls get ThrottlingException (429) and are counted as throttled', async () => {
    const session = await startSession(fixture().sdk);
    // A slow refill keeps the count exact however long the ten calls take to arrive.
    await right(fixture().control.setRate({ operation: 'GetStreamSession', ratePerSecond: 0.1, burst: 5 }));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        fixture().sdk.send(new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: session.id })),
      ),
    );
    const rejected = outcomes.filter((outcome) => outcome.status === 'rejected');
    assert.equal(rejected.length, 5);
    for (const outcome of rejected) {
      assert.ok(outcome.reason instanceof ThrottlingException);
      assert.equal(outcome.reason.$metadata.httpStatusCode, 429);
    }
    const counters = await right(fixture().control.counters());
    assert.equal(counters.throttled.GetStreamSession, 5);
    assert.equal(counters.calls.GetStreamSession, 10);
    assert.equal(counters.throttled.CreateStreamSessionConnection, 0);
  });

  it('reset restores the start-up rates', async () => {
    await right(fixture().control.setRate({ operation: 'GetStreamSession', ratePerSecond: 0.1, burst: 1 }));
    await fixture().reset();
    const session = await startSession(fixture().sdk);
    for (let call = 0; call < 3; call += 1) {
      await fixture().sdk.send(
        new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: session.id }),
      );
    }
    const counters = await right(fixture().control.counters());
    assert.equal(counters.throttled.GetStreamSession, 0);
  });

  it('CreateStreamSessionConnection with the same ClientToken and parameters replays the answer without a second transition', async () => {
    const session = await droppedSession(fixture());
    const send = (): Promise<{ SignalResponse?: string }> =>
      fixture().sdk.send(
        new CreateStreamSessionConnectionCommand({
          Identifier: GROUP_ID,
          StreamSessionIdentifier: session.id,
          SignalRequest: OFFER,
          ClientToken: TOKEN,
        }),
      );
    const first = await send();
    await right(fixture().control.setClient(GROUP_ID, session.id, 'connect'));
    // CONNECTED would be a conflict for a new reconnect; a replay must still answer.
    const replay = await send();
    assert.equal(replay.SignalResponse, first.SignalResponse);
    assert.equal(replay.SignalResponse, emulatorSignalResponse(OFFER));
    const status = await fixture().sdk.send(
      new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: session.id }),
    );
    assert.equal(status.Status, 'CONNECTED');
    const counters = await right(fixture().control.counters());
    assert.equal(counters.calls.CreateStreamSessionConnection, 2);
    assert.equal(counters.idempotentReplays.CreateStreamSessionConnection, 1);
  });

  it('the same ClientToken with a different SignalRequest or session is an idempotent parameter mismatch', async () => {
    const session = await droppedSession(fixture());
    const other = await droppedSession(fixture());
    await fixture().sdk.send(
      new CreateStreamSessionConnectionCommand({
        Identifier: GROUP_ID,
        StreamSessionIdentifier: session.id,
        SignalRequest: OFFER,
        ClientToken: TOKEN,
      }),
    );
    for (const [sessionId, signalRequest] of [
      [session.id, 'another offer'],
      [other.id, OFFER],
    ] as const) {
      const error = await rejectionOf(
        fixture().sdk.send(
          new CreateStreamSessionConnectionCommand({
            Identifier: GROUP_ID,
            StreamSessionIdentifier: sessionId,
            SignalRequest: signalRequest,
            ClientToken: TOKEN,
          }),
        ),
      );
      assert.ok(error instanceof ValidationException);
      assert.match(error.message, /idempotent parameter mismatch/);
      assert.ok(!error.message.includes('another offer'));
    }
  });

  it('StartStreamSession with the same ClientToken replays the original session; different parameters mismatch', async () => {
    const start = (userId: string) =>
      fixture().sdk.send(new StartStreamSessionCommand(startSessionInput({ UserId: userId, ClientToken: TOKEN })));
    const first = await start('player1');
    const replay = await start('player1');
    assert.equal(replay.Arn, first.Arn);
    assert.equal(replay.Status, 'ACTIVATING');
    const counters = await right(fixture().control.counters());
    assert.equal(counters.idempotentReplays.StartStreamSession, 1);
    const mismatch = await rejectionOf(start('player2'));
    assert.ok(mismatch instanceof ValidationException);
    assert.match(mismatch.message, /idempotent parameter mismatch/);
  });

  it('a ClientToken is scoped to its stream group', async () => {
    await right(fixture().control.createStreamGroup({ id: 'sg-other0001' }));
    const start = (identifier: string) =>
      fixture().sdk.send(
        new StartStreamSessionCommand(startSessionInput({ Identifier: identifier, ClientToken: TOKEN })),
      );
    const inFirst = await start(GROUP_ID);
    const inSecond = await start('sg-other0001');
    assert.notEqual(inFirst.Arn, inSecond.Arn);
  });
});
