import { hrtime } from 'node:process';

import * as E from 'fp-ts/Either';

import type { StartedSession } from '../../test/support/disconnected-sessions';
import { FLEET_GROUP_ID, FleetHarness } from '../../test/support/fleet-harness';
import type { RedisServer } from '../../test/support/redis-server';
import { LatencyHistogram, type LatencySummary } from '../load/latency-histogram';

export interface FleetStormSettings {
  readonly replicas: number;
  readonly sessions: number;
  /** AWS's quota (the emulator's) and every budget's rate, for each operation. */
  readonly ratePerSecond: number;
  readonly deadlineMs: number;
  /** Reconnects, one at a time, to measure what sharing the budgets through Redis adds to a call admitted at once. */
  readonly admittedCalls: number;
}

export interface FleetStormResult {
  readonly redis: boolean;
  readonly userId: boolean;
  readonly replicas: number;
  readonly sessions: number;
  readonly reconnected: number;
  readonly reconnectedPercent: number;
  readonly timeToLastSuccessMs: number;
  readonly connectionCalls: number;
  readonly connectionThrottles: number;
  readonly getSessionCalls: number;
  readonly getSessionThrottles: number;
  readonly failuresByCode: Readonly<Record<string, number>>;
}

export interface AdmittedCallResult {
  readonly redis: boolean;
  readonly latency: LatencySummary;
  readonly failed: number;
}

const SESSIONS_PER_SET_UP_BATCH = 100;
/** Calls per replica before any is measured: each replica's first opens its connections to AWS and Redis. */
const WARM_UP_CALLS_PER_REPLICA = 5;
const PLAYER = 'bench-player';

async function disconnectedSessions(
  fleet: FleetHarness,
  count: number,
  userId: string | undefined,
): Promise<ReadonlyArray<StartedSession>> {
  const sessions: StartedSession[] = [];
  while (sessions.length < count) {
    sessions.push(...(await fleet.sessions(Math.min(SESSIONS_PER_SET_UP_BATCH, count - sessions.length), userId)));
  }
  return sessions;
}

async function withFleet<Result>(
  settings: FleetStormSettings,
  redis: RedisServer | undefined,
  ratePerSecond: number,
  measure: (fleet: FleetHarness) => Promise<Result>,
): Promise<Result> {
  const fleet = await FleetHarness.start({ replicas: settings.replicas, redis, ratePerSecond });
  try {
    return await measure(fleet);
  } finally {
    await fleet.close();
  }
}

const clientFor = (fleet: FleetHarness, index: number) => {
  const client = fleet.clients[index % fleet.clients.length];
  if (client === undefined) throw new Error('the fleet has no replica');
  return client;
};

/**
 * A disconnect storm across the fleet: every session drops at once and the matchmaker asks for every reconnect
 * together, spread over the replicas, with one deadline. AWS (the emulator) holds both operations to the quota and
 * counts what it throttles; with Redis the replicas share each budget, without it each holds the whole quota alone.
 */
export async function runFleetStorm(
  settings: FleetStormSettings,
  redis: RedisServer | undefined,
  withUserId: boolean,
): Promise<FleetStormResult> {
  return withFleet(settings, redis, settings.ratePerSecond, async (fleet) => {
    const userId = withUserId ? PLAYER : undefined;
    const sessions = await disconnectedSessions(fleet, settings.sessions, userId);
    await fleet.quota(settings.ratePerSecond, ['CreateStreamSessionConnection', 'GetStreamSession']);
    const before = await fleet.counters();
    const started = Date.now();
    let lastSuccess = started;
    const outcomes = await Promise.all(
      sessions.map(async (session, index) => {
        const outcome = await clientFor(fleet, index).reconnectStreamSession(
          {
            streamGroupIdentifier: FLEET_GROUP_ID,
            streamSessionIdentifier: session.id,
            signalRequest: `{"type":"offer","sdp":"v=0 fleet-storm-${index}"}`,
            userId,
          },
          { deadlineMs: settings.deadlineMs },
        )();
        if (E.isRight(outcome)) lastSuccess = Math.max(lastSuccess, Date.now());
        return outcome;
      }),
    );
    const after = await fleet.counters();
    const failuresByCode: Record<string, number> = {};
    for (const outcome of outcomes) {
      if (E.isLeft(outcome)) {
        const key = outcome.left.details.errorInfo?.reason ?? outcome.left.codeName;
        failuresByCode[key] = (failuresByCode[key] ?? 0) + 1;
      }
    }
    const reconnected = outcomes.filter(E.isRight).length;
    const since = (counts: typeof after.calls, earlier: typeof before.calls, operation: keyof typeof after.calls) =>
      counts[operation] - earlier[operation];
    return {
      redis: redis !== undefined,
      userId: withUserId,
      replicas: settings.replicas,
      sessions: settings.sessions,
      reconnected,
      reconnectedPercent: (100 * reconnected) / settings.sessions,
      timeToLastSuccessMs: lastSuccess - started,
      connectionCalls: since(after.calls, before.calls, 'CreateStreamSessionConnection'),
      connectionThrottles: since(after.throttled, before.throttled, 'CreateStreamSessionConnection'),
      getSessionCalls: since(after.calls, before.calls, 'GetStreamSession'),
      getSessionThrottles: since(after.throttled, before.throttled, 'GetStreamSession'),
      failuresByCode,
    };
  });
}

/**
 * Reconnects one at a time, far below the quota, so each is admitted at once: the latency with Redis against the
 * same without it is what the shared budget and the reconnect lease add to a call.
 */
export async function runAdmittedCalls(
  settings: FleetStormSettings,
  redis: RedisServer | undefined,
): Promise<AdmittedCallResult> {
  // A quota no call of this scenario comes near, in the budgets and in the emulator alike.
  const unreachedQuota = 10_000;
  return withFleet(settings, redis, unreachedQuota, async (fleet) => {
    const warmUpCalls = WARM_UP_CALLS_PER_REPLICA * settings.replicas;
    const sessions = await disconnectedSessions(fleet, warmUpCalls + settings.admittedCalls, undefined);
    const histogram = new LatencyHistogram();
    let failed = 0;
    try {
      for (const [index, session] of sessions.entries()) {
        const measured = index >= warmUpCalls;
        const startedAt = hrtime.bigint();
        const outcome = await clientFor(fleet, index).reconnectStreamSession(
          {
            streamGroupIdentifier: FLEET_GROUP_ID,
            streamSessionIdentifier: session.id,
            signalRequest: `{"type":"offer","sdp":"v=0 admitted-${index}"}`,
          },
          { deadlineMs: 5000 },
        )();
        if (measured) {
          histogram.recordNanoseconds(hrtime.bigint() - startedAt);
          if (E.isLeft(outcome)) failed += 1;
        }
      }
      return { redis: redis !== undefined, latency: histogram.summary(), failed };
    } finally {
      histogram.destroy();
    }
  });
}
