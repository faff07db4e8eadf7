/**
 * Every way a call of this service can fail, grouped by the layer that can cause it: the request itself, the caller,
 * the call's flow (its deadline, cancellation, coalescing and admission) and GameLift Streams. Each layer returns only
 * its own kind; the use cases widen them. A bug in our own code is none of these: it is a defect, which the
 * transport answers INTERNAL with a generic message.
 */

/** The session an outcome is about; identifiers are not sensitive, so messages may name them. */
export interface SessionTarget {
  readonly streamGroupIdentifier: string;
  readonly streamSessionIdentifier: string;
}

/** One reason a request field is unacceptable, named by its proto field so callers in any language can find it. */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
}

/** The request breaks a constraint; nothing else was looked at. */
export interface InvalidRequest {
  readonly _tag: 'InvalidRequest';
  readonly violations: ReadonlyArray<FieldViolation>;
}

export type UnauthenticatedProblem = 'MissingCredentials' | 'UnknownCredentials' | 'MalformedAuthorization';

/** The call carried no credential this service knows; nothing else was looked at. */
export interface Unauthenticated {
  readonly _tag: 'Unauthenticated';
  readonly problem: UnauthenticatedProblem;
}

/** The caller is known but was not granted the stream group; no upstream call was made. */
export interface CallerNotAllowed {
  readonly _tag: 'CallerNotAllowed';
  readonly caller: string;
  readonly target: SessionTarget;
}

/** The request named a player, and the session belongs to another one; no reconnect was attempted. */
export interface NotSessionOwner {
  readonly _tag: 'NotSessionOwner';
  readonly target: SessionTarget;
}

/** The call stopped being wanted: its deadline passed (the caller's, or the budget of one upstream call) or it was cancelled. */
export type CallEnded =
  { readonly _tag: 'DeadlineExceeded'; readonly budgetMs: number } | { readonly _tag: 'Cancelled' };

/** Another reconnect of the same session, with a different offer, is in flight; no upstream call was made. */
export interface ReconnectInProgress {
  readonly _tag: 'ReconnectInProgress';
  readonly target: SessionTarget;
}

/** Admission refused the call before it reached AWS, to stay within the upstream rate. */
export interface AdmissionRefused {
  readonly _tag: 'AdmissionRefused';
  readonly cause: 'QueueFull' | 'DeadlineUnmeetable';
  /** When a retry could be admitted, estimated from the queue and the current rate. */
  readonly retryAfterMs: number;
  readonly ratePerSecond: number;
}

/** What GameLift Streams said when it answered with a modelled error. */
export interface UpstreamAnswer {
  readonly target: SessionTarget;
  /** AWS's own message, scrubbed of the signal strings and the token before it gets here. */
  readonly message: string;
  readonly requestId: string | undefined;
}

/** The six errors GameLift Streams' model lists for CreateStreamSessionConnection. */
export type ModelledRejection =
  | { readonly _tag: 'UpstreamAccessDenied'; readonly upstream: UpstreamAnswer }
  | { readonly _tag: 'UpstreamConflict'; readonly upstream: UpstreamAnswer }
  | { readonly _tag: 'UpstreamInternalServer'; readonly upstream: UpstreamAnswer }
  | { readonly _tag: 'UpstreamResourceNotFound'; readonly upstream: UpstreamAnswer }
  | { readonly _tag: 'UpstreamThrottling'; readonly upstream: UpstreamAnswer }
  | { readonly _tag: 'UpstreamValidation'; readonly upstream: UpstreamAnswer };

/** What one call to GameLift Streams can fail with, besides its caller giving up on it. */
export type UpstreamFailure =
  | ModelledRejection
  | {
      /** An error name AWS's model does not list for the operation, kept as AWS sent it. */
      readonly _tag: 'UpstreamUnmodelled';
      readonly target: SessionTarget;
      readonly name: string;
      readonly message: string | undefined;
      readonly requestId: string | undefined;
      readonly httpStatus: number | undefined;
    }
  | {
      /** No answer from AWS: the connection was refused, reset or timed out, after the SDK's own retries. */
      readonly _tag: 'UpstreamUnreachable';
      readonly target: SessionTarget;
      readonly reason: string;
    }
  | {
      /** The SDK failed before it could ask AWS (credentials, endpoint); an operator has to fix the deployment. */
      readonly _tag: 'UpstreamClientMisconfigured';
      readonly name: string;
    };

/** GetStreamSession's model lists no ConflictException: a conflict there is unmodelled. */
export type ReadFailure = Exclude<UpstreamFailure, { readonly _tag: 'UpstreamConflict' }>;

/** What a reconnect can end with. */
export type ReconnectFailure =
  | InvalidRequest
  | CallerNotAllowed
  | NotSessionOwner
  | CallEnded
  | ReconnectInProgress
  | AdmissionRefused
  | UpstreamFailure;

/** What reading a session can end with. */
export type ReadSessionFailure = InvalidRequest | CallerNotAllowed | CallEnded | AdmissionRefused | ReadFailure;

/** The caller already has as many watch streams open on this replica as it may; nothing was subscribed. */
export interface TooManyWatchStreams {
  readonly _tag: 'TooManyWatchStreams';
  readonly caller: string;
  readonly limit: number;
}

/**
 * Why a watch stream ended other than by its caller: the feed behind it ended, or this stream could not keep up. The
 * client resubscribes (on another replica, for a shutdown) and the new snapshot covers what it missed.
 */
export type WatchEnded =
  /** ListStreamSessions said the stream group does not exist. */
  | { readonly _tag: 'StreamGroupNotFound'; readonly streamGroupIdentifier: string }
  /** AWS refused this service's credentials for ListStreamSessions. */
  | { readonly _tag: 'WatchPollAccessDenied'; readonly streamGroupIdentifier: string }
  /** The polls of the group kept failing. */
  | { readonly _tag: 'WatchPollsFailing'; readonly streamGroupIdentifier: string; readonly detail: string }
  /** Changes were lost between replicas. */
  | { readonly _tag: 'WatchFeedGap'; readonly streamGroupIdentifier: string }
  /** This replica is shutting down. */
  | { readonly _tag: 'ShuttingDown' }
  /** The stream's client read too slowly: more messages waited for it than a stream may hold. */
  | { readonly _tag: 'WatchFellBehind'; readonly bufferMessages: number };

export type WatchEndedTag = WatchEnded['_tag'];

/** What a watch stream can end with, besides its caller cancelling it. */
export type WatchFailure = InvalidRequest | CallerNotAllowed | TooManyWatchStreams | WatchEnded;

/** Every failure the service answers a call with: what the transport turns into a gRPC status. */
export type ServiceFailure = ReconnectFailure | ReadSessionFailure | WatchFailure | Unauthenticated;

export type ServiceFailureTag = ServiceFailure['_tag'];
