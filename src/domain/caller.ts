import * as E from 'fp-ts/Either';

import { StreamGroupIdentifier, parseArn } from './identifiers';
import { targetOf, type ReconnectError } from './reconnect-error';
import type { SessionReference } from './session-reference';

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

function grantCovers(grant: StreamGroupGrant, reference: SessionReference): boolean {
  const arn = parseArn(reference.streamGroupIdentifier);
  const groupId = arn?.streamGroupId ?? reference.streamGroupIdentifier;
  switch (grant._tag) {
    case 'AnyStreamGroup':
      return true;
    case 'StreamGroupId':
      return grant.id === groupId;
    case 'StreamGroupArn':
      // A plain ID in the request is resolved in the request's region; the account is the deployment's own.
      return grant.id === groupId && grant.region === reference.region && (arn === undefined || arn.accountId === grant.accountId);
    default: {
      const unreachable: never = grant;
      return unreachable;
    }
  }
}

/** A caller may touch only sessions in the stream groups it was granted; checked before any upstream call. */
export function authorizeStreamGroup(caller: Caller, reference: SessionReference): E.Either<ReconnectError, SessionReference> {
  return caller.grants.some((grant) => grantCovers(grant, reference))
    ? E.right(reference)
    : E.left({
        _tag: 'CallerNotAllowed',
        caller: caller.name,
        target: targetOf(reference),
      });
}
