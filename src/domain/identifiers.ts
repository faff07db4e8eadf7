import * as t from 'io-ts';

/**
 * Branded codecs for the values that reach AWS. A value of one of these types can only come out of its codec,
 * so the upstream call cannot be handed an unchecked string.
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
    const expectedShape = expected === 'streamgroup' ? 'a stream group ARN (resource "streamgroup/<id>")' : 'a stream session ARN (resource "streamsession/<group id>/<session id>")';
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

export const StreamSessionIdentifier = checkedString<StreamSessionIdentifierBrand>(
  'StreamSessionIdentifier',
  (value) => identifierProblem(value, 'streamsession'),
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
