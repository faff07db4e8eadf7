import type * as TE from 'fp-ts/TaskEither';

import type { CallTiming } from './call-context';
import type { ReconnectError } from './reconnect-error';
import type { SessionReference } from './session-reference';

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

/** The port to GameLift Streams' GetStreamSession. */
export interface StreamSessionReader {
  getStreamSession(reference: SessionReference, context: CallTiming): TE.TaskEither<ReconnectError, StreamSessionRecord>;
}

/** The statuses in which CreateStreamSessionConnection is allowed. */
const RECONNECTABLE_STATUSES: ReadonlySet<string> = new Set(['PENDING_CLIENT_RECONNECTION', 'ACTIVE']);

export interface Reconnectability {
  readonly reconnectable: boolean;
  /** Last status change + ConnectionTimeoutSeconds, for a reconnectable status whose record has both. */
  readonly windowEndsAt: Date | undefined;
}

/** Whether a reconnect can succeed at `now`, and until when. Pure. */
export function reconnectability(record: StreamSessionRecord, now: Date): Reconnectability {
  if (record.status === undefined || !RECONNECTABLE_STATUSES.has(record.status)) {
    return { reconnectable: false, windowEndsAt: undefined };
  }
  const windowEndsAt =
    record.lastUpdatedAt !== undefined && record.connectionTimeoutSeconds !== undefined
      ? new Date(record.lastUpdatedAt.getTime() + record.connectionTimeoutSeconds * 1000)
      : undefined;
  return {
    reconnectable: windowEndsAt === undefined || windowEndsAt.getTime() > now.getTime(),
    windowEndsAt,
  };
}
