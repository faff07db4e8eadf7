import { strict as assert } from 'node:assert';

import * as E from 'fp-ts/Either';

import type { CallTiming, FlightTiming } from '../../../src/domain/call-context';
import type { AbortCause } from '../../../src/domain/reconnect-error';
import { boundedUpstreamCall } from '../../../src/upstream/bounded-upstream-call';

const BUDGET_MS = 20;
const target = { streamGroupIdentifier: 'sg-1', streamSessionIdentifier: 's-1' };

/** An SDK call that settles only when the test answers it, or when its signal fires (as AbortableClient does). */
function pendingSend() {
  const seen: { signal?: AbortSignal; answer?: (output: string) => void } = {};
  const send = (signal: AbortSignal): Promise<string> =>
    new Promise((resolve, reject) => {
      seen.signal = signal;
      seen.answer = resolve;
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  return { seen, send };
}

function run(send: (signal: AbortSignal) => Promise<string>, context: CallTiming) {
  const observed: string[] = [];
  const outcome = boundedUpstreamCall(send, context, {
    operation: 'GetStreamSession',
    observer: { observe: (_operation, result) => void observed.push(result) },
    target,
    budgetMs: BUDGET_MS,
    secrets: [],
  })();
  return { observed, outcome };
}

/** A flight's context: one whose holder may fire its signal (FlightTiming). */
function flightContext(): FlightTiming {
  const controller = new AbortController();
  return { signal: controller.signal, deadline: Date.now() + 10_000, abort: (cause: AbortCause) => controller.abort(cause) };
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('boundedUpstreamCall', () => {
  it("ends a call at its budget on a signal of its own, leaving the caller's signal alone", async () => {
    const caller = new AbortController();
    const { seen, send } = pendingSend();
    const { observed, outcome } = run(send, { signal: caller.signal, deadline: Date.now() + 10_000 });
    assert.deepEqual(await outcome, E.left({ _tag: 'DeadlineExceeded', budgetMs: BUDGET_MS }));
    assert.notEqual(seen.signal, caller.signal);
    assert.equal(seen.signal?.aborted, true);
    assert.equal(caller.signal.aborted, false);
    assert.deepEqual(observed, ['DeadlineExceeded']);
  });

  it("ends a call when the caller's signal fires, with the caller's cause", async () => {
    const caller = new AbortController();
    const { send } = pendingSend();
    const { observed, outcome } = run(send, { signal: caller.signal, deadline: Date.now() + 10_000 });
    caller.abort({ _tag: 'CallerCancelled' });
    assert.deepEqual(await outcome, E.left({ _tag: 'Cancelled' }));
    assert.deepEqual(observed, ['Cancelled']);
  });

  it("runs a flight's call under the flight's own signal, and fires it when the budget runs out", async () => {
    const context = flightContext();
    const { seen, send } = pendingSend();
    const { observed, outcome } = run(send, context);
    assert.equal(seen.signal, context.signal);
    assert.deepEqual(await outcome, E.left({ _tag: 'DeadlineExceeded', budgetMs: BUDGET_MS }));
    assert.deepEqual(context.signal.reason, { _tag: 'DeadlineReached', budgetMs: BUDGET_MS });
    assert.deepEqual(observed, ['DeadlineExceeded']);
  });

  it("leaves a flight's signal alone when its call ends within the budget", async () => {
    const context = flightContext();
    const { seen, send } = pendingSend();
    const { observed, outcome } = run(send, context);
    seen.answer?.('answer');
    assert.deepEqual(await outcome, E.right('answer'));
    await pause(BUDGET_MS * 2);
    assert.equal(context.signal.aborted, false);
    assert.deepEqual(observed, ['Success']);
  });

  it('does not call AWS at all when the call is already aborted', async () => {
    const context = flightContext();
    context.abort?.({ _tag: 'CallerCancelled' });
    let sent = false;
    const { outcome } = run(() => {
      sent = true;
      return Promise.resolve('answer');
    }, context);
    assert.deepEqual(await outcome, E.left({ _tag: 'Cancelled' }));
    assert.equal(sent, false);
  });
});
