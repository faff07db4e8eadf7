import { strict as assert } from 'node:assert';

import * as E from 'fp-ts/Either';

import type { Caller } from '../../../src/domain/call-context';
import { LocalFeeds } from '../../../src/domain/local-feeds';
import type { WatchEnded } from '../../../src/domain/outcomes';
import { WatchStreams, type WatchListener } from '../../../src/domain/watch';
import type {
  FeedEnd,
  FeedListener,
  GroupPollerEvents,
  SessionChange,
  WatchedGroup,
  WatchedSession,
} from '../../../src/domain/watch-feed';

const GROUP: WatchedGroup = { region: 'us-west-2', streamGroupId: 'sg-1AB2C3De4' };
const OTHER: WatchedGroup = { region: 'us-west-2', streamGroupId: 'sg-other' };

const session = (id: string, status: string | undefined = 'PENDING_CLIENT_RECONNECTION'): WatchedSession => ({
  arn: `arn:aws:gameliftstreams:us-west-2:111122223333:streamsession/sg-1AB2C3De4/${id}`,
  status,
  statusReason: undefined,
  lastUpdatedAt: undefined,
  windowEndsAt: undefined,
});

/** For feeds whose listeners never throw: one that does fails the test. */
const noDefect = (defect: unknown): void => assert.fail(`a listener threw: ${String(defect)}`);

/** A poller starter that records each poller, so the test can speak for it and see whether it was stopped. */
function scriptedPollers() {
  const pollers: Array<{ readonly group: WatchedGroup; readonly events: GroupPollerEvents; stopped: boolean }> = [];
  const start = (group: WatchedGroup, events: GroupPollerEvents): (() => void) => {
    const poller = { group, events, stopped: false };
    pollers.push(poller);
    return () => {
      poller.stopped = true;
    };
  };
  return { pollers, start };
}

/** What one listener heard, in order. */
function recording() {
  const heard: string[] = [];
  const listener: FeedListener = {
    snapshot: (pending) => void heard.push(`snapshot ${pending.length}`),
    change: (change) => void heard.push(`${change._tag} ${change.session.arn.split('/').pop() ?? ''}`),
    end: (reason) => void heard.push(`end ${reason._tag}`),
  };
  return { heard, listener };
}

describe('LocalFeeds', () => {
  it('runs one poller per watched group, and stops it when the last subscriber leaves', () => {
    const { pollers, start } = scriptedPollers();
    const feeds = new LocalFeeds(start, noDefect);
    const leaveA = feeds.subscribe(GROUP, recording().listener);
    const leaveB = feeds.subscribe(GROUP, recording().listener);
    const leaveOther = feeds.subscribe(OTHER, recording().listener);
    assert.equal(pollers.length, 2);
    assert.equal(feeds.watchedGroups(), 2);
    leaveA();
    assert.equal(pollers[0]?.stopped, false);
    leaveB();
    leaveB();
    assert.equal(pollers[0]?.stopped, true);
    assert.equal(feeds.watchedGroups(), 1);
    leaveOther();
    assert.equal(pollers[1]?.stopped, true);
    feeds.subscribe(GROUP, recording().listener);
    assert.equal(pollers.length, 3, 'a group watched again gets a new poller');
  });

  it('gives early subscribers the snapshot on ready, late ones the pending set at once, then changes', () => {
    const { pollers, start } = scriptedPollers();
    const feeds = new LocalFeeds(start, noDefect);
    const early = recording();
    feeds.subscribe(GROUP, early.listener);
    const events = pollers[0]?.events ?? assert.fail('no poller');
    // The first poll's own changes are in the snapshot that follows them.
    events.change({ _tag: 'Disconnected', session: session('A') });
    events.ready([session('A'), session('B')]);
    events.change({ _tag: 'Reconnected', session: session('B', 'ACTIVE') });
    events.change({ _tag: 'Disconnected', session: session('C') });
    const late = recording();
    feeds.subscribe(GROUP, late.listener);
    events.change({ _tag: 'Ended', session: session('A', 'TERMINATED') });
    assert.deepEqual(early.heard, ['snapshot 2', 'Reconnected B', 'Disconnected C', 'Ended A']);
    assert.deepEqual(late.heard, ['snapshot 2', 'Ended A']);
  });

  it("ends every subscriber with the feed's end, and close ends all with ShuttingDown", async () => {
    const { pollers, start } = scriptedPollers();
    const feeds = new LocalFeeds(start, noDefect);
    const one = recording();
    const two = recording();
    const other = recording();
    feeds.subscribe(GROUP, one.listener);
    feeds.subscribe(GROUP, two.listener);
    feeds.subscribe(OTHER, other.listener);
    pollers[0]?.events.end({ _tag: 'GroupNotFound' });
    assert.deepEqual(one.heard, ['end GroupNotFound']);
    assert.deepEqual(two.heard, ['end GroupNotFound']);
    await feeds.close();
    assert.deepEqual(other.heard, ['end ShuttingDown']);
    assert.equal(pollers[1]?.stopped, true);
    const afterwards = recording();
    feeds.subscribe(GROUP, afterwards.listener);
    assert.deepEqual(afterwards.heard, ['end ShuttingDown']);
    assert.equal(pollers.length, 2);
  });

  it('drops a subscriber that throws, and the others still hear', () => {
    const { pollers, start } = scriptedPollers();
    const defects: unknown[] = [];
    const feeds = new LocalFeeds(start, (defect) => void defects.push(defect));
    const fine = recording();
    feeds.subscribe(GROUP, {
      ...recording().listener,
      snapshot: () => {
        throw new RangeError('a broken listener');
      },
    });
    feeds.subscribe(GROUP, fine.listener);
    pollers[0]?.events.ready([]);
    pollers[0]?.events.change({ _tag: 'Disconnected', session: session('A') });
    assert.deepEqual(fine.heard, ['snapshot 0', 'Disconnected A']);
    assert.equal(defects.length, 1);
  });

  it('stops polling a group whose only subscriber was dropped for throwing', () => {
    const { pollers, start } = scriptedPollers();
    const feeds = new LocalFeeds(start, () => undefined);
    const leave = feeds.subscribe(GROUP, {
      ...recording().listener,
      snapshot: () => {
        throw new RangeError('a broken listener');
      },
    });
    pollers[0]?.events.ready([]);
    assert.equal(pollers[0]?.stopped, true);
    assert.equal(feeds.watchedGroups(), 0);
    leave();
    assert.equal(feeds.watchedGroups(), 0);
  });
});

