import * as E from 'fp-ts/Either';
import * as t from 'io-ts';

import type { FieldViolation, InvalidRequest, SessionTarget } from './outcomes';

/**
 * What a valid request is: branded codecs for the values that reach AWS (a value of one of these types can only come
 * out of its codec, so the upstream call cannot be handed an unchecked string), the session a request names and the
 * region that owns it, and the reconnect command. Decoding is pure and total, reports every violation at once, and
 * its messages never quote a value.
 */

interface StreamGroupIdentifierBrand {
  readonly StreamGroupIdentifier: unique symbol;
}
interface StreamSessionIdentifierBrand {
  readonly StreamSessionIdentifier: unique symbol;
}
interface ClientTokenBrand {
  readonly ClientToken: unique symbol;
}
interface SignalRequestBrand {
  readonly SignalRequest: unique symbol;
}
interface UserIdBrand {
  readonly UserId: unique symbol;
}

export type StreamGroupIdentifier = t.Branded<string, StreamGroupIdentifierBrand>;
export type StreamSessionIdentifier = t.Branded<string, StreamSessionIdentifierBrand>;
export type ClientToken = t.Branded<string, ClientTokenBrand>;
export type SignalRequest = t.Branded<string, SignalRequestBrand>;
export type UserId = t.Branded<string, UserIdBrand>;

/** Returns why a string is unacceptable, or undefined when it is fine. */
type StringCheck = (value: string) => string | undefined;

/**
 * A codec from unknown to a branded string whose failure message is the precise reason, so the caller's
 * INVALID_ARGUMENT can say what is wrong with each field. Messages never quote the value: it may be sensitive.
 */
function checkedString<B>(name: string, check: StringCheck): t.Type<t.Branded<string, B>, string, unknown> {
  const isBranded = (u: unknown): u is t.Branded<string, B> => typeof u === 'string' && check(u) === undefined;
  return new t.Type<t.Branded<string, B>, string, unknown>(
    name,
    isBranded,
    (u, context) => {
      if (typeof u !== 'string') {
        return t.failure(u, context, 'must be a string');
      }
      const problem = check(u);
      // The brand's constructor: the string has just passed `check`, which is what the brand stands for.
      return problem === undefined ? t.success(u as t.Branded<string, B>) : t.failure(u, context, problem);
    },
    (branded) => branded,
  );
}

/** Smithy `length` counts Unicode code points, not UTF-16 units. */
function codePointLength(value: string): number {
  let count = 0;
  for (const _ of value) {
    count += 1;
  }
  return count;
}

const IDENTIFIER_MAX_LENGTH = 128;
const ID_PATTERN = /^[a-zA-Z0-9-]+$/;
/** The model's Arn shape; the resource part is checked separately so the message can say what is wrong. */
const ARN_PATTERN = /^arn:aws:gameliftstreams:([^:\n]*):([0-9]{12}):([^:\n]*)$/;

export type ArnResourceType = 'streamgroup' | 'streamsession';

/** The parts of a GameLift Streams ARN that the request's cross-field checks need. */
export interface ParsedArn {
  readonly region: string;
  readonly accountId: string;
  readonly resourceType: string;
  /** For a stream group ARN, the group ID; for a stream session ARN, the group ID in its path. */
  readonly streamGroupId: string | undefined;
}

export function parseArn(value: string): ParsedArn | undefined {
  const match = ARN_PATTERN.exec(value);
  if (match === null) {
    return undefined;
  }
  const [, region = '', accountId = '', resource = ''] = match;
  const [resourceType = '', firstId] = resource.split('/');
  return { region, accountId, resourceType, streamGroupId: firstId };
}

function resourceShapeProblem(resource: string, expected: ArnResourceType): string | undefined {
  const segments = resource.split('/');
  const [type, ...ids] = segments;
  if (type !== expected) {
    const expectedShape =
      expected === 'streamgroup'
        ? 'a stream group ARN (resource "streamgroup/<id>")'
        : 'a stream session ARN (resource "streamsession/<group id>/<session id>")';
    return `must be ${expectedShape}, but the ARN names a "${type ?? ''}" resource`;
  }
  const expectedIds = expected === 'streamgroup' ? 1 : 2;
  const idsAreValid = ids.length === expectedIds && ids.every((id) => ID_PATTERN.test(id));
  if (!idsAreValid) {
    return expected === 'streamgroup'
      ? 'must be a stream group ARN ending in "streamgroup/<id>", where the id has only letters, digits and hyphens'
      : 'must be a stream session ARN ending in "streamsession/<group id>/<session id>", where the ids have only letters, digits and hyphens';
  }
  return undefined;
}

