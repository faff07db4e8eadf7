import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';

import { createClient } from '@redis/client';
import * as E from 'fp-ts/Either';

import { realScheduler, type Scheduler } from '../../src/domain/admission';
import {
  watchedGroupKey,
  type FeedEnd,
  type FeedListener,
  type GroupPollerEvents,
  type SessionChange,
  type StartGroupPoller,
  type StreamGroupFeeds,
  type WatchedGroup,
  type WatchedSession,
} from '../../src/domain/watch-feed';
import { Fleet } from '../../src/fleet/fleet';
import type { FleetFeeds } from '../../src/fleet/fleet-feeds';
import { FleetKeys } from '../../src/fleet/fleet-keys';
import { CapturedLogs } from '../support/captured-logs';
import { PausableScheduler } from '../support/pausable-scheduler';
import { RedisServer } from '../support/redis-server';
import { eventually } from '../support/eventually';
import { RecordingFleetObserver } from '../support/recording-fleet-observer';

/** What one subscriber heard. */
class RecordingListener implements FeedListener {
  readonly snapshots: Array<ReadonlyArray<WatchedSession>> = [];
  readonly changes: SessionChange[] = [];
  readonly ends: FeedEnd[] = [];
  snapshot(pending: ReadonlyArray<WatchedSession>): void {
    this.snapshots.push(byArn(pending));
  }
  change(change: SessionChange): void {
    this.changes.push(change);
  }
  end(reason: FeedEnd): void {
    this.ends.push(reason);
  }
}

/** One start of a group's poller, on some replica, driven by the test. */
interface PollerRun {
  readonly replica: string;
  readonly group: WatchedGroup;
  readonly events: GroupPollerEvents;
  readonly known: ReadonlyArray<WatchedSession> | undefined;
  stopped: boolean;
}

/** Every poller the replicas start, in order: the test reports for them what a real poller would find. */
class FakePollers {
  readonly runs: PollerRun[] = [];
  startOn(replica: string): StartGroupPoller {
    return (group, events, known) => {
      const run: PollerRun = {
        replica,
        group,
        events,
        known: known === undefined ? undefined : byArn(known),
        stopped: false,
      };
      this.runs.push(run);
      return () => {
        run.stopped = true;
      };
    };
  }
  running(): PollerRun[] {
    return this.runs.filter((run) => !run.stopped);
  }
  last(): PollerRun {
    return this.runs[this.runs.length - 1] ?? assert.fail('no poller started');
  }
}

/** One subscription the fleet's feeds gave to the process's own. */
interface FallbackSubscription {
  readonly group: WatchedGroup;
  readonly listener: FeedListener;
  unsubscribed: boolean;
}

/** The process's own feeds, as far as the fleet's need them: who was sent there, and whether they were closed. */
class RecordingFallback implements StreamGroupFeeds {
  readonly subscriptions: FallbackSubscription[] = [];
  closed = false;
  subscribe(group: WatchedGroup, listener: FeedListener): () => void {
    const subscription: FallbackSubscription = { group, listener, unsubscribed: false };
    this.subscriptions.push(subscription);
    return () => {
      subscription.unsubscribed = true;
    };
  }
  /** Ends one feed, as the process's own feeds would when its poller stops: that subscriber is gone. */
  end(subscription: FallbackSubscription, reason: FeedEnd): void {
    subscription.unsubscribed = true;
    subscription.listener.end(reason);
  }
  /** Those still subscribed. */
  current(): FallbackSubscription[] {
    return this.subscriptions.filter((subscription) => !subscription.unsubscribed);
  }
  close(): Promise<void> {
    this.closed = true;
    for (const subscription of this.current()) {
      subscription.unsubscribed = true;
      subscription.listener.end({ _tag: 'ShuttingDown' });
    }
    return Promise.resolve();
  }
}

function plainClient(url: string) {
  return createClient({ url });
}
type PlainClient = ReturnType<typeof plainClient>;

