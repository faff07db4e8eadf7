import { strict as assert } from 'node:assert';

import * as grpc from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';

import { ReconnectServiceClient, WatchEventType } from '../../src/gen/reconnect/v1/reconnect';
import { FLEET_GROUP_ID, FleetHarness } from '../support/fleet-harness';
import { RedisServer } from '../support/redis-server';
import { logMessageStartingWith, type ServiceProcess } from '../support/service-process';
import { expectRight } from '../support/task-either';
import { WatchRecorder } from '../support/watch-recorder';

const POLLING = 'watch feed: this replica polls the group';

/** One watcher per replica, each on its own grpc-js client, as matchmakers on several nodes would have. */
class FleetWatchers {
  private readonly clients: ReconnectServiceClient[];
  readonly recorders: ReadonlyArray<WatchRecorder>;

  constructor(replicas: ReadonlyArray<ServiceProcess>) {
    this.clients = replicas.map(
      (replica) => new ReconnectServiceClient(replica.grpcAddress, grpc.credentials.createInsecure()),
    );
    this.recorders = this.clients.map((client) => new WatchRecorder(client, { streamGroupIdentifier: FLEET_GROUP_ID }));
  }

  close(): void {
    for (const recorder of this.recorders) recorder.cancel();
    for (const client of this.clients) client.close();
  }
}

const polls = (replica: ServiceProcess): number => replica.logs.filter(logMessageStartingWith(POLLING)).length;

/** The emulator's arrival times of the ListStreamSessions calls for the fleet's group, oldest first. */
async function groupPolls(fleet: FleetHarness): Promise<ReadonlyArray<number>> {
  const { requests } = await expectRight(fleet.control.requests('ListStreamSessions'));
  return requests
    .filter(
      (request) => request.identifier === FLEET_GROUP_ID || request.identifier?.endsWith(`/${FLEET_GROUP_ID}`) === true,
    )
    .map((request) => Date.parse(request.at));
}

const eventsAbout = (recorder: WatchRecorder, arn: string): ReadonlyArray<WatchEventType> =>
  recorder.messages.filter((message) => message.session?.arn === arn).map((message) => message.type);

