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
  /**
   * Calls per replica before any admitted call is measured: the first open its connections to AWS and Redis, and a
   * fresh process runs its hot paths several times slower until V8 has compiled them.
   */
  readonly warmUpCallsPerReplica: number;
}

export interface FleetStormResult {
  readonly redis: boolean;
  readonly userId: boolean;
  readonly replicas: number;
  readonly sessions: number;
  readonly ratePerSecond: number;
  readonly reconnected: number;
  readonly reconnectedPercent: number;
  readonly timeToLastSuccessMs: number;
  /**
   * When the first reconnect succeeded, and the reconnects per second from it to the last: where the time to the
   * last goes, the start (the calls sent, and each replica taking in its share) or the pace the budgets keep.
   */
  readonly timeToFirstSuccessMs: number;
  readonly reconnectsPerSecondAfterFirst: number;
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
/** The sessions the admitted calls reconnect, each again and again (the emulator accepts a reconnect of an ACTIVE one). */
const ADMITTED_CALL_SESSIONS = 8;
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
    let firstSuccess: number | undefined;
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
        if (E.isRight(outcome)) {
          const now = Date.now();
          firstSuccess ??= now;
          lastSuccess = Math.max(lastSuccess, now);
        }
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
      ratePerSecond: settings.ratePerSecond,
      reconnected,
      reconnectedPercent: (100 * reconnected) / settings.sessions,
      timeToLastSuccessMs: lastSuccess - started,
      timeToFirstSuccessMs: (firstSuccess ?? lastSuccess) - started,
      reconnectsPerSecondAfterFirst:
        firstSuccess === undefined || lastSuccess === firstSuccess
          ? 0
          : ((reconnected - 1) * 1000) / (lastSuccess - firstSuccess),
      connectionCalls: since(after.calls, before.calls, 'CreateStreamSessionConnection'),
      connectionThrottles: since(after.throttled, before.throttled, 'CreateStreamSessionConnection'),
      getSessionCalls: since(after.calls, before.calls, 'GetStreamSession'),
      getSessionThrottles: since(after.throttled, before.throttled, 'GetStreamSession'),
      failuresByCode,
    };
  });
}

/** Rounds of admitted calls, each fleet measured once per round in turn: the machine's drift falls on both alike. */
const ADMITTED_CALL_ROUNDS = 5;

/** One fleet's admitted calls: its sessions, the calls made so far, and their latencies once measured. */
class AdmittedCallSubject {
  private calls = 0;
  private failed = 0;
  private readonly histogram = new LatencyHistogram();

  constructor(
    readonly fleet: FleetHarness,
    readonly redis: boolean,
    private readonly sessions: ReadonlyArray<StartedSession>,
  ) {}

  /** `count` reconnects one after another, round robin over the replicas; timed when `measured`. */
  async run(count: number, measured: boolean): Promise<void> {
    for (let made = 0; made < count; made += 1) {
      const index = this.calls;
      this.calls += 1;
      const session = this.sessions[index % this.sessions.length];
      if (session === undefined) throw new Error('no session to reconnect');
      const startedAt = hrtime.bigint();
      const outcome = await clientFor(this.fleet, index).reconnectStreamSession(
        {
          streamGroupIdentifier: FLEET_GROUP_ID,
          streamSessionIdentifier: session.id,
          signalRequest: `{"type":"offer","sdp":"v=0 admitted-${index}"}`,
        },
        { deadlineMs: 5000 },
      )();
      if (measured) {
        this.histogram.recordNanoseconds(hrtime.bigint() - startedAt);
        if (E.isLeft(outcome)) this.failed += 1;
      }
    }
  }

  result(): AdmittedCallResult {
    return { redis: this.redis, latency: this.histogram.summary(), failed: this.failed };
  }

  destroy(): void {
    this.histogram.destroy();
  }
}

/**
 * Reconnects one at a time, far below the quota, so each is admitted at once, on two fleets side by side: one
 * sharing its budgets through Redis, one whose replicas each hold theirs alone. The difference is what the shared
 * budget and the reconnect lease add to a call.
 */
export async function runAdmittedCalls(
  settings: FleetStormSettings,
  redis: RedisServer,
): Promise<ReadonlyArray<AdmittedCallResult>> {
  // A quota no call of this scenario comes near, in the budgets and in the emulator alike.
  const unreachedQuota = 10_000;
  return withFleet(settings, redis, unreachedQuota, (shared) =>
    withFleet(settings, undefined, unreachedQuota, async (alone) => {
      const subjects = [
        new AdmittedCallSubject(shared, true, await disconnectedSessions(shared, ADMITTED_CALL_SESSIONS, undefined)),
        new AdmittedCallSubject(alone, false, await disconnectedSessions(alone, ADMITTED_CALL_SESSIONS, undefined)),
      ];
      try {
        for (const subject of subjects) await subject.run(settings.warmUpCallsPerReplica * settings.replicas, false);
        const perRound = Math.ceil(settings.admittedCalls / ADMITTED_CALL_ROUNDS);
        for (let round = 0; round < ADMITTED_CALL_ROUNDS; round += 1) {
          const order = round % 2 === 0 ? subjects : [...subjects].reverse();
          for (const subject of order) await subject.run(perRound, true);
        }
        return subjects.map((subject) => subject.result());
      } finally {
        for (const subject of subjects) subject.destroy();
      }
    }),
  );
}
