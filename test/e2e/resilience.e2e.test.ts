import { strict as assert } from 'node:assert';

import { status } from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';

import { emulatorSignalResponse } from '../../src/emulator/signal-answer';
import { GROUP_ID, disconnectedSession, startHarness, useHarness } from '../support/service-harness';
import { scrapedValue } from '../support/metrics-scrape';
import { expectLeft, expectRight } from '../support/task-either';
import { unlimitedBudgets } from '../support/unlimited-admission';

const OFFER = '{"type":"offer","sdp":"v=0 resilience-fixture"}';
const reconnectRequest = (sessionId: string, signalRequest = OFFER) => ({
  streamGroupIdentifier: GROUP_ID,
  streamSessionIdentifier: sessionId,
  signalRequest,
  clientToken: undefined,
});

describe('resilience end to end', function () {
  this.timeout(30_000);
  const harness = useHarness();

  async function slowUpstream(ms: number): Promise<void> {
    await expectRight(
      harness().control.injectFault({
        operation: 'CreateStreamSessionConnection',
        fault: { kind: 'latency', ms },
        probability: 1,
      }),
    );
  }

  const connectionCalls = async (): Promise<number> =>
    (await expectRight(harness().control.counters())).calls.CreateStreamSessionConnection;

  it('coalesces 100 identical concurrent reconnects into exactly one upstream call', async () => {
    const session = await disconnectedSession(harness());
    await slowUpstream(300);
    const before = await connectionCalls();
    const results = await Promise.all(
      Array.from({ length: 100 }, () => harness().client.reconnectStreamSession(reconnectRequest(session.id))()),
    );
    assert.equal((await connectionCalls()) - before, 1);
    for (const result of results) {
      assert.deepEqual(result, E.right({ signalResponse: emulatorSignalResponse(OFFER) }));
    }
  });

  it('refuses a different offer for a session being reconnected, at once and without an upstream call', async () => {
    const session = await disconnectedSession(harness());
    await slowUpstream(500);
    const before = await connectionCalls();
    const first = harness().client.reconnectStreamSession(reconnectRequest(session.id))();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await expectLeft(
      harness().client.reconnectStreamSession(reconnectRequest(session.id, `${OFFER} other`)),
    );
    assert.equal(second.code, status.FAILED_PRECONDITION);
    assert.match(second.message, /another reconnect/);
    assert.ok(E.isRight(await first));
    assert.equal((await connectionCalls()) - before, 1);
  });

  it('derives the same ClientToken for a retried request, so AWS replays instead of reconnecting twice', async () => {
    const session = await disconnectedSession(harness());
    const first = await expectRight(harness().client.reconnectStreamSession(reconnectRequest(session.id)));
    const retry = await expectRight(harness().client.reconnectStreamSession(reconnectRequest(session.id)));
    assert.equal(retry.signalResponse, first.signalResponse);
    const seen = (await expectRight(harness().control.requests('CreateStreamSessionConnection'))).requests.slice(-2);
    assert.match(seen[0]?.clientToken ?? '', /^rsc1-[0-9a-f]{64}$/);
    assert.equal(seen[1]?.clientToken, seen[0]?.clientToken);
    assert.equal(
      (await expectRight(harness().control.counters())).idempotentReplays.CreateStreamSessionConnection >= 1,
      true,
    );
  });

  it('ends a call at the budget when the caller sets no deadline', async () => {
    const budgeted = await startHarness({ deadlineBudgetMs: 300 });
    try {
      const session = await disconnectedSession(budgeted);
      await expectRight(
        budgeted.control.injectFault({
          operation: 'CreateStreamSessionConnection',
          fault: { kind: 'latency', ms: 3000 },
          probability: 1,
        }),
      );
      const error = await expectLeft(budgeted.client.reconnectStreamSession(reconnectRequest(session.id)));
      assert.equal(error.code, status.DEADLINE_EXCEEDED);
      assert.match(error.message, /capped at 300 ms/);
      const port = budgeted.service.metricsPort;
      assert.equal(await scrapedValue(port, 'reconnect_in_flight'), 0);
      assert.equal(await scrapedValue(port, 'reconnect_admission_queue_depth'), 0);
      assert.equal(await scrapedValue(port, 'reconnect_admission_rate_per_second'), 1000);
    } finally {
      await budgeted.close();
    }
  });

  it('answers CANCELLED on the server when the caller cancels', async () => {
    const session = await disconnectedSession(harness());
    await slowUpstream(2000);
    const cancelled = harness().client.reconnectStreamSession(reconnectRequest(session.id), {
      deadlineMs: 30_000,
      signal: AbortSignal.timeout(200),
    })();
    const error = await cancelled;
    assert.ok(E.isLeft(error) && error.left.code === status.CANCELLED);
    const deadline = Date.now() + 5000;
    while (
      Date.now() < deadline &&
      !harness()
        .logs.entries()
        .some((entry) => entry.code === status.CANCELLED)
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(
      harness()
        .logs.entries()
        .some((entry) => entry.code === status.CANCELLED),
      'the server saw the cancel',
    );
    assert.equal(
      await scrapedValue(harness().service.metricsPort, 'reconnect_in_flight'),
      0,
      'the shared upstream call was aborted',
    );
  });
});

describe('a disconnect storm within the upstream rate (scaled down: 200 sessions at 100 requests/s)', function () {
  this.timeout(60_000);
  const SESSIONS = 200;
  const RATE = 100;

  async function storm(admissionEnabled: boolean) {
    const harness = await startHarness({
      admission: {
        rates: { CreateStreamSessionConnection: RATE, GetStreamSession: RATE, ListStreamSessions: RATE },
        burst: 5,
        queueLimit: 1000,
      },
      foundations: (production) => (admissionEnabled ? production : { ...production, budgets: unlimitedBudgets }),
    });
    try {
      await expectRight(
        harness.control.setRate({ operation: 'CreateStreamSessionConnection', ratePerSecond: RATE, burst: RATE }),
      );
      await expectRight(
        harness.control.setRate({ operation: 'StartStreamSession', ratePerSecond: 10_000, burst: 10_000 }),
      );
      const sessions = [];
      for (let i = 0; i < SESSIONS; i += 1) sessions.push(await disconnectedSession(harness));
      // Let the emulator's bucket refill after the set-up, as it would be before a real storm.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const results = await Promise.all(
        sessions.map((session) =>
          harness.client.reconnectStreamSession(reconnectRequest(session.id), { deadlineMs: 20_000 })(),
        ),
      );
      const counters = await expectRight(harness.control.counters());
      assert.equal(await scrapedValue(harness.service.metricsPort, 'reconnect_admission_queue_depth'), 0);
      return {
        reconnected: results.filter(E.isRight).length,
        codes: results.flatMap((result) => (E.isLeft(result) ? [result.left.codeName] : [])),
        throttledByEmulator: counters.throttled.CreateStreamSessionConnection,
      };
    } finally {
      await harness.close();
    }
  }

  it('reconnects every session with no throttling from AWS when admission is on', async () => {
    const outcome = await storm(true);
    assert.equal(outcome.reconnected, SESSIONS, `failures: ${outcome.codes.join(', ')}`);
    assert.equal(outcome.throttledByEmulator, 0);
  });

  it('shows what admission prevents: with it off, AWS throttles and sessions are lost', async () => {
    const outcome = await storm(false);
    assert.ok(outcome.throttledByEmulator > 0);
    assert.ok(outcome.reconnected < SESSIONS);
    assert.ok(
      outcome.codes.every((code) => code === 'RESOURCE_EXHAUSTED'),
      outcome.codes.join(', '),
    );
  });
});
