import type { Scheduler } from '../domain/admission';
import {
  watchedGroupKey,
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
 * FeedGap, so that they resubscribe there.
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

export class FleetFeeds implements StreamGroupFeeds {
  private readonly relays = new Map<WatchedGroupKey, GroupRelay>();
  private readonly relaySettings: GroupRelaySettings;
  private readonly owner: RelayOwner;
  private holderNamesIssued = 0;
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
    if (!this.link.sharing()) return this.fallback.subscribe(group, listener);
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