interface Replica {
  readonly name: string;
  readonly prefix: string;
  readonly fleet: Fleet;
  readonly feeds: FleetFeeds;
  readonly fallback: RecordingFallback;
  readonly logs: CapturedLogs;
  readonly observer: RecordingFleetObserver;
}

function byArn(sessions: ReadonlyArray<WatchedSession>): ReadonlyArray<WatchedSession> {
  return [...sessions].sort((a, b) => a.arn.localeCompare(b.arn));
}

function session(name: string): WatchedSession {
  return {
    arn: `arn:aws:gameliftstreams:us-west-2:111122223333:streamsession/sg-watch/${name}`,
    status: 'PENDING_CLIENT_RECONNECTION',
    statusReason: undefined,
    lastUpdatedAt: new Date('2026-12-03T06:00:00.000Z'),
    windowEndsAt: new Date('2026-12-03T06:02:00.000Z'),
  };
}

const S1 = session('ss-1');
const S2 = session('ss-2');
const S3 = session('ss-3');

function disconnected(watched: WatchedSession): SessionChange {
  return { _tag: 'Disconnected', session: watched };
}
function reconnected(watched: WatchedSession): SessionChange {
  return { _tag: 'Reconnected', session: { ...watched, status: 'CONNECTED', windowEndsAt: undefined } };
}
function ended(watched: WatchedSession): SessionChange {
  return { _tag: 'Ended', session: { ...watched, status: 'TERMINATED', statusReason: 'idleTimeout' } };
}