function identifierProblem(value: string, expected: ArnResourceType): string | undefined {
  if (value.length === 0) {
    return 'is required';
  }
  const length = codePointLength(value);
  if (length > IDENTIFIER_MAX_LENGTH) {
    return `must be at most ${IDENTIFIER_MAX_LENGTH} characters, but has ${length}`;
  }
  if (ID_PATTERN.test(value)) {
    return undefined;
  }
  if (value.startsWith('arn:')) {
    const match = ARN_PATTERN.exec(value);
    if (match === null) {
      return 'is not a valid GameLift Streams ARN (expected "arn:aws:gameliftstreams:<region>:<12-digit account>:<resource>")';
    }
    return resourceShapeProblem(match[3] ?? '', expected);
  }
  return 'must be an ID (only letters, digits and hyphens) or a GameLift Streams ARN';
}

export const StreamGroupIdentifier = checkedString<StreamGroupIdentifierBrand>('StreamGroupIdentifier', (value) =>
  identifierProblem(value, 'streamgroup'),
);

export const StreamSessionIdentifier = checkedString<StreamSessionIdentifierBrand>('StreamSessionIdentifier', (value) =>
  identifierProblem(value, 'streamsession'),
);

const CLIENT_TOKEN_MIN_LENGTH = 32;
const CLIENT_TOKEN_MAX_LENGTH = 128;
const PRINTABLE_ASCII = /^[\x21-\x7E]+$/;

export const ClientToken = checkedString<ClientTokenBrand>('ClientToken', (value) => {
  const length = codePointLength(value);
  if (length < CLIENT_TOKEN_MIN_LENGTH || length > CLIENT_TOKEN_MAX_LENGTH) {
    return `must be ${CLIENT_TOKEN_MIN_LENGTH} to ${CLIENT_TOKEN_MAX_LENGTH} characters, but has ${length}`;
  }
  if (!PRINTABLE_ASCII.test(value)) {
    return 'must contain only printable ASCII characters (0x21-0x7E, no spaces)';
  }
  return undefined;
});

/** The signal request's size limit is deployment configuration, so its codec is built from it. */
export function signalRequestCodec(maxBytes: number): t.Type<SignalRequest, string, unknown> {
  return checkedString<SignalRequestBrand>('SignalRequest', (value) => {
    if (value.length === 0) {
      return 'is required';
    }
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > maxBytes) {
      return `must be at most ${maxBytes} bytes (UTF-8), but has ${bytes}`;
    }
    return undefined;
  });
}

const USER_ID_MAX_LENGTH = 1024;
const USER_ID_PATTERN = /^[-_a-zA-Z0-9/=+]+$/;

/** The model's UserId, except that an empty one is refused: it could never match a session's owner. */
export const UserId = checkedString<UserIdBrand>('UserId', (value) => {
  const length = codePointLength(value);
  if (length === 0 || length > USER_ID_MAX_LENGTH) {
    return `must be 1 to ${USER_ID_MAX_LENGTH} characters, but has ${length}`;
  }
  if (!USER_ID_PATTERN.test(value)) {
    return 'must contain only letters, digits and "-", "_", "/", "=", "+"';
  }
  return undefined;
});

/** A validated pointer to one stream session, and the region whose endpoint owns it. */
export interface SessionReference {
  readonly region: string;
  readonly streamGroupIdentifier: StreamGroupIdentifier;
  readonly streamSessionIdentifier: StreamSessionIdentifier;
}

export interface RegionPolicy {
  /** Regions this deployment has an upstream client for; the default is used for plain IDs. */
  readonly defaultRegion: string;
  readonly servedRegions: ReadonlySet<string>;
}

/** The wire requests' property names (ts-proto camelCase) and their proto field names, for error messages. */
export const PROTO_FIELD_NAMES = {
  streamGroupIdentifier: 'stream_group_identifier',
  streamSessionIdentifier: 'stream_session_identifier',
  signalRequest: 'signal_request',
  clientToken: 'client_token',
  userId: 'user_id',
  statuses: 'statuses',
} as const;

type WireField = keyof typeof PROTO_FIELD_NAMES;

function isWireField(key: string): key is WireField {
  return Object.prototype.hasOwnProperty.call(PROTO_FIELD_NAMES, key);
}

const sessionReferenceProps = {
  streamGroupIdentifier: StreamGroupIdentifier,
  streamSessionIdentifier: StreamSessionIdentifier,
};

