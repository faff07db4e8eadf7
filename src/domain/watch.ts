import * as E from 'fp-ts/Either';
import { absurd, pipe } from 'fp-ts/function';

import { authorizeWatchedGroup, type Caller } from './call-context';
import type { WatchEnded, WatchFailure } from './outcomes';
import { decodeWatchRequest, type RegionPolicy, type WatchableStatus, type WatchCommand } from './request';
import type { FeedEnd, SessionChange, StreamGroupFeeds, WatchedSession } from './watch-feed';

/**
 * The WatchStreamSessions use case: a valid request from a caller granted the group subscribes to the group's feed,
 * and hears of the sessions and changes in the statuses it asked about. Every open watch of this replica is known
 * here, to bound them per caller and to end them all when the replica shuts down.
 */

/** What a watch stream is told: `snapshot` once, then `change` per change, until `end` (at most once). */
export interface WatchListener {
  /** The sessions pending now (none when PENDING_CLIENT_RECONNECTION is not of interest). */
  snapshot(sessions: ReadonlyArray<WatchedSession>): void;
  change(change: SessionChange): void;
  end(reason: WatchEnded): void;
}

export interface WatchDependencies {
  readonly policy: RegionPolicy;
  readonly feeds: StreamGroupFeeds;
  readonly maxStreamsPerCaller: number;
}

/** Whether a change is about a status the watch asked for. A session AWS forgot has ended: it counts as TERMINATED. */
export function isOfInterest(change: SessionChange, statuses: ReadonlySet<WatchableStatus>): boolean {
  switch (change._tag) {
    case 'Disconnected':
      return statuses.has('PENDING_CLIENT_RECONNECTION');
    case 'Reconnected':
    case 'Ended': {
      const status = watchableStatusOf(change.session.status ?? 'TERMINATED');
      return status !== 'OTHER' && statuses.has(status);
    }
    default:
      return absurd(change);
  }
}

function watchableStatusOf(status: string): WatchableStatus | 'OTHER' {
  switch (status) {
    case 'PENDING_CLIENT_RECONNECTION':
    case 'ACTIVE':
    case 'CONNECTED':
    case 'TERMINATED':
    case 'ERROR':
      return status;
    default:
      return 'OTHER';
  }
}

function watchEndedOf(reason: FeedEnd, command: WatchCommand): WatchEnded {
  const { streamGroupIdentifier } = command;
  switch (reason._tag) {
    case 'GroupNotFound':
      return { _tag: 'StreamGroupNotFound', streamGroupIdentifier };
    case 'PollAccessDenied':
      return { _tag: 'WatchPollAccessDenied', streamGroupIdentifier };
    case 'PollsFailing':
      return { _tag: 'WatchPollsFailing', streamGroupIdentifier, detail: reason.detail };
    case 'FeedGap':
      return { _tag: 'WatchFeedGap', streamGroupIdentifier };
    case 'ShuttingDown':
      return { _tag: 'ShuttingDown' };
    default:
      return absurd(reason);
  }
}

/** One open watch: told things until it ends or its stream closes it, then never again. */
class OpenWatch {
  private finished = false;
  unsubscribe: () => void = () => undefined;

  constructor(
    private readonly listener: WatchListener,
    private readonly release: () => void,
  ) {}

  tell(action: (listener: WatchListener) => void): void {
    if (!this.finished) action(this.listener);
  }

  end(reason: WatchEnded): void {
    if (this.finished) return;
    this.close();
    this.listener.end(reason);
  }

  close(): void {
    if (this.finished) return;
    this.finished = true;
    this.unsubscribe();
    this.release();
  }

  get closed(): boolean {
    return this.finished;
  }
}

export class WatchStreams {
  private readonly decode: ReturnType<typeof decodeWatchRequest>;
  private readonly byCaller = new Map<string, Set<OpenWatch>>();
  private shuttingDown = false;

  constructor(private readonly dependencies: WatchDependencies) {
    this.decode = decodeWatchRequest(dependencies.policy);
  }

  /**
   * Checks the request, then the caller's grant, then its number of open streams, before anything is subscribed;
   * then subscribes. The listener may hear its snapshot (or its end) before this returns. The returned function
   * closes the watch (idempotent); after it, or after `end`, the listener hears nothing more.
   */
  watch(request: unknown, caller: Caller, listener: WatchListener): E.Either<WatchFailure, () => void> {
    return pipe(
      this.decode(request),
      E.flatMap((command) => authorizeWatchedGroup(caller, command)),
      E.flatMap((command) => this.admit(command, caller, listener)),
    );
  }

  /** Ends every open watch with ShuttingDown, and refuses new ones the same way. */
  endAll(): void {
    this.shuttingDown = true;
    for (const watches of [...this.byCaller.values()]) {
      for (const watch of [...watches]) watch.end({ _tag: 'ShuttingDown' });
    }
  }

  /** Watch streams open now, for metrics. */
  openStreams(): number {
    let count = 0;
    for (const watches of this.byCaller.values()) count += watches.size;
    return count;
  }

  private admit(command: WatchCommand, caller: Caller, listener: WatchListener): E.Either<WatchFailure, () => void> {
    if (this.shuttingDown) return E.left({ _tag: 'ShuttingDown' });
    const { maxStreamsPerCaller, feeds } = this.dependencies;
    const watches = this.byCaller.get(caller.name) ?? new Set<OpenWatch>();
    if (watches.size >= maxStreamsPerCaller) {
      return E.left({ _tag: 'TooManyWatchStreams', caller: caller.name, limit: maxStreamsPerCaller });
    }
    const watch = new OpenWatch(listener, () => {
      watches.delete(watch);
      if (watches.size === 0 && this.byCaller.get(caller.name) === watches) this.byCaller.delete(caller.name);
    });
    watches.add(watch);
    this.byCaller.set(caller.name, watches);
    const { statuses } = command;
    const unsubscribe = feeds.subscribe(
      { region: command.region, streamGroupId: command.streamGroupId },
      {
        snapshot: (pending) =>
          watch.tell((to) => to.snapshot(statuses.has('PENDING_CLIENT_RECONNECTION') ? pending : [])),
        change: (change) => {
          if (isOfInterest(change, statuses)) watch.tell((to) => to.change(change));
        },
        end: (reason) => watch.end(watchEndedOf(reason, command)),
      },
    );
    watch.unsubscribe = unsubscribe;
    // The feed may have ended the watch before it could be unsubscribed.
    if (watch.closed) unsubscribe();
    return E.right(() => watch.close());
  }
}
