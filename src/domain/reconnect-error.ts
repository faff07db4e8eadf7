import type { FieldViolation } from './field-violation';

/** The session a failed upstream call was about; identifiers are not sensitive, so messages may name them. */
export interface ReconnectTarget {
  readonly streamGroupIdentifier: string;
  readonly streamSessionIdentifier: string;
}

/** The two identifiers of anything that names a session, and nothing else (never the signal or token). */
export function targetOf(reference: ReconnectTarget): ReconnectTarget {
  return {
    streamGroupIdentifier: reference.streamGroupIdentifier,
    streamSessionIdentifier: reference.streamSessionIdentifier,
  };
}

/** What AWS said when it answered with a modelled error. */
export interface UpstreamAnswer {
  readonly target: ReconnectTarget;
  /** AWS's own message; scrubbed of the signal strings before it gets here. */
  readonly message: string;
  readonly requestId: string | undefined;
}

/** Why the reconnect was cut short on our side. */
export type AbortCause =
  | { readonly _tag: 'DeadlineReached'; readonly budgetMs: number }
  | { readonly _tag: 'CallerCancelled' };

/**
 * Every way a reconnect can fail, one variant per outcome. A bug in our own code is not one of them: it is a
 * defect, caught by the transport adapter and answered INTERNAL with a generic message.
 */
export type ReconnectError =
  | { readonly _tag: 'InvalidRequest'; readonly violations: ReadonlyArray<FieldViolation> }
  | { readonly _tag: 'UpstreamAccessDenied'; readonly upstream: UpstreamAnswer }
  | { readonly _tag: 'UpstreamConflict'; readonly upstream: UpstreamAnswer }
  | { readonly _tag: 'UpstreamInternalServer'; readonly upstream: UpstreamAnswer }
  | { readonly _tag: 'UpstreamResourceNotFound'; readonly upstream: UpstreamAnswer }
  | { readonly _tag: 'UpstreamThrottling'; readonly upstream: UpstreamAnswer }
  | { readonly _tag: 'UpstreamValidation'; readonly upstream: UpstreamAnswer }
  | {
      /** An error name AWS's model does not list for the operation, kept as AWS sent it. */
      readonly _tag: 'UpstreamUnmodelled';
      readonly target: ReconnectTarget;
      readonly name: string;
      readonly message: string | undefined;
      readonly requestId: string | undefined;
      readonly httpStatus: number | undefined;
    }
  | {
      /** No answer from AWS: the connection was refused, reset or timed out, after the SDK's own retries. */
      readonly _tag: 'UpstreamUnreachable';
      readonly target: ReconnectTarget;
      readonly reason: string;
    }
  | {
      /** The SDK failed before it could ask AWS (credentials, endpoint); an operator has to fix the deployment. */
      readonly _tag: 'UpstreamClientMisconfigured';
      readonly name: string;
    }
  | {
      /** The call carried no credential we know; nothing else was looked at. */
      readonly _tag: 'Unauthenticated';
      readonly problem: 'MissingCredentials' | 'UnknownCredentials' | 'MalformedAuthorization';
    }
  | {
      /** The caller is known but was not granted the stream group; no upstream call was made. */
      readonly _tag: 'CallerNotAllowed';
      readonly caller: string;
      readonly target: ReconnectTarget;
    }
  | {
      /** The request named a player, and the session belongs to another one; no reconnect was attempted. */
      readonly _tag: 'NotSessionOwner';
      readonly target: ReconnectTarget;
    }
  | {
      /** Another reconnect of the same session, with a different offer, is in flight; no upstream call was made. */
      readonly _tag: 'ReconnectInProgress';
      readonly target: ReconnectTarget;
    }
  | {
      /** Our admission control refused the call before it reached AWS, to stay within the upstream rate. */
      readonly _tag: 'AdmissionRefused';
      readonly cause: 'QueueFull' | 'DeadlineUnmeetable';
      /** When a retry could be admitted, estimated from the queue and the current rate. */
      readonly retryAfterMs: number;
      readonly ratePerSecond: number;
    }
  | { readonly _tag: 'DeadlineExceeded'; readonly budgetMs: number }
  | { readonly _tag: 'Cancelled' };

export type ReconnectErrorTag = ReconnectError['_tag'];

export const invalidRequest = (violations: ReadonlyArray<FieldViolation>): ReconnectError => ({
  _tag: 'InvalidRequest',
  violations,
});

export const fromAbortCause = (cause: AbortCause): ReconnectError => {
  switch (cause._tag) {
    case 'DeadlineReached':
      return { _tag: 'DeadlineExceeded', budgetMs: cause.budgetMs };
    case 'CallerCancelled':
      return { _tag: 'Cancelled' };
    default: {
      const unreachable: never = cause;
      return unreachable;
    }
  }
};

/** Recognises the reasons our adapter aborts with, so an abort can be told apart from other failures. */
export function isAbortCause(reason: unknown): reason is AbortCause {
  if (typeof reason !== 'object' || reason === null || !('_tag' in reason)) {
    return false;
  }
  return reason._tag === 'DeadlineReached' || reason._tag === 'CallerCancelled';
}
