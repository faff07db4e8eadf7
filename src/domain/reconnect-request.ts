import type * as E from 'fp-ts/Either';
import * as t from 'io-ts';

import type { FieldViolation } from './field-violation';
import { ClientToken, UserId, signalRequestCodec, type SignalRequest } from './identifiers';
import { decodeWithSessionReference, sessionReferenceProps, type RegionPolicy, type SessionReference } from './session-reference';

/** A reconnect that has passed every check: the only shape the upstream port accepts. */
export interface ReconnectCommand extends SessionReference {
  readonly signalRequest: SignalRequest;
  /** The caller's token, or undefined; the pipeline derives one before the upstream call when it is absent. */
  readonly clientToken: ClientToken | undefined;
  /** The player the caller speaks for; when set, the session must belong to this user. */
  readonly userId: UserId | undefined;
}

export interface ReconnectRequestPolicy extends RegionPolicy {
  readonly maxSignalRequestBytes: number;
}

/** proto3 `optional`: absent is fine, present must be valid (an explicit empty string is not absent). */
function optional<A, O>(codec: t.Type<A, O, unknown>): t.Type<A | undefined, O | undefined, unknown> {
  return new t.Type<A | undefined, O | undefined, unknown>(
    `${codec.name} | undefined`,
    (u): u is A | undefined => u === undefined || codec.is(u),
    (u, context) => (u === undefined ? t.success(undefined) : codec.validate(u, context)),
    (a) => (a === undefined ? undefined : codec.encode(a)),
  );
}

/**
 * Decodes a wire ReconnectStreamSessionRequest into a ReconnectCommand, or every violation at once. Pure and
 * total: it never throws, whatever the input, and its messages never quote a field's value.
 */
export function decodeReconnectRequest(
  policy: ReconnectRequestPolicy,
): (input: unknown) => E.Either<ReadonlyArray<FieldViolation>, ReconnectCommand> {
  return decodeWithSessionReference(
    {
      ...sessionReferenceProps,
      signalRequest: signalRequestCodec(policy.maxSignalRequestBytes),
      clientToken: optional(ClientToken),
      userId: optional(UserId),
    },
    policy,
  );
}