describe('WatchStreamSessions across a fleet sharing Redis', function () {
  this.timeout(120_000);
  let redis: RedisServer | undefined;

  before(async () => {
    redis = await RedisServer.start();
  });

  after(async () => {
    await redis?.stop();
  });

  it('polls a watched group once for subscribers on two replicas, and gives both the same snapshot', async () => {
    // An interval longer than the test: every poll it sees is a first poll, so the count says who polled.
    const fleet = await FleetHarness.start({
      replicas: 2,
      redis,
      ratePerSecond: 20,
      env: { RECONNECT_WATCH_POLL_INTERVAL_MS: '60000' },
    });
    const watchers = new FleetWatchers(fleet.replicas);
    try {
      const pending = await fleet.sessions(2);
      const before = await fleet.counters();
      const snapshots = await Promise.all(watchers.recorders.map((recorder) => recorder.snapshot()));
      const after = await fleet.counters();
      assert.equal(after.calls.ListStreamSessions - before.calls.ListStreamSessions, 1);
      for (const snapshot of snapshots) {
        assert.deepEqual(
          new Set(snapshot.map((message) => message.session?.arn)),
          new Set(pending.map((session) => session.arn)),
        );
      }
      assert.equal(
        fleet.replicas.map(polls).reduce((sum, count) => sum + count, 0),
        1,
      );
    } finally {
      watchers.close();
      await fleet.close();
    }
  });

  it('polls a watched group once per interval for subscribers on three replicas, interval after interval', async () => {
    const intervalMs = 300;
    const intervals = 10;
    const fleet = await FleetHarness.start({
      replicas: 3,
      redis,
      ratePerSecond: 20,
      env: { RECONNECT_WATCH_POLL_INTERVAL_MS: String(intervalMs) },
    });
    const watchers = new FleetWatchers(fleet.replicas);
    try {
      const pending = await fleet.sessions(2);
      const snapshots = await Promise.all(watchers.recorders.map((recorder) => recorder.snapshot()));
      for (const snapshot of snapshots) {
        assert.deepEqual(
          new Set(snapshot.map((message) => message.session?.arn)),
          new Set(pending.map((session) => session.arn)),
        );
      }
      // The window is read on the emulator's own arrival times, from the last poll before it: the wait is for the
      // first poll past its end, bounded, so a fleet that stopped polling fails rather than hangs.
      const start = (await groupPolls(fleet)).at(-1) ?? assert.fail('nobody polled the group');
      const end = start + intervals * intervalMs;
      let arrivals: ReadonlyArray<number> = [];
      for (let attempt = 0; attempt < 200 && !arrivals.some((at) => at > end); attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        arrivals = await groupPolls(fleet);
      }
      assert.ok(
        arrivals.some((at) => at > end),
        'the group is still polled after the window',
      );
      const inWindow = arrivals.filter((at) => at > start && at <= end).length;
      // One poller polls about once an interval; a second, polling beside it, would make it about twice as many.
      assert.ok(
        inWindow >= 1 && inWindow <= intervals + 2,
        `${inWindow} polls in ${intervals} intervals of ${intervalMs} ms`,
      );
    } finally {
      watchers.close();
      await fleet.close();
    }
  });

  it('moves the poll to another replica when the polling one is killed, losing and repeating nothing', async () => {
    const fleet = await FleetHarness.start({
      replicas: 3,
      redis,
      ratePerSecond: 20,
      env: { RECONNECT_WATCH_POLL_INTERVAL_MS: '300' },
    });
    const watchers = new FleetWatchers(fleet.replicas);
    try {
      await Promise.all(watchers.recorders.map((recorder) => recorder.snapshot()));
      const [before] = await fleet.sessions(1);
      assert.ok(before !== undefined);
      for (const recorder of watchers.recorders) {
        await recorder.event(WatchEventType.WATCH_EVENT_TYPE_DISCONNECTED, before.arn);
      }
      const holderIndex = fleet.replicas.findIndex((replica) => polls(replica) > 0);
      const holder = fleet.replicas[holderIndex] ?? assert.fail('no replica polls the group');
      holder.kill();
      await holder.exited();

      // A drop while nobody polls, then a reconnect of the first one: both reach the survivors once the lease moves.
      const [during] = await fleet.sessions(1);
      assert.ok(during !== undefined);
      const survivors = watchers.recorders.filter((_, index) => index !== holderIndex);
      const survivorClient =
        fleet.clients.find((_, index) => index !== holderIndex) ?? assert.fail('no replica survived');
      const reconnected = await survivorClient.reconnectStreamSession(
        { streamGroupIdentifier: FLEET_GROUP_ID, streamSessionIdentifier: before.arn, signalRequest: 'v=0 after-kill' },
        { deadlineMs: 30_000 },
      )();
      assert.ok(E.isRight(reconnected), 'the reconnect through a survivor failed');
      for (const recorder of survivors) {
        await recorder.event(WatchEventType.WATCH_EVENT_TYPE_DISCONNECTED, during.arn);
        await recorder.event(WatchEventType.WATCH_EVENT_TYPE_RECONNECTED, before.arn);
      }
      assert.equal(
        fleet.replicas.filter((replica, index) => index !== holderIndex && polls(replica) > 0).length,
        1,
        'exactly one survivor took the poll over',
      );
      for (const recorder of survivors) {
        assert.deepEqual(eventsAbout(recorder, before.arn), [
          WatchEventType.WATCH_EVENT_TYPE_DISCONNECTED,
          WatchEventType.WATCH_EVENT_TYPE_RECONNECTED,
        ]);
        assert.deepEqual(eventsAbout(recorder, during.arn), [WatchEventType.WATCH_EVENT_TYPE_DISCONNECTED]);
      }
    } finally {
      watchers.close();
      await fleet.close();
    }
  });
});
