import { strict as assert } from 'node:assert';

import { GetStreamSessionCommand } from '@aws-sdk/client-gameliftstreams';
import { status } from '@grpc/grpc-js';

import { GROUP_ID, disconnectedSession, useHarness, type Harness } from '../support/service-harness';
import { untilConnectionCallsReceived, connectionCallsReceived } from '../support/emulator-counters';
import { expectLeft, expectRight } from '../support/task-either';

/** How long the emulator holds the reconnect before it would carry it out: far beyond the caller's patience. */
const HELD_MS = 3000;
const OFFER = '{"type":"offer","sdp":"v=0 abort-fixture"}';

async function abandonedCalls(harness: Harness): Promise<number> {
  return (await expectRight(harness.control.counters())).abandoned.CreateStreamSessionConnection;
}

/**
 * Waits, a bounded number of times, for the emulator to count one more call whose client closed the connection
 * before it answered. A connector that did not hand the call's signal to the SDK would let the request run on: the
 * emulator would answer it after HELD_MS and count nothing, and this fails.
 */
async function untilAbandoned(harness: Harness, before: number): Promise<void> {
  let abandoned = await abandonedCalls(harness);
  for (let attempt = 1; attempt < (HELD_MS + 1000) / 20 && abandoned <= before; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    abandoned = await abandonedCalls(harness);
  }
  assert.equal(abandoned, before + 1, 'the emulator saw the request to AWS closed before it answered');
}

async function statusOf(harness: Harness, sessionId: string): Promise<string | undefined> {
  const session = await harness.aws.send(
    new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: sessionId }),
  );
  return session.Status;
}

describe('a caller that stops waiting ends the request to AWS', function () {
  this.timeout(20_000);
  // A budget far beyond HELD_MS, so that no timeout of the service's own (an SDK attempt's share of the budget)
  // closes the request first: only the caller's cancel or deadline can.
  const harness = useHarness({ deadlineBudgetMs: 60_000 });

  async function holdNextReconnect(): Promise<void> {
    await expectRight(
      harness().control.injectFault({
        operation: 'CreateStreamSessionConnection',
        fault: { kind: 'latency', ms: HELD_MS },
      }),
    );
  }

  it('a cancel closes the request before AWS answers it, and the session is not reconnected', async () => {
    const session = await disconnectedSession(harness());
    await holdNextReconnect();
    const [abandoned, received] = [await abandonedCalls(harness()), await connectionCallsReceived(harness().control)];
    const cancel = new AbortController();
    const call = harness().client.reconnectStreamSession(
      { streamGroupIdentifier: GROUP_ID, streamSessionIdentifier: session.id, signalRequest: OFFER },
      { signal: cancel.signal },
    )();
    await untilConnectionCallsReceived(harness().control, received + 1);
    cancel.abort();
    assert.equal((await expectLeft(() => call)).code, status.CANCELLED);
    await untilAbandoned(harness(), abandoned);
    assert.equal(await statusOf(harness(), session.id), 'PENDING_CLIENT_RECONNECTION');
  });

  it('an expired deadline closes the request before AWS answers it, and the session is not reconnected', async () => {
    const session = await disconnectedSession(harness());
    await holdNextReconnect();
    const abandoned = await abandonedCalls(harness());
    const outcome = await expectLeft(
      harness().client.reconnectStreamSession(
        { streamGroupIdentifier: GROUP_ID, streamSessionIdentifier: session.id, signalRequest: OFFER },
        { deadlineMs: 500 },
      ),
    );
    assert.equal(outcome.code, status.DEADLINE_EXCEEDED);
    await untilAbandoned(harness(), abandoned);
    assert.equal(await statusOf(harness(), session.id), 'PENDING_CLIENT_RECONNECTION');
  });
});
