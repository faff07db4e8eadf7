import type { Scheduler } from '../domain/admission';
import {
  watchedGroupKey,
  type FeedEnd,
  type FeedListener,
  type StartGroupPoller,
  type StreamGroupFeeds,
  type WatchedGroup,
  type WatchedGroupKey,
} from '../domain/watch-feed';
import type { Logger } from '../logging/logger';
import { GroupRelay, type FeedsLink, type GroupRelaySettings, type RelayOwner } from './group-relay';

/**
 * The watch feeds of a fleet replica: while the fleet shares through Redis, one replica at a time polls each watched
 * group and every replica serves its subscribers from Redis (group-relay.ts); while it does not (Redis unreachable,
 * or cooling down after it), new subscribers are served by the process's own feeds, and those Redis served end with
 * FeedGap, so that they resubscribe there. Once the fleet shares again, those the process's own feeds serve end with
 * FeedGap too, so that they resubscribe onto the shared feed: left where they were, each replica would go on polling
 * their groups itself, beside the fleet's poller, for as long as their streams last.
 */

export interface FleetFeedsSettings {
  /** How often the polling replica polls a group, and how often the others try for its lease. */
  readonly pollIntervalMs: number;
  /** How often each replica reads a watched group's changes from Redis. */
  readonly readIntervalMs: number;
  /** About how many changes a group's stream keeps in Redis. */
  readonly streamLength: number;
  /** A group's keys in Redis expire this long after its last poll. */
  readonly keyTtlMs: number;
}

/** The settings a fleet runs with, given the service's poll interval. */
export function fleetFeedsSettings(pollIntervalMs: number): FleetFeedsSettings {
  return { pollIntervalMs, readIntervalMs: 100, streamLength: 10_000, keyTtlMs: 60_000 };
}

/** A lease lasts three poll intervals unrenewed, and never less than this, so a slow renewal does not lose it. */
const MIN_LEASE_TTL_MS = 1500;

const FEED_GAP: FeedEnd = { _tag: 'FeedGap' };

/** A subscription this replica gave to its own feeds while the fleet did not share. */
interface FallbackSubscription {
  readonly listener: FeedListener;
  unsubscribe: () => void;
}

export class FleetFeeds implements StreamGroupFeeds {
  private readonly relays = new Map<WatchedGroupKey, GroupRelay>();
  private readonly relaySettings: GroupRelaySettings;
  private readonly owner: RelayOwner;
  private holderNamesIssued = 0;
  /** Those the process's own feeds serve now, to move onto the shared feed once the fleet shares again. */
  private readonly fallbackSubscriptions = new Set<FallbackSubscription>();
  private closing: Promise<void> | undefined;

  /**
   * `fallback` serves subscribers while the fleet does not share; `onDefect` hears of a listener that threw (it is
   * dropped, and the others go on).
   */
  constructor(
    private readonly link: FeedsLink,
    private readonly startPoller: StartGroupPoller,
    private readonly fallback: StreamGroupFeeds,
    settings: FleetFeedsSettings,
    onDefect: (defect: unknown) => void,
    private readonly logger: Logger,
    private readonly scheduler: Scheduler,
  ) {
    const leaseTtlMs = Math.max(3 * settings.pollIntervalMs, MIN_LEASE_TTL_MS);
    this.relaySettings = {
      ...settings,
      leaseTtlMs,
      // A holder vouches for the pending set at least every lease TTL while it holds the lease, and a dead holder's
      // lease lapses within one more and is taken within a poll interval after: a set older than that has had
      // nobody polling for it, and sessions may have changed unseen.
      freshMs: 2 * leaseTtlMs + settings.pollIntervalMs,
    };
    this.owner = {
      nextHolder: () => {
        this.holderNamesIssued += 1;
        return `${this.link.replicaId()}/${this.holderNamesIssued}`;
      },
      idle: (relay) => {
        for (const [key, current] of this.relays) {
          if (current === relay) this.relays.delete(key);
        }
      },
      defect: onDefect,
    };
  }

  subscribe(group: WatchedGroup, listener: FeedListener): () => void {
    if (this.closing !== undefined) {
      try {
        listener.end({ _tag: 'ShuttingDown' });
      } catch (defect) {
        this.owner.defect(defect);
      }
      return () => undefined;
    }
    if (!this.link.sharing()) return this.subscribeFallback(group, listener);
    const key = watchedGroupKey(group);
    let relay = this.relays.get(key);
    if (relay === undefined) {
      relay = new GroupRelay(
        group,
        this.link,
        this.startPoller,
        this.relaySettings,
        this.owner,
        this.logger,
        this.scheduler,
      );
      this.relays.set(key, relay);
      relay.start();
    }
    return relay.add(listener);
  }

  /**
   * The fleet shares again: every subscriber the process's own feeds serve leaves them, and its stream ends with
   * FeedGap, so that its client resubscribes, onto the shared feed now; the process stops polling those groups itself.
   */
  sharingAgain(): void {
    if (this.closing !== undefined) return;
    for (const subscription of [...this.fallbackSubscriptions]) {
      this.fallbackSubscriptions.delete(subscription);
      subscription.unsubscribe();
      try {
        subscription.listener.end(FEED_GAP);
      } catch (defect) {
        this.owner.defect(defect);
      }
    }
  }

  /**
   * Subscribes to the process's own feeds, keeping the subscription until its stream ends or it unsubscribes, so that
   * `sharingAgain` can move it; what the feeds tell it passes through while it is kept.
   */
  private subscribeFallback(group: WatchedGroup, listener: FeedListener): () => void {
    const subscription: FallbackSubscription = { listener, unsubscribe: () => undefined };
    const kept = (): boolean => this.fallbackSubscriptions.has(subscription);
    this.fallbackSubscriptions.add(subscription);
    const unsubscribe = this.fallback.subscribe(group, {
      snapshot: (pending) => {
        if (kept()) listener.snapshot(pending);
      },
      change: (change) => {
        if (kept()) listener.change(change);
      },
      end: (reason) => {
        if (!this.fallbackSubscriptions.delete(subscription)) return;
        listener.end(reason);
      },
    });
    if (kept()) subscription.unsubscribe = unsubscribe;
    else unsubscribe();
    return () => {
      this.fallbackSubscriptions.delete(subscription);
      unsubscribe();
    };
  }

  /** Ends every feed with ShuttingDown, lets every lease go, and closes the fallback; never rejects. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const relays = [...this.relays.values()];
      await Promise.all(relays.map((relay) => relay.close({ _tag: 'ShuttingDown' })));
      await this.fallback.close();
    })();
    return this.closing;
  }

  /** Groups this replica watches through Redis now, for metrics. */
  watchedGroups(): number {
    return this.relays.size;
  }
}
