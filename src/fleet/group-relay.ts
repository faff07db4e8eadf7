import * as E from 'fp-ts/Either';
import { absurd } from 'fp-ts/function';
import * as t from 'io-ts';

import type { Scheduler } from '../domain/admission';
import {
  watchedGroupKey,
  type FeedEnd,
  type FeedListener,
  type GroupPollerEvents,
  type SessionChange,
  type StartGroupPoller,
  type WatchedGroup,
  type WatchedSession,
} from '../domain/watch-feed';
import type { Logger } from '../logging/logger';
import type { FleetLink } from './fleet-admission';
import type { WatchKeys, WatchPublished } from './scripts';
import {
  decodeRead,
  decodeState,
  publishedChange,
  publishedEnd,
  publishedReady,
  relayedEnd,
  type ReadEntry,
  type StreamPosition,
  type WatchState,
} from './watch-entries';

/**
 * One watched group's feed on one replica of a fleet, while someone here subscribes to it. Every replica that has
 * subscribers tries for the group's poll lease each poll interval; the one that holds it runs the group's poller and
 * publishes what it reports to Redis (scripts.ts), fenced by the lease. Every replica, the polling one too, serves
 * its subscribers from Redis: a snapshot of the pending set, then the change stream from where the snapshot stood,
 * read every read interval. A replica that stops polling (its last subscriber left, it stopped, or it died) lets the
 * lease go or lets it lapse, and another takes it and starts its poller from the pending set in Redis, so only what
 * changed since is reported again. A set nobody has vouched for lately (the group went unwatched for a while, and
 * sessions changed with nobody polling) is stale: nobody serves it, and the next holder polls afresh (scripts.ts).
 */

/** What the feeds need of the fleet: its Redis calls (whose failures turn the whole fleet alone) and its mode. */
export type FeedsLink = Pick<FleetLink, 'replicaId' | 'keys' | 'sharing' | 'call'>;

export interface GroupRelaySettings {
  readonly pollIntervalMs: number;
  readonly readIntervalMs: number;
  /** How long a lease lasts unrenewed: how soon another replica takes over from one that died. */
  readonly leaseTtlMs: number;
  /** About how many changes the stream keeps: a reader further behind than that sees a gap. */
  readonly streamLength: number;
  /** A group's keys expire this long after its last poll. */
  readonly keyTtlMs: number;
  /** A pending set no holder has vouched for within this long is stale: not served, and not started from. */
  readonly freshMs: number;
}

/** The few things a relay needs from the feeds that own it. */
export interface RelayOwner {
  /** A name for a new lease holder: unique in the fleet, so that a replica fences its own earlier leases too. */
  nextHolder(): string;
  /** The relay has no subscriber left and has stopped. */
  idle(relay: GroupRelay): void;
  /** A listener threw: it was dropped. */
  defect(defect: unknown): void;
}

const ClaimReply = t.union([t.literal('taken'), t.literal('renewed'), t.literal('other')]);
const PublishReply = t.union([t.literal('published'), t.literal('fenced')]);

/** At most this many entries a read, and items a publish, so that one Redis call stays short. */
const READ_BATCH = 500;
const PUBLISH_BATCH = 500;

const FEED_GAP: FeedEnd = { _tag: 'FeedGap' };

interface Subscriber {
  readonly listener: FeedListener;
  /** Whether it has had its snapshot, and so hears changes. */
  live: boolean;
}

/** One run of the group's poller on this replica, while it holds the lease. */
interface PollRun {
  active: boolean;
  stop: () => void;
  /** Started from the pending set in Redis: its first poll's pending set is already there, changes and all. */
  readonly tookOver: boolean;
}

