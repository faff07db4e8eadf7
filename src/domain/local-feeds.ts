import { absurd } from 'fp-ts/function';

import {
  watchedGroupKey,
  type FeedEnd,
  type FeedListener,
  type SessionChange,
  type StartGroupPoller,
  type StreamGroupFeeds,
  type WatchedGroup,
  type WatchedGroupKey,
  type WatchedSession,
} from './watch-feed';

/**
 * The feeds of one process without a fleet: one poller per watched group, shared by every subscriber of the group
 * in this process, started with the first subscriber and stopped with the last, so an unwatched group costs nothing.
 */

interface Subscriber {
  readonly listener: FeedListener;
}

interface GroupFeed {
  readonly key: WatchedGroupKey;
  readonly subscribers: Set<Subscriber>;
  /** The sessions pending now, once the first poll has told them; changes before that are in the first snapshot. */
  pending: Map<string, WatchedSession> | undefined;
  stop: () => void;
}

export class LocalFeeds implements StreamGroupFeeds {
  private readonly feeds = new Map<WatchedGroupKey, GroupFeed>();
  private closed = false;

  /** `onDefect` hears of a listener that threw: it is dropped, and the others go on. */
  constructor(
    private readonly startPoller: StartGroupPoller,
    private readonly onDefect: (defect: unknown) => void,
  ) {}

  subscribe(group: WatchedGroup, listener: FeedListener): () => void {
    const subscriber: Subscriber = { listener };
    if (this.closed) {
      this.deliver(subscriber, undefined, (to) => to.end({ _tag: 'ShuttingDown' }));
      return () => undefined;
    }
    const key = watchedGroupKey(group);
    const feed = this.feeds.get(key) ?? this.open(key, group);
    feed.subscribers.add(subscriber);
    if (feed.pending !== undefined) {
      const pending = [...feed.pending.values()];
      this.deliver(subscriber, feed, (to) => to.snapshot(pending));
    }
    return () => this.leave(feed, subscriber);
  }

  close(): Promise<void> {
    this.closed = true;
    const feeds = [...this.feeds.values()];
    this.feeds.clear();
    for (const feed of feeds) this.finish(feed, { _tag: 'ShuttingDown' });
    return Promise.resolve();
  }

  /** Groups polled now, for metrics. */
  watchedGroups(): number {
    return this.feeds.size;
  }

  private open(key: WatchedGroupKey, group: WatchedGroup): GroupFeed {
    const feed: GroupFeed = { key, subscribers: new Set(), pending: undefined, stop: () => undefined };
    this.feeds.set(key, feed);
    const current = (): boolean => this.feeds.get(key) === feed;
    feed.stop = this.startPoller(group, {
      ready: (pending) => {
        if (!current()) return;
        feed.pending = new Map(pending.map((session) => [session.arn, session]));
        for (const subscriber of [...feed.subscribers]) this.deliver(subscriber, feed, (to) => to.snapshot(pending));
      },
      change: (change) => {
        if (!current() || feed.pending === undefined) return;
        follow(feed.pending, change);
        for (const subscriber of [...feed.subscribers]) this.deliver(subscriber, feed, (to) => to.change(change));
      },
      end: (reason) => {
        if (!current()) return;
        this.feeds.delete(key);
        this.finish(feed, reason);
      },
    });
    return feed;
  }

  /** The last subscriber gone (left, or dropped for a defect), the group is no longer polled. Idempotent. */
  private leave(feed: GroupFeed, subscriber: Subscriber): void {
    feed.subscribers.delete(subscriber);
    if (feed.subscribers.size > 0 || this.feeds.get(feed.key) !== feed) return;
    this.feeds.delete(feed.key);
    feed.stop();
  }

  private finish(feed: GroupFeed, reason: FeedEnd): void {
    feed.stop();
    const subscribers = [...feed.subscribers];
    feed.subscribers.clear();
    for (const subscriber of subscribers) this.deliver(subscriber, undefined, (to) => to.end(reason));
  }

  /** Tells one subscriber something; a subscriber that throws is dropped, so it cannot stop the others hearing. */
  private deliver(subscriber: Subscriber, feed: GroupFeed | undefined, tell: (listener: FeedListener) => void): void {
    try {
      tell(subscriber.listener);
    } catch (defect) {
      if (feed !== undefined) this.leave(feed, subscriber);
      this.onDefect(defect);
    }
  }
}

/** Keeps a feed's pending set in step with the changes it reports. */
function follow(pending: Map<string, WatchedSession>, change: SessionChange): void {
  switch (change._tag) {
    case 'Disconnected':
      pending.set(change.session.arn, change.session);
      return;
    case 'Reconnected':
    case 'Ended':
      pending.delete(change.session.arn);
      return;
    default:
      return absurd(change);
  }
}
