import * as E from 'fp-ts/Either';
import { absurd } from 'fp-ts/function';

import type { CallEnded, CallerNotAllowed } from './outcomes';
import { StreamGroupIdentifier, parseArn, targetOf, type SessionReference, type WatchCommand } from './request';

/**
 * The context a use case runs in, as the transport established it: who is calling (and which stream groups they may
 * touch), and until when the call is wanted.
 */

/** A stream group a caller may touch: every group, one group ID in any served region, or one group's ARN. */
export type StreamGroupGrant =
  | { readonly _tag: 'AnyStreamGroup' }
  | { readonly _tag: 'StreamGroupId'; readonly id: string }
  | { readonly _tag: 'StreamGroupArn'; readonly region: string; readonly accountId: string; readonly id: string };

/** Who is calling, as established by the transport (bearer token, client certificate, or loopback development). */
export interface Caller {
  readonly name: string;
  readonly grants: ReadonlyArray<StreamGroupGrant>;
}

/** When a call stops being wanted: what admission and the upstream ports need to know about it. */
export interface CallTiming {
  /** Fires when the caller cancels or the call's deadline passes; its reason is the CallEnded it ends with. */
  readonly signal: AbortSignal;
  /**
   * When the caller stops waiting (epoch ms): the caller's deadline, or now + the budget when it set none.
   * Admission uses it to decide whether a queued call can still be served in time.
   */
  readonly deadline: number;
}

/** What the transport tells a use case about the call it serves. */
export interface CallContext extends CallTiming {
  readonly caller: Caller;
}

function isCallEnded(reason: unknown): reason is CallEnded {
  if (typeof reason !== 'object' || reason === null || !('_tag' in reason)) {
    return false;
  }
  return reason._tag === 'DeadlineExceeded' || reason._tag === 'Cancelled';
}

/**
 * The outcome a fired signal ends its call with: the CallEnded it was aborted with (this service aborts its signals
 * with one), or Cancelled for any other reason. The one place an abort reason becomes an outcome.
 */
export function endedBy(signal: AbortSignal): CallEnded {
  const reason: unknown = signal.reason;
  return isCallEnded(reason) ? reason : { _tag: 'Cancelled' };
}

/** Reads a grant as written in the callers file: "*", a stream group ID, or a stream group ARN. */
export function parseGrant(text: string): StreamGroupGrant | undefined {
  if (text === '*') {
    return { _tag: 'AnyStreamGroup' };
  }
  if (/^[a-zA-Z0-9-]+$/.test(text)) {
    return { _tag: 'StreamGroupId', id: text };
  }
  // The whole ARN must be a well-formed stream group ARN ("streamgroup/<id>", nothing after it): a grant such as
  // ".../streamgroup/*" or ".../streamgroup/" would otherwise load and silently match nothing.
  const arn = E.isRight(StreamGroupIdentifier.decode(text)) ? parseArn(text) : undefined;
  if (arn !== undefined && arn.resourceType === 'streamgroup' && arn.streamGroupId !== undefined) {
    return { _tag: 'StreamGroupArn', region: arn.region, accountId: arn.accountId, id: arn.streamGroupId };
  }
  return undefined;
}

/** What a grant is checked against: a stream group, as the request named it, and the region that owns it. */
type GroupReference = Pick<SessionReference, 'region' | 'streamGroupIdentifier'>;

function grantCovers(grant: StreamGroupGrant, reference: GroupReference): boolean {
  const arn = parseArn(reference.streamGroupIdentifier);
  const groupId = arn?.streamGroupId ?? reference.streamGroupIdentifier;
  switch (grant._tag) {
    case 'AnyStreamGroup':
      return true;
    case 'StreamGroupId':
      return grant.id === groupId;
    case 'StreamGroupArn':
      // A plain ID in the request is resolved in the request's region; the account is the deployment's own.
      return (
        grant.id === groupId &&
        grant.region === reference.region &&
        (arn === undefined || arn.accountId === grant.accountId)
      );
    default:
      return absurd(grant);
  }
}

/** A caller may touch only sessions in the stream groups it was granted; checked before any upstream call. */
export function authorizeStreamGroup(
  caller: Caller,
  reference: SessionReference,
): E.Either<CallerNotAllowed, SessionReference> {
  return caller.grants.some((grant) => grantCovers(grant, reference))
    ? E.right(reference)
    : E.left({ _tag: 'CallerNotAllowed', caller: caller.name, target: targetOf(reference) });
}

/** The same check for a watch, which names a stream group and no session. */
export function authorizeWatchedGroup(caller: Caller, command: WatchCommand): E.Either<CallerNotAllowed, WatchCommand> {
  return caller.grants.some((grant) => grantCovers(grant, command))
    ? E.right(command)
    : E.left({
        _tag: 'CallerNotAllowed',
        caller: caller.name,
        target: { streamGroupIdentifier: command.streamGroupIdentifier, streamSessionIdentifier: '' },
      });
}
