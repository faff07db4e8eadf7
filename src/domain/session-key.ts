import { parseArn } from './identifiers';
import type { SessionReference } from './session-reference';

/**
 * One stream session, however the caller named it: an ID and an ARN of the same session give the same key, so
 * coalescing and derived idempotency tokens do not depend on the spelling.
 */
export type SessionKey = string & { readonly SessionKey: unique symbol };

function lastSegment(value: string): string {
  const segments = value.split('/');
  return segments[segments.length - 1] ?? value;
}

export function sessionKeyOf(reference: SessionReference): SessionKey {
  const groupArn = parseArn(reference.streamGroupIdentifier);
  const groupId = groupArn?.streamGroupId ?? reference.streamGroupIdentifier;
  const sessionId = lastSegment(reference.streamSessionIdentifier);
  // The brand's constructor: this function is the only place a SessionKey is made.
  return `${reference.region}/${groupId}/${sessionId}` as SessionKey;
}