describe('the fleet: watch feeds shared through a real Redis', function () {
  this.timeout(30_000);
  let redis: RedisServer;
  let pollers: FakePollers;
  let group: WatchedGroup;
  const replicas: Replica[] = [];

  before(async () => {
    redis = await RedisServer.start();
  });
  after(async () => {
    await redis.stop();
  });
  beforeEach(() => {
    pollers = new FakePollers();
    group = { region: 'us-west-2', streamGroupId: `sg-${randomUUID().slice(0, 8)}` };
  });
  afterEach(async () => {
    for (const replica of replicas.splice(0)) await replica.fleet.stop();
  });

  /** A replica of the fleet that shares `prefix`, with a poll interval of 100 ms and reads every 20 ms. */
  async function replica(prefix: string, scheduler: Scheduler = realScheduler): Promise<Replica> {
    const name = `replica-${replicas.length + 1}`;
    const logs = new CapturedLogs();
    const observer = new RecordingFleetObserver();
    const fleet = new Fleet(
      {
        url: redis.url,
        passwordFile: undefined,
        keyPrefix: prefix,
        callTimeoutMs: 250,
        maxReplicas: 3,
        cooldownMs: 300,
        rates: { CreateStreamSessionConnection: 10, GetStreamSession: 10, ListStreamSessions: 10 },
        burst: 1,
        queueLimit: 10,
        reserveMs: 0,
      },
      logs.logger,
      observer,
      scheduler,
    );
    assert.deepEqual(await fleet.start(), E.right(undefined));
    const fallback = new RecordingFallback();
    const feeds = fleet.feeds(
      pollers.startOn(name),
      fallback,
      { pollIntervalMs: 100, readIntervalMs: 20, streamLength: 10_000, keyTtlMs: 60_000 },
      (defect) => assert.fail(`a listener threw: ${String(defect)}`),
    );
    const started = { name, prefix, fleet, feeds, fallback, logs, observer };
    replicas.push(started);
    return started;
  }

  async function fleetOf(count: number): Promise<Replica[]> {
    const prefix = `watch-${randomUUID().slice(0, 8)}`;
    const started: Replica[] = [];
    for (let index = 0; index < count; index += 1) started.push(await replica(prefix));
    return started;
  }

  function replicaNamed(name: string): Replica {
    return replicas.find((candidate) => candidate.name === name) ?? assert.fail(`no replica ${name}`);
  }

  /** Runs `use` with a plain client of the test's own on the same Redis. */
  async function withRedis<T>(use: (client: PlainClient) => Promise<T>): Promise<T> {
    const client = plainClient(redis.url);
    await client.connect();
    try {
      return await use(client);
    } finally {
      client.destroy();
    }
  }

  function keysOf(prefix: string): FleetKeys {
    return new FleetKeys(prefix);
  }

  /** Two replicas, a subscriber on each, and the one poller they share, once it has started. */
  async function twoWatching(): Promise<{
    readonly a: Replica;
    readonly b: Replica;
    readonly onA: RecordingListener;
    readonly onB: RecordingListener;
    readonly run: PollerRun;
  }> {
    const [a, b] = await fleetOf(2);
    assert.ok(a !== undefined && b !== undefined);
    const onA = new RecordingListener();
    const onB = new RecordingListener();
    a.feeds.subscribe(group, onA);
    b.feeds.subscribe(group, onB);
    await eventually(() => pollers.runs.length === 1, 'a poller starts');
    return { a, b, onA, onB, run: pollers.last() };
  }

  /** The same, once the poller's first poll found `pending` and both subscribers have it as their snapshot. */
  async function twoWithSnapshot(pending: ReadonlyArray<WatchedSession>): ReturnType<typeof twoWatching> {
    const watching = await twoWatching();
    watching.run.events.ready(pending);
    await eventually(
      () => watching.onA.snapshots.length === 1 && watching.onB.snapshots.length === 1,
      'both have a snapshot',
    );
    return watching;
  }

  it('polls a group on one replica while subscribers on two listen, and gives both the same snapshot and changes', async () => {
    const [a, b] = await fleetOf(2);
    assert.ok(a !== undefined && b !== undefined);
    const onA = new RecordingListener();
    const onB = new RecordingListener();
    a.feeds.subscribe(group, onA);
    b.feeds.subscribe(group, onB);
    await eventually(() => pollers.runs.length > 0, 'a poller starts');
    const run = pollers.last();
    assert.equal(run.known, undefined, 'nothing known of a group nobody watched');
    assert.deepEqual(run.group, group);

    run.events.ready([S2, S1]);
    await eventually(() => onA.snapshots.length === 1 && onB.snapshots.length === 1, 'both have a snapshot');
    assert.deepEqual(onA.snapshots, [[S1, S2]]);
    assert.deepEqual(onB.snapshots, [[S1, S2]]);

    const changes = [disconnected(S3), reconnected(S1), ended(S2)];
    for (const change of changes) run.events.change(change);
    await eventually(() => onA.changes.length === 3 && onB.changes.length === 3, 'both hear every change');
    assert.deepEqual(onA.changes, changes);
    assert.deepEqual(onB.changes, changes);

    const late = new RecordingListener();
    b.feeds.subscribe(group, late);
    assert.deepEqual(late.snapshots, [[S3]], 'a later subscriber has the pending set as it stands, at once');

    const claims = (): number => a.observer.count('watch-claim') + b.observer.count('watch-claim');
    const claimed = claims();
    await eventually(() => claims() >= claimed + 10, 'both replicas keep claiming, five poll intervals each');
    assert.equal(pollers.runs.length, 1, 'one poller for the group in the whole fleet');
    assert.equal(pollers.running().length, 1);
    assert.deepEqual([onA.ends, onB.ends, late.ends], [[], [], []]);
    const holder = replicaNamed(run.replica);
    assert.match(holder.logs.text(), /watch feed: this replica polls the group/);
  });

  it('carries a storm of changes to every replica in order, whatever the batches', async () => {
    const { a, onA, onB, run } = await twoWithSnapshot([]);
    const storm = Array.from({ length: 1200 }, (_, index) => disconnected(session(`ss-storm-${index}`)));
    for (const change of storm) run.events.change(change);
    await eventually(() => onA.changes.length === storm.length && onB.changes.length === storm.length, 'all arrive');
    assert.deepEqual(onA.changes, storm);
    assert.deepEqual(onB.changes, storm);
    const late = new RecordingListener();
    a.feeds.subscribe(group, late);
    assert.equal(late.snapshots[0]?.length, storm.length);
  });

  it('moves the poll to another replica when the polling one stops, from the pending set, losing or repeating nothing', async () => {
    const [a, b] = await fleetOf(2);
    assert.ok(a !== undefined && b !== undefined);
    const listeners = new Map([
      [a.name, new RecordingListener()],
      [b.name, new RecordingListener()],
    ]);
    for (const replicaOf of [a, b]) replicaOf.feeds.subscribe(group, listeners.get(replicaOf.name) ?? assert.fail());
    await eventually(() => pollers.runs.length > 0, 'a poller starts');
    const first = pollers.last();
    const holder = replicaNamed(first.replica);
    const other = first.replica === a.name ? b : a;
    const onHolder = listeners.get(holder.name) ?? assert.fail();
    const onOther = listeners.get(other.name) ?? assert.fail();
    first.events.ready([S1]);
    await eventually(() => onOther.snapshots.length === 1 && onHolder.snapshots.length === 1, 'both have a snapshot');
    first.events.change(disconnected(S2));
    await eventually(() => onOther.changes.length === 1 && onHolder.changes.length === 1, 'both hear the drop');

    await holder.feeds.close();
    assert.deepEqual(onHolder.ends, [{ _tag: 'ShuttingDown' }]);
    assert.ok(first.stopped, 'its poller stopped');
    assert.ok(holder.fallback.closed);
    await eventually(() => pollers.runs.length === 2, 'another replica takes the poll over');
    const second = pollers.last();
    assert.equal(second.replica, other.name);
    assert.deepEqual(second.known, [S1, S2], 'it starts from the pending set in Redis');

    second.events.change(ended(S1));
    second.events.ready([S2]);
    await eventually(() => onOther.changes.length === 2, 'the change after the takeover arrives');
    assert.deepEqual(onOther.snapshots, [[S1]]);
    assert.deepEqual(onOther.changes, [disconnected(S2), ended(S1)], 'nothing lost, nothing repeated');
    assert.deepEqual(onOther.ends, []);
    assert.match(holder.logs.text(), /watch feed: this replica stopped polling the group/);
    assert.match(other.logs.text(), /watch feed: this replica polls the group/);
  });

  it('moves the poll when the polling replica stops renewing without letting go, and fences it should it wake', async () => {
    const prefix = `watch-${randomUUID().slice(0, 8)}`;
    const frozenClock = new PausableScheduler();
    const frozen = await replica(prefix, frozenClock);
    const live = await replica(prefix);
    frozen.feeds.subscribe(group, new RecordingListener());
    await eventually(() => pollers.runs.length === 1, 'the first replica polls');
    const first = pollers.last();
    assert.equal(first.replica, frozen.name);
    const onLive = new RecordingListener();
    live.feeds.subscribe(group, onLive);
    first.events.ready([S1]);
    await eventually(() => onLive.snapshots.length === 1, 'the other replica has its snapshot');
    first.events.change(disconnected(S2));
    await eventually(() => onLive.changes.length === 1, 'the other replica hears the drop');

    // From here nothing it scheduled runs: it renews nothing, as a process paused or dead.
    frozenClock.pause();
    await eventually(() => pollers.runs.length === 2, 'the lease lapses and the other replica takes it');
    const second = pollers.last();
    assert.equal(second.replica, live.name);
    assert.deepEqual(second.known, [S1, S2]);

    // It wakes and reports what it saw meanwhile: its lease is another's, so nothing it says reaches anyone.
    first.events.change(ended(S1));
    await eventually(() => first.stopped, 'the paused replica finds its lease gone, and stops its poller');
    assert.match(frozen.logs.text(), /its lease lapsed before it could publish/);
    second.events.change(reconnected(S2));
    await eventually(() => onLive.changes.length === 2, 'the new poller is heard');
    assert.deepEqual(onLive.snapshots, [[S1]]);
    assert.deepEqual(onLive.changes, [disconnected(S2), reconnected(S2)]);
    assert.deepEqual(onLive.ends, []);

    await frozen.fleet.stop();
    assert.equal(frozenClock.pendingTimers(), 0, 'no timer left once the replica stopped');
    frozenClock.resume();
  });

  it('stops polling and lets the lease go when the last subscriber of a replica leaves', async () => {
    const [a, b] = await fleetOf(2);
    assert.ok(a !== undefined && b !== undefined);
    const onA = new RecordingListener();
    const unsubscribe = a.feeds.subscribe(group, onA);
    await eventually(() => pollers.runs.length === 1, 'a poller starts');
    const first = pollers.last();
    assert.equal(first.replica, a.name);
    first.events.ready([S1]);
    await eventually(() => onA.snapshots.length === 1, 'the subscriber has its snapshot');

    unsubscribe();
    unsubscribe();
    assert.ok(first.stopped, 'the poller stops with the last subscriber');
    assert.equal(a.feeds.watchedGroups(), 0);
    const lease = keysOf(a.prefix).watchLease(watchedGroupKey(group));
    await eventually(() => withRedis(async (client) => (await client.get(lease)) === null), 'the lease is let go');
    first.events.change(disconnected(S2));
    assert.deepEqual(onA.changes, [], 'nothing after unsubscribing');

    const onB = new RecordingListener();
    b.feeds.subscribe(group, onB);
    await eventually(() => pollers.runs.length === 2, 'the next subscriber, elsewhere, starts a poller');
    assert.equal(pollers.last().replica, b.name);
    assert.deepEqual(pollers.last().known, [S1]);
    await eventually(() => onB.snapshots.length === 1, 'its snapshot');
    assert.deepEqual(onB.snapshots, [[S1]]);
  });

  it('passes the end of a group’s feed to every replica’s subscribers, and polls it no more', async () => {
    const { a, b, onA, onB, run: first } = await twoWithSnapshot([]);
    first.events.end({ _tag: 'PollsFailing', detail: 'ThrottlingException' });
    await eventually(() => onA.ends.length === 1 && onB.ends.length === 1, 'both feeds end');
    assert.deepEqual(onA.ends, [{ _tag: 'PollsFailing', detail: 'ThrottlingException' }]);
    assert.deepEqual(onB.ends, onA.ends);
    await eventually(
      () => a.feeds.watchedGroups() === 0 && b.feeds.watchedGroups() === 0,
      'neither replica watches the group',
    );
    assert.equal(pollers.runs.length, 1, 'nobody polls it again');
  });

  it('ends a subscriber with FeedGap when changes it had not read were trimmed, and a resubscriber starts afresh', async () => {
    const prefix = `watch-${randomUUID().slice(0, 8)}`;
    const polling = await replica(prefix);
    const readerClock = new PausableScheduler();
    const reader = await replica(prefix, readerClock);
    const onPolling = new RecordingListener();
    polling.feeds.subscribe(group, onPolling);
    await eventually(() => pollers.runs.length === 1, 'a poller starts');
    const run = pollers.last();
    run.events.ready([]);
    await eventually(() => onPolling.snapshots.length === 1, 'the polling replica has its snapshot');

    const onReader = new RecordingListener();
    reader.feeds.subscribe(group, onReader);
    await eventually(() => onReader.snapshots.length === 1, 'the reader has its snapshot');

    // The reader reads nothing until the changes it has not read are trimmed.
    readerClock.pause();
    for (const watched of [S1, S2, S3]) run.events.change(disconnected(watched));
    await eventually(() => onPolling.changes.length === 3, 'the polling replica reads them');
    const changes = keysOf(prefix).watchChanges(watchedGroupKey(group));
    await withRedis((client) => client.xTrim(changes, 'MAXLEN', 1));
    readerClock.resume();
    await eventually(() => onReader.ends.length === 1, 'the reader sees the gap');
    assert.deepEqual(onReader.ends, [{ _tag: 'FeedGap' }]);
    assert.deepEqual(onReader.changes, [], 'nothing out of order');

    const again = new RecordingListener();
    reader.feeds.subscribe(group, again);
    await eventually(() => again.snapshots.length === 1, 'a resubscriber has a fresh snapshot');
    assert.deepEqual(again.snapshots, [[S1, S2, S3]]);
    assert.equal(pollers.runs.length, 1);
  });

  it('ends the feed with FeedGap at an entry it cannot read, and goes on', async () => {
    const { a, onA, onB } = await twoWithSnapshot([S1]);
    const changes = keysOf(a.prefix).watchChanges(watchedGroupKey(group));
    await withRedis(async (client) => {
      const [last] = (await client.xRevRange(changes, '+', '-', { COUNT: 1 })) ?? [];
      const seq = Number(last?.message.seq ?? '0') + 1;
      await client.xAdd(changes, '*', { seq: String(seq), kind: 'change', body: '{"_tag":"Vanished"}' });
    });
    await eventually(() => onA.ends.length === 1 && onB.ends.length === 1, 'both feeds end');
    assert.deepEqual([onA.ends, onB.ends], [[{ _tag: 'FeedGap' }], [{ _tag: 'FeedGap' }]]);
    assert.equal(a.fleet.mode(), 'shared', 'a bad entry is no Redis outage');
  });

  it('ends every feed with ShuttingDown at close, and refuses subscribers after', async () => {
    const [a] = await fleetOf(1);
    assert.ok(a !== undefined);
    const onA = new RecordingListener();
    a.feeds.subscribe(group, onA);
    await eventually(() => pollers.runs.length === 1, 'a poller starts');
    await a.feeds.close();
    await a.feeds.close();
    assert.deepEqual(onA.ends, [{ _tag: 'ShuttingDown' }]);
    assert.ok(pollers.last().stopped);
    const late = new RecordingListener();
    a.feeds.subscribe(group, late);
    assert.deepEqual(late.ends, [{ _tag: 'ShuttingDown' }]);
    const lease = keysOf(a.prefix).watchLease(watchedGroupKey(group));
    assert.equal(await withRedis((client) => client.get(lease)), null, 'its lease was let go');
  });

  it('ends Redis-fed feeds with FeedGap when Redis goes away, serves new subscribers locally, and shares again', async () => {
    const { a, onA, onB, run: first } = await twoWithSnapshot([S1]);
    await redis.kill();
    try {
      await eventually(() => onA.ends.length === 1 && onB.ends.length === 1, 'both feeds end');
      assert.deepEqual([onA.ends, onB.ends], [[{ _tag: 'FeedGap' }], [{ _tag: 'FeedGap' }]]);
      assert.ok(first.stopped, 'nobody polls through a Redis that is gone');
      assert.notEqual(a.fleet.mode(), 'shared');
      const resubscribed = new RecordingListener();
      a.feeds.subscribe(group, resubscribed);
      assert.equal(a.fallback.current().length, 1, 'the process’s own feed serves it');
      a.fallback.current()[0]?.listener.snapshot([S1]);
      assert.deepEqual(resubscribed.snapshots, [[S1]]);
    } finally {
      await redis.restart();
    }
    await eventually(() => a.fleet.mode() === 'shared', 'the replica shares again');
    const again = new RecordingListener();
    a.feeds.subscribe(group, again);
    await eventually(() => pollers.runs.length === 2, 'a poller starts again, through Redis');
    pollers.last().events.ready([S2]);
    await eventually(() => again.snapshots.length === 1, 'its snapshot, from Redis');
    assert.deepEqual(again.snapshots, [[S2]]);
  });
  it('serves no stale pending set after the group went unwatched, and its next holder polls it afresh', async () => {
    const [a, b] = await fleetOf(2);
    assert.ok(a !== undefined && b !== undefined);
    const unsubscribe = a.feeds.subscribe(group, new RecordingListener());
    await eventually(() => pollers.runs.length === 1, 'a poller starts');
    pollers.last().events.ready([S1]);
    pollers.last().events.change(disconnected(S2));
    const pendingKey = keysOf(a.prefix).watchPending(watchedGroupKey(group));
    await eventually(
      () => withRedis(async (client) => (await client.hLen(pendingKey)) === 3),
      'the set and its drop are published',
    );
    unsubscribe();
    const lease = keysOf(a.prefix).watchLease(watchedGroupKey(group));
    await eventually(() => withRedis(async (client) => (await client.get(lease)) === null), 'the lease is let go');
    // A minute with nobody polling, as if it had passed: S1 and S2 may have ended unseen meanwhile.
    await withRedis(async (client) => {
      const stamp = Number(await client.hGet(pendingKey, '~ready'));
      await client.hSet(pendingKey, '~ready', String(stamp - 60_000));
    });

    const onA = new RecordingListener();
    const onB = new RecordingListener();
    b.feeds.subscribe(group, onB);
    a.feeds.subscribe(group, onA);
    await eventually(() => pollers.runs.length === 2, 'a replica takes the poll');
    const second = pollers.last();
    assert.equal(second.known, undefined, 'its poller starts from nothing, not from the stale set');
    const stateReads = (): number => a.observer.count('watch-state') + b.observer.count('watch-state');
    const read = stateReads();
    await eventually(() => stateReads() >= read + 6, 'both replicas read the group’s state again, a few times');
    assert.deepEqual([onA.snapshots, onB.snapshots], [[], []], 'both wait for a fresh first poll');

    second.events.ready([S3]);
    await eventually(() => onA.snapshots.length === 1 && onB.snapshots.length === 1, 'both have a snapshot');
    assert.deepEqual([onA.snapshots, onB.snapshots], [[[S3]], [[S3]]]);
    assert.deepEqual([onA.ends, onB.ends], [[], []]);
  });

  it('moves the subscribers the process’s own feeds served onto the shared feed once Redis is back', async () => {
    const [a] = await fleetOf(1);
    assert.ok(a !== undefined);
    const servedLocally = new RecordingListener();
    const endedLocally = new RecordingListener();
    await redis.kill();
    try {
      await eventually(() => a.fleet.mode() !== 'shared', 'the replica finds Redis gone');
      a.feeds.subscribe(group, servedLocally);
      a.feeds.subscribe(group, endedLocally);
      const [served, ended] = a.fallback.current();
      assert.ok(served !== undefined && ended !== undefined, 'the process’s own feeds serve both');
      served.listener.snapshot([S1]);
      served.listener.change(disconnected(S2));
      a.fallback.end(ended, { _tag: 'PollsFailing', detail: 'ThrottlingException' });
    } finally {
      await redis.restart();
    }
    await eventually(() => servedLocally.ends.length === 1, 'the stream served locally ends once the fleet shares');
    assert.equal(a.fleet.mode(), 'shared');
    assert.deepEqual(servedLocally.ends, [{ _tag: 'FeedGap' }]);
    assert.deepEqual(servedLocally.snapshots, [[S1]]);
    assert.deepEqual(servedLocally.changes, [disconnected(S2)]);
    assert.deepEqual(endedLocally.ends, [{ _tag: 'PollsFailing', detail: 'ThrottlingException' }], 'ended once');
    assert.deepEqual(a.fallback.current(), [], 'the process’s own feeds serve nobody now, so poll nothing');

    const resubscribed = new RecordingListener();
    a.feeds.subscribe(group, resubscribed);
    await eventually(() => pollers.runs.length === 1, 'the group is polled through Redis');
    pollers.last().events.ready([S2]);
    await eventually(() => resubscribed.snapshots.length === 1, 'its snapshot, from Redis');
    assert.deepEqual(resubscribed.snapshots, [[S2]]);
    assert.equal(a.fallback.subscriptions.length, 2, 'the resubscriber is not served locally');
  });
});