function violationsFromErrors(errors: t.Errors): FieldViolation[] {
  return errors.map((error) => {
    const key = error.context[1]?.key ?? '';
    const field = isWireField(key) ? PROTO_FIELD_NAMES[key] : 'request';
    return { field, description: error.message ?? 'is invalid' };
  });
}

function validOrUndefined<A>(codec: t.Type<A, string, unknown>, value: unknown): string | undefined {
  return E.isRight(codec.decode(value)) && typeof value === 'string' ? value : undefined;
}

/** What the checks across both identifiers found, and the region that owns the session when they found nothing. */
interface ReferenceCheck {
  readonly violations: FieldViolation[];
  /** An ARN's region, or the default one for plain IDs. */
  readonly region: string;
}

/**
 * Checks that need the deployment's regions or both identifiers, given the identifiers that passed their own codec
 * (undefined for one that did not), so they can run beside per-field validation and every problem is reported at
 * once. Each ARN is parsed once, for the checks and the region alike.
 */
function checkReferences(
  groupIdentifier: string | undefined,
  sessionIdentifier: string | undefined,
  policy: RegionPolicy,
): ReferenceCheck {
  const violations: FieldViolation[] = [];
  const groupArn = groupIdentifier === undefined ? undefined : parseArn(groupIdentifier);
  const sessionArn = sessionIdentifier === undefined ? undefined : parseArn(sessionIdentifier);
  const checkRegion = (field: WireField, region: string | undefined): void => {
    if (region !== undefined && !policy.servedRegions.has(region)) {
      violations.push({
        field: PROTO_FIELD_NAMES[field],
        description: `names region "${region}", which this service does not serve (it serves: ${[...policy.servedRegions].join(', ')})`,
      });
    }
  };
  checkRegion('streamGroupIdentifier', groupArn?.region);
  checkRegion('streamSessionIdentifier', sessionArn?.region);
  if (groupArn !== undefined && sessionArn !== undefined) {
    if (groupArn.region !== sessionArn.region || groupArn.accountId !== sessionArn.accountId) {
      violations.push({
        field: PROTO_FIELD_NAMES.streamSessionIdentifier,
        description: 'names a different region or account than stream_group_identifier',
      });
    }
  }
  const groupId = groupArn === undefined ? groupIdentifier : groupArn.streamGroupId;
  if (sessionArn !== undefined && groupId !== undefined && sessionArn.streamGroupId !== groupId) {
    violations.push({
      field: PROTO_FIELD_NAMES.streamSessionIdentifier,
      description: 'is the ARN of a session in another stream group than stream_group_identifier',
    });
  }
  return { violations, region: groupArn?.region ?? sessionArn?.region ?? policy.defaultRegion };
}

/** The cross-field checks on a request whose identifiers may not have passed their codecs. */
function crossFieldViolations(input: unknown, policy: RegionPolicy): FieldViolation[] {
  const fields = typeof input === 'object' && input !== null ? input : {};
  return checkReferences(
    validOrUndefined(
      StreamGroupIdentifier,
      'streamGroupIdentifier' in fields ? fields.streamGroupIdentifier : undefined,
    ),
    validOrUndefined(
      StreamSessionIdentifier,
      'streamSessionIdentifier' in fields ? fields.streamSessionIdentifier : undefined,
    ),
    policy,
  ).violations;
}

/**
 * Decodes any wire request whose fields are `props` (the two identifiers and maybe more) into its fields plus the
 * owning region, or every violation at once. Pure and total, and its messages never quote a value.
 */
function decodeWithSessionReference<P extends typeof sessionReferenceProps & t.Props>(
  props: P,
  policy: RegionPolicy,
): (input: unknown) => E.Either<ReadonlyArray<FieldViolation>, t.TypeOf<t.TypeC<P>> & { readonly region: string }> {
  const codec = t.type(props);
  return (input) => {
    const decoded = codec.decode(input);
    if (E.isLeft(decoded)) {
      return E.left([...violationsFromErrors(decoded.left), ...crossFieldViolations(input, policy)]);
    }
    // The identifiers passed their codecs: check them as decoded, without decoding them again.
    const { streamGroupIdentifier, streamSessionIdentifier } = decoded.right;
    const check = checkReferences(streamGroupIdentifier, streamSessionIdentifier, policy);
    return check.violations.length > 0 ? E.left(check.violations) : E.right({ ...decoded.right, region: check.region });
  };
}

const invalidRequest = (violations: ReadonlyArray<FieldViolation>): InvalidRequest => ({
  _tag: 'InvalidRequest',
  violations,
});