export class GroupRelay {
  private readonly subscribers = new Set<Subscriber>();
  private readonly keys: WatchKeys;
  private readonly name: string;
  /** The last entry of the change stream read (or the snapshot's), once known. */
  private position: StreamPosition | undefined;
  /** The pending sessions as of `position`, once a snapshot was read; undefined while waiting for one. */
  private mirror: Map<string, WatchedSession> | undefined;
  /** This replica's name on the lease while it holds it. */
  private holder: string | undefined;
  private run: PollRun | undefined;
  private outbox: WatchPublished[] = [];
  private publishing = false;
  /** The poller ended the feed: no poll here until that end has reached this replica's subscribers. */
  private endPublished = false;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private readonly timers = new Set<() => void>();

  constructor(
    private readonly group: WatchedGroup,
    private readonly link: FeedsLink,
    private readonly startPoller: StartGroupPoller,
    private readonly settings: GroupRelaySettings,
    private readonly owner: RelayOwner,
    private readonly logger: Logger,
    private readonly scheduler: Scheduler,
  ) {
    const key = watchedGroupKey(group);
    this.name = key;
    this.keys = {
      lease: link.keys.watchLease(key),
      pending: link.keys.watchPending(key),
      changes: link.keys.watchChanges(key),
    };
  }

  start(): void {
    this.after(0, () => void this.read());
    this.after(0, () => void this.claim());
  }

  /** Adds a subscriber: its snapshot at once when this replica has one, else once it has. */
  add(listener: FeedListener): () => void {
    const subscriber: Subscriber = { listener, live: false };
    this.subscribers.add(subscriber);
    if (this.mirror !== undefined) this.snapshot(subscriber, [...this.mirror.values()]);
    return () => {
      if (!this.subscribers.delete(subscriber)) return;
      if (this.subscribers.size === 0) void this.stop('nobody here watches the group now');
    };
  }

  /** Ends every subscriber's feed, stops polling and lets the lease go. */
  close(reason: FeedEnd): Promise<void> {
    const stopping = this.stop('the replica is stopping');
    this.endSubscribers(reason, () => true);
    return stopping;
  }

  private async read(): Promise<void> {
    if (this.stopped) return;
    if (!this.link.sharing()) return this.abandon();
    let behind = false;
    const position = this.position;
    if (position !== undefined) {
      const reply = await this.link.call('watch-read', (client) =>
        client.watchRead(this.keys.changes, position.id, READ_BATCH),
      );
      if (this.stopped) return;
      if (E.isLeft(reply)) return this.abandon();
      const entries = decodeRead(reply.right);
      if (E.isLeft(entries)) return this.abandon();
      this.follow(entries.right);
      behind = entries.right.length === READ_BATCH;
    }
    if (this.subscribers.size === 0) return this.stop('the feed ended');
    if (this.mirror === undefined) {
      const state = await this.readState();
      if (this.stopped) return;
      if (E.isLeft(state)) return this.abandon();
      this.adopt(state.right);
    }
    this.after(behind ? 0 : this.settings.readIntervalMs, () => void this.read());
  }

  private async readState(): Promise<E.Either<string, WatchState>> {
    const reply = await this.link.call('watch-state', (client) =>
      client.watchState(this.keys.pending, this.keys.changes, this.settings.freshMs),
    );
    return E.chain(decodeState)(reply);
  }

  /**
   * Takes a snapshot once a first poll has filled the group's pending set; until then only notes where the stream
   * stands, the first time, and reads on from there, so that an end published meanwhile is not missed.
   */
  private adopt(state: WatchState): void {
    if (state.pending === undefined) {
      this.position ??= state.position;
      return;
    }
    this.position = state.position;
    this.mirror = new Map(state.pending.map((session) => [session.arn, session]));
    const pending = [...this.mirror.values()];
    for (const subscriber of [...this.subscribers]) {
      if (!subscriber.live) this.snapshot(subscriber, pending);
    }
  }

