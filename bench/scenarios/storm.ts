import * as E from 'fp-ts/Either';

import { disconnectedSession, startHarness, GROUP_ID } from '../../test/support/service-harness';
import { expectRight } from '../../test/support/task-either';
import { unlimitedBudgets } from '../../test/support/unlimited-admission';

export interface StormSettings {
  readonly sessions: number;
  /** The emulator's CreateStreamSessionConnection quota, and the rate admission holds to. */
  readonly ratePerSecond: number;
  readonly deadlineMs: number;
}

export interface StormResult {
  readonly scenario: string;
  readonly admission: boolean;
  readonly sessions: number;
  readonly reconnected: number;
  readonly reconnectedPercent: number;
  readonly timeToLastSuccessMs: number;
  readonly upstreamThrottles: number;
  readonly upstreamCalls: number;
  readonly failuresByCode: Readonly<Record<string, number>>;
}

/**
 * A disconnect storm: every session drops at once and the matchmaker asks for all reconnects together, each
 * with the same long deadline. Run with admission on and off to show what admission prevents.
 */
export async function runStorm(settings: StormSettings, admission: boolean): Promise<StormResult> {
  const harness = await startHarness({
    admission: {
      rates: {
        CreateStreamSessionConnection: settings.ratePerSecond,
        GetStreamSession: settings.ratePerSecond,
        ListStreamSessions: settings.ratePerSecond,
      },
      burst: 5,
      queueLimit: settings.sessions * 2,
    },
    foundations: (production) => (admission ? production : { ...production, budgets: unlimitedBudgets }),
  });
  try {
    await expectRight(
      harness.control.setRate({ operation: 'StartStreamSession', ratePerSecond: 100_000, burst: 100_000 }),
    );
    const sessions = [];
    for (let i = 0; i < settings.sessions; i += 1) sessions.push(await disconnectedSession(harness, 3600));
    await expectRight(
      harness.control.setRate({
        operation: 'CreateStreamSessionConnection',
        ratePerSecond: settings.ratePerSecond,
        burst: settings.ratePerSecond,
      }),
    );
    const before = await expectRight(harness.control.counters());
    const started = Date.now();
    let lastSuccess = started;
    const results = await Promise.all(
      sessions.map(async (session, index) => {
        const outcome = await harness.client.reconnectStreamSession(
          {
            streamGroupIdentifier: GROUP_ID,
            streamSessionIdentifier: session.id,
            signalRequest: `{"type":"offer","sdp":"v=0 storm-${index}"}`,
            clientToken: undefined,
          },
          { deadlineMs: settings.deadlineMs },
        )();
        if (E.isRight(outcome)) lastSuccess = Math.max(lastSuccess, Date.now());
        return outcome;
      }),
    );
    const after = await expectRight(harness.control.counters());
    const failuresByCode: Record<string, number> = {};
    for (const result of results) {
      if (E.isLeft(result)) failuresByCode[result.left.codeName] = (failuresByCode[result.left.codeName] ?? 0) + 1;
    }
    const reconnected = results.filter(E.isRight).length;
    return {
      scenario: 'storm',
      admission,
      sessions: settings.sessions,
      reconnected,
      reconnectedPercent: (100 * reconnected) / settings.sessions,
      timeToLastSuccessMs: lastSuccess - started,
      upstreamThrottles: after.throttled.CreateStreamSessionConnection - before.throttled.CreateStreamSessionConnection,
      upstreamCalls: after.calls.CreateStreamSessionConnection - before.calls.CreateStreamSessionConnection,
      failuresByCode,
    };
  } finally {
    await harness.close();
  }
}