/** Decodes a request that names a session (GetStreamSessionRequest), or says every violation at once. */
export function decodeSessionReference(
  policy: RegionPolicy,
): (input: unknown) => E.Either<InvalidRequest, SessionReference> {
  const decode = decodeWithSessionReference(sessionReferenceProps, policy);
  return (input) => E.mapLeft(invalidRequest)(decode(input));
}

/** The two identifiers of anything that names a session, and nothing else (never the signal or token). */
export function targetOf(reference: SessionTarget): SessionTarget {
  return {
    streamGroupIdentifier: reference.streamGroupIdentifier,
    streamSessionIdentifier: reference.streamSessionIdentifier,
  };
}

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
): (input: unknown) => E.Either<InvalidRequest, ReconnectCommand> {
  const decode = decodeWithSessionReference(
    {
      ...sessionReferenceProps,
      signalRequest: signalRequestCodec(policy.maxSignalRequestBytes),
      clientToken: optional(ClientToken),
      userId: optional(UserId),
    },
    policy,
  );
  return (input) => E.mapLeft(invalidRequest)(decode(input));
}

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

/** The statuses a watch can be about, by their numbers in the contract's StreamSessionStatus enum. */
const WATCHABLE_STATUSES: ReadonlyMap<number, WatchableStatus> = new Map([
  [4, 'PENDING_CLIENT_RECONNECTION'],
  [2, 'ACTIVE'],
  [3, 'CONNECTED'],
  [7, 'TERMINATED'],
  [8, 'ERROR'],
]);

/** AWS's names of the statuses a watch can be about. */
export type WatchableStatus = 'PENDING_CLIENT_RECONNECTION' | 'ACTIVE' | 'CONNECTED' | 'TERMINATED' | 'ERROR';

/** A watch that has passed every check: the group, in its region, and the statuses it is about. */
export interface WatchCommand {
  readonly region: string;
  readonly streamGroupIdentifier: StreamGroupIdentifier;
  /** The group's ID, from the identifier itself or its ARN: what ListStreamSessions is given. */
  readonly streamGroupId: string;
  /** Never empty: a request that names none is about all five. */
  readonly statuses: ReadonlySet<WatchableStatus>;
}

function statusesViolations(input: unknown): { violations: FieldViolation[]; statuses: Set<WatchableStatus> } {
  const violations: FieldViolation[] = [];
  const statuses = new Set<WatchableStatus>();
  if (input === undefined) return { violations, statuses };
  if (!Array.isArray(input)) {
    return { violations: [{ field: PROTO_FIELD_NAMES.statuses, description: 'must be a list of statuses' }], statuses };
  }
  input.forEach((value: unknown, index) => {
    const status = typeof value === 'number' ? WATCHABLE_STATUSES.get(value) : undefined;
    if (status === undefined) {
      violations.push({
        field: PROTO_FIELD_NAMES.statuses,
        description: `[${index}] must be PENDING_CLIENT_RECONNECTION, ACTIVE, CONNECTED, TERMINATED or ERROR`,
      });
    } else if (statuses.has(status)) {
      violations.push({ field: PROTO_FIELD_NAMES.statuses, description: `[${index}] repeats ${status}` });
    } else {
      statuses.add(status);
    }
  });
  return { violations, statuses };
}

/**
 * Decodes a wire WatchStreamSessionsRequest into a WatchCommand, or every violation at once. Pure and total, and its
 * messages never quote a value.
 */
export function decodeWatchRequest(policy: RegionPolicy): (input: unknown) => E.Either<InvalidRequest, WatchCommand> {
  const groupCodec = t.type({ streamGroupIdentifier: StreamGroupIdentifier });
  return (input) => {
    const fields = typeof input === 'object' && input !== null ? input : {};
    const decodedGroup = groupCodec.decode(input);
    const groupViolations = E.isLeft(decodedGroup) ? violationsFromErrors(decodedGroup.left) : [];
    const groupIdentifier = E.isRight(decodedGroup) ? decodedGroup.right.streamGroupIdentifier : undefined;
    const check = checkReferences(groupIdentifier, undefined, policy);
    const statuses = statusesViolations('statuses' in fields ? fields.statuses : undefined);
    const violations = [...groupViolations, ...check.violations, ...statuses.violations];
    if (groupIdentifier === undefined || violations.length > 0) return E.left(invalidRequest(violations));
    return E.right({
      region: check.region,
      streamGroupIdentifier: groupIdentifier,
      streamGroupId: parseArn(groupIdentifier)?.streamGroupId ?? groupIdentifier,
      statuses: statuses.statuses.size > 0 ? statuses.statuses : new Set(WATCHABLE_STATUSES.values()),
    });
  };
}
