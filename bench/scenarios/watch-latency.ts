import { hrtime } from 'node:process';

import * as E from 'fp-ts/Either';

import { WatchEventType } from '../../src/gen/reconnect/v1/reconnect';
import type { StartedSession } from '../../test/support/disconnected-sessions';
import { FLEET_GROUP_ID, FleetHarness } from '../../test/support/fleet-harness';
import type { RedisServer } from '../../test/support/redis-server';
import { expectRight } from '../../test/support/task-either';
import { LatencyHistogram, type LatencySummary } from '../load/latency-histogram';

export interface WatchLatencySettings {
  readonly replicas: number;
  /** Sessions in the watched group, all connected at first; each drops once. */
  readonly sessions: number;
  /** Drops per second, paced. */
  readonly dropsPerSecond: number;
  /** Every budget's rate and the emulator's quota, for CreateStreamSessionConnection and GetStreamSession. */
  readonly ratePerSecond: number;
  /** ListStreamSessions: the service's default budget and the emulator's default quota. */
  readonly listRatePerSecond: number;
  readonly pollIntervalMs: number;
  /** How long the last drop may take to reach every subscriber before it counts as missed. */
  readonly settleMs: number;
}

export interface WatchLatencyResult {
  readonly replicas: number;
  readonly sessions: number;
  readonly dropsPerSecond: number;
  readonly pollIntervalMs: number;
  /** From the drop (the emulator's control call starting) to DISCONNECTED at a subscriber, over every subscriber. */
  readonly latency: LatencySummary;
  /** Drops some subscriber never heard of (each subscriber counts its own). */
  readonly missed: number;
  /** DISCONNECTED messages for a session a subscriber had already heard drop. */
  readonly repeated: number;
  readonly reconnected: number;
  readonly listCalls: number;
  readonly listThrottles: number;
  readonly otherThrottles: number;
  readonly durationMs: number;
  /** The statuses of streams that ended before the run did (none when all is well). */
  readonly streamsEndedEarly: ReadonlyArray<string>;
}

const SESSIONS_PER_SET_UP_BATCH = 100;

async function connectedSessions(fleet: FleetHarness, count: number): Promise<ReadonlyArray<StartedSession>> {
  const sessions: StartedSession[] = [];
  while (sessions.length < count) {
    sessions.push(...(await fleet.connectedSessions(Math.min(SESSIONS_PER_SET_UP_BATCH, count - sessions.length))));
  }
  return sessions;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The matchmaker's view of a stream group as production has it: three replicas sharing Redis, one subscriber on each,
 * a group of connected sessions that drop one by one at a steady pace, and the first subscriber reconnecting each
 * drop as a matchmaker would (so the pending set stays what a working matchmaker leaves). What is measured is how long
 * each drop takes to reach each subscriber, and how many ListStreamSessions calls the whole fleet made for it.
 */
export async function runWatchLatency(settings: WatchLatencySettings, redis: RedisServer): Promise<WatchLatencyResult> {
  const fleet = await FleetHarness.start({
    replicas: settings.replicas,
    redis,
    ratePerSecond: settings.ratePerSecond,
    env: {
      RECONNECT_RATE_LIST_STREAM_SESSIONS: String(settings.listRatePerSecond),
      RECONNECT_WATCH_POLL_INTERVAL_MS: String(settings.pollIntervalMs),
    },
  });
  const histogram = new LatencyHistogram();
  const subscriptions = new AbortController();
  try {
    const sessions = await connectedSessions(fleet, settings.sessions);
    await fleet.quota(settings.ratePerSecond, ['CreateStreamSessionConnection', 'GetStreamSession']);
    await fleet.quota(settings.listRatePerSecond, ['ListStreamSessions']);
    const droppedAt = new Map<string, bigint>();
    const heard = fleet.clients.map(() => new Set<string>());
    let repeated = 0;
    let reconnected = 0;
    const reconnects: Array<Promise<void>> = [];
    let snapshotsComplete = 0;
    const streamsEndedEarly: string[] = [];
    const allSnapshotsComplete = new Promise<void>((resolve) => {
      const streams = fleet.clients.map((client, index) =>
        client.watchStreamSessions(
          { streamGroupIdentifier: FLEET_GROUP_ID, statuses: [] },
          (event) => {
            if (event.type === WatchEventType.WATCH_EVENT_TYPE_SNAPSHOT_COMPLETE) {
              snapshotsComplete += 1;
              if (snapshotsComplete === fleet.clients.length) resolve();
              return;
            }
            if (event.type !== WatchEventType.WATCH_EVENT_TYPE_DISCONNECTED || event.session === undefined) return;
            const arn = event.session.arn;
            const dropped = droppedAt.get(arn);
            const heardHere = heard[index];
            if (dropped === undefined || heardHere === undefined) return;
            if (heardHere.has(arn)) {
              repeated += 1;
              return;
            }
            heardHere.add(arn);
            histogram.recordNanoseconds(hrtime.bigint() - dropped);
            if (index === 0) {
              reconnects.push(
                client
                  .reconnectStreamSession(
                    {
                      streamGroupIdentifier: FLEET_GROUP_ID,
                      streamSessionIdentifier: arn,
                      signalRequest: `{"type":"offer","sdp":"v=0 ${arn}"}`,
                    },
                    { deadlineMs: 30_000 },
                  )()
                  .then((outcome) => {
                    if (E.isRight(outcome)) reconnected += 1;
                  }),
              );
            }
          },
          { signal: subscriptions.signal },
        )(),
      );
      for (const stream of streams) {
        void stream.then((ended) => {
          if (!subscriptions.signal.aborted) streamsEndedEarly.push(`${ended.codeName}: ${ended.message}`);
        });
      }
    });
    await Promise.race([allSnapshotsComplete, pause(30_000)]);
    const before = await fleet.counters();
    const started = Date.now();
    const intervalMs = 1000 / settings.dropsPerSecond;
    // Paced drops, bounded by the session count: the n-th drop starts n intervals after the first.
    for (const [index, session] of sessions.entries()) {
      const due = started + index * intervalMs;
      if (due > Date.now()) await pause(due - Date.now());
      droppedAt.set(session.arn, hrtime.bigint());
      await expectRight(fleet.control.setClient(FLEET_GROUP_ID, session.id, 'drop'));
    }
    const everyoneHeard = (): boolean => heard.every((set) => set.size === sessions.length);
    const settleBy = Date.now() + settings.settleMs;
    while (!everyoneHeard() && Date.now() < settleBy) await pause(50);
    const durationMs = Date.now() - started;
    await Promise.all(reconnects);
    const after = await fleet.counters();
    const throttledSince = (operation: keyof typeof after.throttled): number =>
      after.throttled[operation] - before.throttled[operation];
    return {
      replicas: settings.replicas,
      sessions: settings.sessions,
      dropsPerSecond: settings.dropsPerSecond,
      pollIntervalMs: settings.pollIntervalMs,
      latency: histogram.summary(),
      missed: heard.reduce((sum, set) => sum + (sessions.length - set.size), 0),
      repeated,
      reconnected,
      listCalls: after.calls.ListStreamSessions - before.calls.ListStreamSessions,
      listThrottles: throttledSince('ListStreamSessions'),
      otherThrottles: throttledSince('CreateStreamSessionConnection') + throttledSince('GetStreamSession'),
      durationMs,
      streamsEndedEarly,
    };
  } finally {
    subscriptions.abort();
    histogram.destroy();
    await fleet.close();
  }
}
