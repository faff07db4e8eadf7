/**
 * The disconnect feed of a stream group, as WatchStreamSessions' subscribers see it: the sessions pending now, then
 * one change per drop, reconnect or end, until the feed ends. A process makes it by polling ListStreamSessions
 * itself (`GroupPoller`), or, in a fleet, one replica polls and the others read its changes through Redis. Both
 * offer the same `StreamGroupFeeds` to the use case.
 */

/** One watched stream group, in the region whose endpoint serves it; the ID, never the ARN. */
export interface WatchedGroup {
  readonly region: string;
  readonly streamGroupId: string;
}

/** A stable name for a watched group, for maps and Redis keys. */
export type WatchedGroupKey = string & { readonly WatchedGroupKey: unique symbol };

export function watchedGroupKey(group: WatchedGroup): WatchedGroupKey {
  return `${group.region}/${group.streamGroupId}` as WatchedGroupKey;
}

/** What the feed knows of a session when it reports it. */
export interface WatchedSession {
  readonly arn: string;
  /** AWS's status string; undefined when AWS no longer knows the session. */
  readonly status: string | undefined;
  readonly statusReason: string | undefined;
  readonly lastUpdatedAt: Date | undefined;
  /** For a pending session: the end of its reconnection window, as far as the feed can reckon it. */
  readonly windowEndsAt: Date | undefined;
}

/** A change of one session the feed follows. */
export type SessionChange =
  | { readonly _tag: 'Disconnected'; readonly session: WatchedSession }
  | { readonly _tag: 'Reconnected'; readonly session: WatchedSession }
  | { readonly _tag: 'Ended'; readonly session: WatchedSession };

/** Why a feed ended for its subscribers (each ends the stream; the client resubscribes for a fresh snapshot). */
export type FeedEnd =
  /** AWS said the stream group does not exist. */
  | { readonly _tag: 'GroupNotFound' }
  /** AWS refused this service's credentials for ListStreamSessions. */
  | { readonly _tag: 'PollAccessDenied' }
  /** The polls kept failing (AWS unreachable, throttling, internal errors) for longer than the feed tolerates. */
  | { readonly _tag: 'PollsFailing'; readonly detail: string }
  /** Changes were lost on their way between replicas. */
  | { readonly _tag: 'FeedGap' }
  /** This replica is shutting down. */
  | { readonly _tag: 'ShuttingDown' };

/** A subscriber of a group's feed: `snapshot` once, then `change` per change, until `end` (at most once). */
export interface FeedListener {
  snapshot(pending: ReadonlyArray<WatchedSession>): void;
  change(change: SessionChange): void;
  end(reason: FeedEnd): void;
}

/** The feeds of every watched group: polled only while someone subscribes. */
export interface StreamGroupFeeds {
  /** Subscribes; the returned function unsubscribes (idempotent), after which the listener hears nothing more. */
  subscribe(group: WatchedGroup, listener: FeedListener): () => void;
  /** Ends every feed with ShuttingDown and stops polling; must not reject. */
  close(): Promise<void>;
}

/**
 * What a group's poller tells whoever runs it (the process's own feeds, or the fleet's polling replica). A session
 * counts as pending from its Disconnected change until its Reconnected or Ended one, so the pending set can be rebuilt
 * from the changes alone.
 */
export interface GroupPollerEvents {
  /** Once, after the first poll and the changes it found: the sessions pending now. */
  ready(pending: ReadonlyArray<WatchedSession>): void;
  change(change: SessionChange): void;
  /** At most once; the poller has stopped. */
  end(reason: FeedEnd): void;
}

/**
 * Starts polling one group. `known` is the pending set someone else already reported (a fleet replica taking the
 * poll over): the first poll then reports only what changed since. Returns a function that stops the poller.
 */
export type StartGroupPoller = (
  group: WatchedGroup,
  events: GroupPollerEvents,
  known?: ReadonlyArray<WatchedSession>,
) => () => void;