  private follow(entries: ReadonlyArray<ReadEntry>): void {
    for (const { position, entry } of entries) {
      const inOrder = this.position !== undefined && position.seq === this.position.seq + 1;
      this.position = position;
      if (!inOrder || E.isLeft(entry)) this.gap();
      if (E.isLeft(entry)) continue;
      const read = entry.right;
      switch (read._tag) {
        case 'Change':
          this.relay(read.change);
          break;
        case 'Reset':
          this.gap();
          break;
        case 'End':
          this.endPublished = false;
          this.mirror = undefined;
          this.endSubscribers(read.reason, () => true);
          break;
        default:
          absurd(read);
      }
    }
  }

  private relay(change: SessionChange): void {
    const mirror = this.mirror;
    if (mirror === undefined) return;
    switch (change._tag) {
      case 'Disconnected':
        mirror.set(change.session.arn, change.session);
        break;
      case 'Reconnected':
      case 'Ended':
        mirror.delete(change.session.arn);
        break;
      default:
        absurd(change);
    }
    for (const subscriber of [...this.subscribers]) {
      if (subscriber.live) this.deliver(subscriber, (listener) => listener.change(change));
    }
  }

  /** Changes were lost between the poller and this replica: every subscriber with a snapshot resubscribes. */
  private gap(): void {
    if (this.mirror === undefined) return;
    this.mirror = undefined;
    this.endSubscribers(FEED_GAP, (subscriber) => subscriber.live);
  }

  /** Redis cannot serve the feed now (the fleet has turned alone, or a reply made no sense). */
  private abandon(): void {
    // Stopped first, so that a subscriber told of the gap that resubscribes at once is not added to this relay.
    const stopping = this.stop('Redis cannot serve the feed');
    this.endSubscribers(FEED_GAP, () => true);
    void stopping;
  }

  private async claim(): Promise<void> {
    if (this.stopped) return;
    if (!this.link.sharing()) return this.abandon();
    if (!this.endPublished) {
      const holder = this.holder ?? this.owner.nextHolder();
      const { leaseTtlMs, keyTtlMs, freshMs } = this.settings;
      const reply = await this.link.call('watch-claim', (client) =>
        client.watchClaim(this.keys, holder, leaseTtlMs, keyTtlMs, freshMs),
      );
      const verdict = E.chain((answer: unknown) => E.mapLeft(() => 'not a claim')(ClaimReply.decode(answer)))(reply);
      if (this.stopped) {
        if (E.isRight(verdict) && verdict.right !== 'other') await this.release(holder);
        return;
      }
      if (E.isLeft(verdict)) return this.abandon();
      switch (verdict.right) {
        case 'taken':
        case 'renewed':
          // Taken while a run goes on: the lease lapsed under it, and meanwhile another replica may have polled, or
          // the claim forgot a set gone stale. What the run knows may not be what Redis holds: it starts again.
          if (verdict.right === 'taken') this.stopRun();
          if (this.holder === undefined) {
            this.holder = holder;
            this.logger.info({ group: this.name }, 'watch feed: this replica polls the group');
          }
          if (this.run === undefined) await this.startPolling();
          break;
        case 'other':
          this.lose('another replica holds its lease');
          break;
        default:
          absurd(verdict.right);
      }
    }
    this.after(this.settings.pollIntervalMs, () => void this.claim());
  }

  private async startPolling(): Promise<void> {
    const state = await this.readState();
    if (this.stopped || this.holder === undefined || this.run !== undefined) return;
    if (E.isLeft(state)) return this.abandon();
    const known = state.right.pending;
    const run: PollRun = { active: true, stop: () => undefined, tookOver: known !== undefined };
    this.run = run;
    run.stop = this.startPoller(this.group, this.eventsOf(run), known);
  }

  private eventsOf(run: PollRun): GroupPollerEvents {
    return {
      ready: (pending) => {
        if (run.active && !run.tookOver) this.publish(publishedReady(pending));
      },
      change: (change) => {
        if (run.active) this.publish(publishedChange(change));
      },
      end: (reason) => {
        if (!run.active) return;
        run.active = false;
        if (this.run === run) this.run = undefined;
        const relayed = relayedEnd(reason);
        if (relayed === undefined) {
          this.letGo(`its poller stopped (${reason._tag})`);
          return;
        }
        // Published like a change, after the changes before it; the script lets the lease go with it.
        this.endPublished = true;
        this.publish(publishedEnd(relayed));
      },
    };
  }