describe('WatchStreams', () => {
  const caller: Caller = { name: 'lobby', grants: [{ _tag: 'AnyStreamGroup' }] };
  const policy = { defaultRegion: 'us-west-2', servedRegions: new Set(['us-west-2']) };

  function setup(maxStreamsPerCaller = 2) {
    const { pollers, start } = scriptedPollers();
    const feeds = new LocalFeeds(start, noDefect);
    const watches = new WatchStreams({ policy, feeds, maxStreamsPerCaller });
    return { pollers, feeds, watches };
  }

  function watcher() {
    const heard: string[] = [];
    const ends: WatchEnded[] = [];
    const listener: WatchListener = {
      snapshot: (sessions) => void heard.push(`snapshot ${sessions.length}`),
      change: (change: SessionChange) => void heard.push(change._tag),
      end: (reason) => void ends.push(reason),
    };
    return { heard, ends, listener };
  }

  it('refuses a caller without the grant before anything is polled', () => {
    const { pollers, watches } = setup();
    const outcome = watches.watch(
      { streamGroupIdentifier: 'sg-1AB2C3De4', statuses: [] },
      { name: 'elsewhere', grants: [{ _tag: 'StreamGroupId', id: 'sg-other' }] },
      watcher().listener,
    );
    assert.ok(E.isLeft(outcome));
    assert.equal(outcome.left._tag, 'CallerNotAllowed');
    assert.equal(pollers.length, 0);
  });

  it('refuses a stream beyond the limit per caller, and admits one again once another closes', () => {
    const { watches } = setup(2);
    const request = { streamGroupIdentifier: 'sg-1AB2C3De4', statuses: [] };
    const first = watches.watch(request, caller, watcher().listener);
    const second = watches.watch(request, caller, watcher().listener);
    assert.ok(E.isRight(first) && E.isRight(second));
    const third = watches.watch(request, caller, watcher().listener);
    assert.ok(E.isLeft(third));
    assert.deepEqual(third.left, { _tag: 'TooManyWatchStreams', caller: 'lobby', limit: 2 });
    assert.ok(E.isRight(watches.watch(request, { ...caller, name: 'other' }, watcher().listener)));
    first.right();
    first.right();
    assert.equal(watches.openStreams(), 2);
    assert.ok(E.isRight(watches.watch(request, caller, watcher().listener)));
  });

  it('passes on only the statuses asked for; a session AWS forgot counts as TERMINATED', () => {
    const { pollers, watches } = setup();
    const ends = watcher();
    const reconnects = watcher();
    watches.watch({ streamGroupIdentifier: 'sg-1AB2C3De4', statuses: [7] }, caller, ends.listener);
    watches.watch({ streamGroupIdentifier: 'sg-1AB2C3De4', statuses: [2, 3] }, caller, reconnects.listener);
    const events = pollers[0]?.events ?? assert.fail('no poller');
    events.ready([session('A')]);
    events.change({ _tag: 'Disconnected', session: session('B') });
    events.change({ _tag: 'Reconnected', session: session('A', 'CONNECTED') });
    events.change({ _tag: 'Ended', session: { ...session('B'), status: undefined } });
    events.change({ _tag: 'Ended', session: session('C', 'ERROR') });
    assert.deepEqual(ends.heard, ['snapshot 0', 'Ended']);
    assert.deepEqual(reconnects.heard, ['snapshot 0', 'Reconnected']);
  });

  it("maps the feed's end to the stream's, and endAll ends every open watch and refuses new ones", () => {
    const { pollers, watches } = setup(10);
    const request = { streamGroupIdentifier: 'sg-1AB2C3De4', statuses: [] };
    const failing = watcher();
    watches.watch(request, caller, failing.listener);
    pollers[0]?.events.end({ _tag: 'PollsFailing', detail: 'failing' } satisfies FeedEnd);
    assert.deepEqual(failing.ends, [
      { _tag: 'WatchPollsFailing', streamGroupIdentifier: 'sg-1AB2C3De4', detail: 'failing' },
    ]);
    const open = [watcher(), watcher()];
    for (const one of open) watches.watch(request, caller, one.listener);
    watches.endAll();
    for (const one of open) assert.deepEqual(one.ends, [{ _tag: 'ShuttingDown' }]);
    assert.equal(watches.openStreams(), 0);
    const late = watches.watch(request, caller, watcher().listener);
    assert.ok(E.isLeft(late));
    assert.equal(late.left._tag, 'ShuttingDown');
  });
});
