import { strict as assert } from 'node:assert';

import * as E from 'fp-ts/Either';

import { TokenBucketAdmission } from '../../../src/domain/admission';
import type { AdmissionRefused, CallEnded } from '../../../src/domain/outcomes';
import { ManualScheduler } from '../../support/manual-scheduler';

/** Lets pending promise callbacks run, so admissions granted by a timer are observed. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Probe {
  readonly name: string;
  outcome: E.Either<AdmissionRefused | CallEnded, void> | undefined;
  readonly controller: AbortController;
}

function setup(
  settings: Partial<{ ratePerSecond: number; burst: number; queueLimit: number; reserveMs: number }> = {},
) {
  const scheduler = new ManualScheduler();
  const admission = new TokenBucketAdmission(
    { ratePerSecond: 10, burst: 2, queueLimit: 100, reserveMs: 0, ...settings },
    scheduler,
  );
  const admitted: string[] = [];
  const probe = (name: string, deadlineMs: number): Probe => {
    const controller = new AbortController();
    const entry: Probe = { name, outcome: undefined, controller };
    void admission
      .admit({ signal: controller.signal, deadline: scheduler.now() + deadlineMs })()
      .then((outcome) => {
        entry.outcome = outcome;
        if (E.isRight(outcome)) admitted.push(name);
      });
    return entry;
  };
  return { scheduler, admission, admitted, probe };
}

describe('TokenBucketAdmission', () => {
  it('admits the burst at once, then one call per 1/rate seconds', async () => {
    const { scheduler, admitted, probe } = setup();
    for (const name of ['a', 'b', 'c', 'd']) probe(name, 10_000);
    await settle();
    assert.deepEqual(admitted, ['a', 'b']);
    scheduler.advance(100);
    await settle();
    assert.deepEqual(admitted, ['a', 'b', 'c']);
    scheduler.advance(100);
    await settle();
    assert.deepEqual(admitted, ['a', 'b', 'c', 'd']);
  });

  it('admits waiting calls earliest deadline first', async () => {
    const { scheduler, admitted, probe } = setup({ burst: 1 });
    probe('first', 10_000);
    probe('late', 9_000);
    probe('urgent', 2_000);
    probe('middle', 5_000);
    await settle();
    scheduler.advance(1000);
    await settle();
    assert.deepEqual(admitted, ['first', 'urgent', 'middle', 'late']);
  });

  it('refuses at once a call that could not be admitted before its deadline, saying when to retry', async () => {
    const { probe } = setup({ burst: 1 });
    probe('takes the token', 10_000);
    // Three earlier deadlines are served first (at 100, 200, 300 ms); a fourth slot comes only at 400 ms.
    for (let i = 0; i < 3; i += 1) probe(`queued-${i}`, 350);
    const hopeless = probe('hopeless', 380);
    await settle();
    assert.ok(hopeless.outcome !== undefined && E.isLeft(hopeless.outcome));
    assert.equal(hopeless.outcome.left._tag, 'AdmissionRefused');
    if (hopeless.outcome.left._tag === 'AdmissionRefused') {
      assert.equal(hopeless.outcome.left.cause, 'DeadlineUnmeetable');
      assert.ok(hopeless.outcome.left.retryAfterMs > 0);
    }
  });

  it('bounds its queue', async () => {
    const { probe } = setup({ burst: 1, queueLimit: 2 });
    probe('token', 60_000);
    probe('q1', 60_000);
    probe('q2', 60_000);
    const overflow = probe('overflow', 60_000);
    await settle();
    assert.ok(overflow.outcome !== undefined && E.isLeft(overflow.outcome));
    assert.deepEqual(
      overflow.outcome.left._tag === 'AdmissionRefused' ? overflow.outcome.left.cause : undefined,
      'QueueFull',
    );
  });

  it('lets a waiting call leave when it is cancelled, with its own cause, and serves the next one', async () => {
    const { scheduler, admitted, probe } = setup({ burst: 1 });
    probe('token', 10_000);
    const leaving = probe('leaving', 10_000);
    probe('next', 10_000);
    await settle();
    const cause: CallEnded = { _tag: 'Cancelled' };
    leaving.controller.abort(cause);
    await settle();
    assert.deepEqual(leaving.outcome, E.left({ _tag: 'Cancelled' }));
    scheduler.advance(100);
    await settle();
    assert.deepEqual(admitted, ['token', 'next']);
  });

  it('halves its rate when AWS throttles anyway, once per burst of throttles, and recovers additively', () => {
    const { scheduler, admission } = setup({ ratePerSecond: 20 });
    admission.record('Throttled');
    admission.record('Throttled');
    assert.equal(admission.state().ratePerSecond, 10);
    scheduler.advance(1000);
    admission.record('Throttled');
    assert.equal(admission.state().ratePerSecond, 5);
    for (let i = 0; i < 1000 && admission.state().ratePerSecond < 20; i += 1) admission.record('Accepted');
    assert.equal(admission.state().ratePerSecond, 20);
    admission.record('NoAnswer');
    assert.equal(admission.state().ratePerSecond, 20);
  });

  it('never drops below a floor rate', () => {
    const { scheduler, admission } = setup({ ratePerSecond: 20 });
    for (let i = 0; i < 20; i += 1) {
      admission.record('Throttled');
      scheduler.advance(1000);
    }
    assert.equal(admission.state().ratePerSecond, 1);
  });
});
