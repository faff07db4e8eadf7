import { pipe } from 'fp-ts/function';
import * as TE from 'fp-ts/TaskEither';

import { authorizeStreamGroup, type CallContext } from './call-context';
import type { ReadSessionFailure } from './outcomes';
import type { StreamSessionRecord } from './ports';
import { decodeSessionReference, type RegionPolicy } from './request';
import type { SessionReads } from './sessions';

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

export interface StreamSessionReport extends Reconnectability {
  readonly record: StreamSessionRecord;
}

export interface GetStreamSessionDependencies {
  readonly policy: RegionPolicy;
  readonly sessions: SessionReads;
  readonly now: () => Date;
}

/** The matchmaker's question: what state is this session in, and can it still be reconnected? */
export function getStreamSession(
  dependencies: GetStreamSessionDependencies,
): (request: unknown, context: CallContext) => TE.TaskEither<ReadSessionFailure, StreamSessionReport> {
  const decode = decodeSessionReference(dependencies.policy);
  return (request, context) =>
    pipe(
      TE.fromEither(decode(request)),
      TE.tapEither((reference) => authorizeStreamGroup(context.caller, reference)),
      TE.flatMap((reference) => dependencies.sessions.read(reference, context)),
      TE.map((record) => ({ record, ...reconnectability(record, dependencies.now()) })),
    );
}