  private publish(item: WatchPublished): void {
    this.outbox.push(item);
    void this.flush();
  }

  /** Publishes in order, one batch at a time, whatever the poller reported meanwhile going in the next. */
  private async flush(): Promise<void> {
    if (this.publishing) return;
    this.publishing = true;
    const { streamLength, keyTtlMs } = this.settings;
    while (this.outbox.length > 0 && !this.stopped) {
      const holder = this.holder;
      if (holder === undefined) break;
      const batch = this.outbox.splice(0, PUBLISH_BATCH);
      const reply = await this.link.call('watch-publish', (client) =>
        client.watchPublish(this.keys, holder, streamLength, keyTtlMs, batch),
      );
      const verdict = E.chain((answer: unknown) => E.mapLeft(() => 'not a publish')(PublishReply.decode(answer)))(
        reply,
      );
      if (E.isLeft(verdict)) {
        this.publishing = false;
        return this.abandon();
      }
      // The lease may have been lost and taken again under a new name while the batch was on its way: its reply
      // speaks of the earlier holding, and must not stop the poller of this one.
      if (this.holder !== holder) continue;
      if (verdict.right === 'fenced') {
        this.endPublished = false;
        this.lose('its lease lapsed before it could publish');
      } else if (batch.some((item) => item.kind === 'end')) {
        this.lose('the group’s feed ended');
      }
    }
    this.outbox = [];
    this.publishing = false;
  }

  /** Stops polling here; the lease, if still this replica's, lapses or was let go already. */
  private lose(why: string): void {
    this.stopRun();
    if (this.holder === undefined) return;
    this.holder = undefined;
    this.logger.info({ group: this.name, why }, 'watch feed: this replica stopped polling the group');
  }

  /** Stops this replica's poller, if it runs, and drops what it reported that is not published yet. */
  private stopRun(): void {
    const run = this.run;
    this.run = undefined;
    this.outbox = [];
    if (run?.active === true) {
      run.active = false;
      run.stop();
    }
  }

  /** Stops polling here and lets the lease go, so another replica (or this one) takes it at once. */
  private letGo(why: string): void {
    const holder = this.holder;
    this.lose(why);
    if (holder !== undefined) void this.release(holder);
  }

  private async release(holder: string): Promise<void> {
    await this.link.call('watch-release', (client) => client.watchRelease(this.keys.lease, holder));
  }

  private stop(why: string): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      for (const cancel of this.timers) cancel();
      this.timers.clear();
      const holder = this.holder;
      this.lose(why);
      this.owner.idle(this);
      if (holder !== undefined) await this.release(holder);
    })();
    return this.stopping;
  }

  private snapshot(subscriber: Subscriber, pending: ReadonlyArray<WatchedSession>): void {
    subscriber.live = true;
    this.deliver(subscriber, (listener) => listener.snapshot(pending));
  }

  private endSubscribers(reason: FeedEnd, which: (subscriber: Subscriber) => boolean): void {
    for (const subscriber of [...this.subscribers]) {
      if (!which(subscriber)) continue;
      this.subscribers.delete(subscriber);
      this.deliver(subscriber, (listener) => listener.end(reason));
    }
  }

  /** Tells one subscriber something; one that throws is dropped, so it cannot stop the others hearing. */
  private deliver(subscriber: Subscriber, tell: (listener: FeedListener) => void): void {
    try {
      tell(subscriber.listener);
    } catch (defect) {
      this.subscribers.delete(subscriber);
      this.owner.defect(defect);
    }
  }

  private after(delayMs: number, task: () => void): void {
    if (this.stopped) return;
    const cancel = this.scheduler.schedule(() => {
      this.timers.delete(cancel);
      task();
    }, delayMs);
    this.timers.add(cancel);
  }
}
