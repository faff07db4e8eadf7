import type * as TE from 'fp-ts/TaskEither';

import type { CallTiming } from './call-context';
import type { CallEnded, ReadFailure, UpstreamFailure } from './outcomes';
import type { ReconnectCommand, SessionReference } from './request';

/**
 * The ports to GameLift Streams. The domain depends on these, not on the AWS SDK, so the use cases can be tested
 * without sockets and the adapter (upstream/gameliftstreams.ts) can be swapped. Each returns only what GameLift
 * Streams can cause, or the CallEnded its signal fired with.
 */

/** The WebRTC answer; sensitive, like the offer. */
export type SignalResponse = string;

/** What a successful CreateStreamSessionConnection gave back. */
export interface ConnectionAnswer {
  readonly signalResponse: SignalResponse;
  /** AWS's request id, for the access log and for support cases. */
  readonly awsRequestId: string | undefined;
}

export interface StreamSessionConnector {
  /**
   * Must not start the call when the signal has already fired, and must end it (closing the request to AWS) when it
   * fires. The call itself is capped at the deadline budget from the moment it starts.
   */
  createStreamSessionConnection(
    command: ReconnectCommand,
    timing: CallTiming,
  ): TE.TaskEither<UpstreamFailure | CallEnded, ConnectionAnswer>;
}

/** What GameLift Streams says about a session, as far as reconnecting it goes. Every field may be missing. */
export interface StreamSessionRecord {
  readonly arn: string | undefined;
  /** AWS's status string; kept as a string because AWS may add statuses. */
  readonly status: string | undefined;
  readonly statusReason: string | undefined;
  readonly connectionTimeoutSeconds: number | undefined;
  readonly lastUpdatedAt: Date | undefined;
  /** The UserId the session was started for; never returned to callers, only compared. */
  readonly userId: string | undefined;
}

export interface StreamSessionReader {
  getStreamSession(
    reference: SessionReference,
    timing: CallTiming,
  ): TE.TaskEither<ReadFailure | CallEnded, StreamSessionRecord>;
}

/** What ListStreamSessions says about one session of a group: its summary, which carries no connection timeout. */
export interface StreamSessionSummary {
  readonly arn: string;
  readonly status: string | undefined;
  readonly statusReason: string | undefined;
  readonly lastUpdatedAt: Date | undefined;
}

/** One page of a group's sessions in one status, and the token of the next page when there is one. */
export interface StreamSessionPage {
  readonly sessions: ReadonlyArray<StreamSessionSummary>;
  readonly nextToken: string | undefined;
}

/** The group a list call names: its region, and its ID (never an ARN) as AWS takes it. */
export interface ListedGroup {
  readonly region: string;
  readonly streamGroupId: string;
}

/** The statuses the service lists sessions in: the feed follows drops only. */
export type ListedStatus = 'PENDING_CLIENT_RECONNECTION';

export interface StreamSessionLister {
  /** One page of ListStreamSessions filtered to `status`; `nextToken` from the previous page, or undefined. */
  listStreamSessions(
    group: ListedGroup,
    status: ListedStatus,
    nextToken: string | undefined,
    timing: CallTiming,
  ): TE.TaskEither<ReadFailure | CallEnded, StreamSessionPage>;
}
