import fc from 'fast-check';

/**
 * fast-check arbitraries for request fields, each named for what it guarantees by construction. The constraints
 * are the contract's (proto/reconnect/v1/reconnect.proto, docs/contract.md), restated here from the contract
 * rather than imported from src, so that a regression in the service's validation cannot hide itself.
 */

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const ID_CHARACTERS = `${LETTERS}${DIGITS}-`;
const USER_ID_CHARACTERS = `${LETTERS}${DIGITS}-_/=+`;

/** Identifiers: letters, digits and hyphens, 1-128 code points (or an ARN). */
const isIdCharacter = (character: string): boolean => ID_CHARACTERS.includes(character);
/** UserId: letters, digits and "-_/=+", 1-1024 characters. */
const isUserIdCharacter = (character: string): boolean => USER_ID_CHARACTERS.includes(character);
/** ClientToken: 32-128 characters in 0x21-0x7E. */
const isTokenCharacter = (character: string): boolean => character.length === 1 && character >= '!' && character <= '~';

const IDENTIFIER_MAX = 128;
const CLIENT_TOKEN_MIN = 32;
const CLIENT_TOKEN_MAX = 128;
const USER_ID_MAX = 1024;

export const SERVED_REGION = 'us-west-2';
export const ACCOUNT = '111122223333';

/**
 * Fragments that attackers and broken clients put in strings: traversal and percent-encoding, ARN and path
 * separators, control characters and NUL, invisible and bidirectional characters, combining marks, astral
 * characters, look-alikes of ASCII letters, shell and markup metacharacters. Each is a whole, well-formed string.
 */
export const NASTY_FRAGMENTS: ReadonlyArray<string> = [
  '../',
  '..\\',
  '..%2F',
  '%2F',
  '%2f',
  '%3A',
  '%3a',
  '%00',
  '%',
  '/',
  '\\',
  ':',
  '.',
  '..',
  ' ',
  '\t',
  '\n',
  '\r\n',
  '\u0000',
  '\u0007',
  '\u001b[31m',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u00ad',
  '\u200b',
  '\u200d',
  '\u200e',
  '\u202e',
  '\u2066',
  '\u2028',
  '\ufeff',
  '\ufffd',
  '\u0301',
  'e\u0301',
  '\u0410',
  '\u212a',
  '\uff21',
  '\u0131',
  '\u0130',
  '\u00df',
  '\u00e9',
  '\u{1f600}',
  '\u{1d400}',
  '\u{e0041}',
  '\u{10ffff}',
  '$(id)',
  '`id`',
  '${x}',
  '<script>',
  "' OR 1=1 --",
  '"',
  "'",
  '?',
  '#',
  '&',
  '=',
  '+',
  '*',
  ';',
  '|',
  '_',
  '~',
  '{}',
  '[]',
  'arn:',
];

/** The fragments holding at least one character a field does not allow, so inserting one always breaks it. */
function fragmentsBreaking(allowed: (character: string) => boolean): ReadonlyArray<string> {
  return NASTY_FRAGMENTS.filter((fragment) => [...fragment].some((character) => !allowed(character)));
}

const ID_BREAKERS = fragmentsBreaking(isIdCharacter);
const USER_ID_BREAKERS = fragmentsBreaking(isUserIdCharacter);
const TOKEN_BREAKERS = fragmentsBreaking(isTokenCharacter);

const characterOf = (alphabet: string): fc.Arbitrary<string> => fc.constantFrom(...alphabet.split(''));
/** One character in 0x21-0x7E. */
const printable = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));

/** A valid ID (letters, digits, hyphens), 1 to maxLength characters. */
export function validId(maxLength = IDENTIFIER_MAX): fc.Arbitrary<string> {
  return fc.string({ unit: characterOf(ID_CHARACTERS), minLength: 1, maxLength });
}

/** ASCII text of exactly `length` characters, made by repeating a generated seed (cheap for long strings). */
function repeatedTo(seed: fc.Arbitrary<string>, length: fc.Arbitrary<number>): fc.Arbitrary<string> {
  return fc.tuple(seed, length).map(([text, size]) => text.repeat(Math.ceil(size / text.length)).slice(0, size));
}

const idPart = (maxLength: number): fc.Arbitrary<string> => fc.string({ unit: characterOf(ID_CHARACTERS), maxLength });

/** Some valid text around a fragment that breaks it: `<id chars><fragment><id chars>`. */
function broken(breakers: ReadonlyArray<string>, alphabet: string, sideLength: number): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.string({ unit: characterOf(alphabet), maxLength: sideLength }),
      fc.constantFrom(...breakers),
      fc.string({ unit: characterOf(alphabet), maxLength: sideLength }),
    )
    .map(([before, fragment, after]) => `${before}${fragment}${after}`);
}

/** Any Unicode text (no lone surrogates) with at least one character outside `allowed`, not starting "arn:". */
function unicodeBreaking(allowed: (character: string) => boolean, maxLength: number): fc.Arbitrary<string> {
  return fc
    .string({ unit: 'binary', minLength: 1, maxLength })
    .filter((text) => [...text].some((character) => !allowed(character)) && !text.startsWith('arn:'));
}

export type IdentifierKind = 'streamgroup' | 'streamsession';

function arn(parts: {
  partition?: string;
  service?: string;
  region?: string;
  account?: string;
  resource: string;
}): string {
  return `arn:${parts.partition ?? 'aws'}:${parts.service ?? 'gameliftstreams'}:${parts.region ?? SERVED_REGION}:${parts.account ?? ACCOUNT}:${parts.resource}`;
}

/** The resource part of a correct ARN of this kind. */
function correctResource(kind: IdentifierKind): fc.Arbitrary<string> {
  return kind === 'streamgroup'
    ? validId(40).map((group) => `streamgroup/${group}`)
    : fc.tuple(validId(30), validId(30)).map(([group, session]) => `streamsession/${group}/${session}`);
}

/**
 * ARNs that look right and are not: another partition or service, an unserved or malformed region, an account of
 * 11 or 13 digits or with letters, the other resource type, missing, extra or traversing path segments, bad IDs,
 * trailing newlines. Every one is refused for the field of this kind.
 */
export function arnLookalike(kind: IdentifierKind): fc.Arbitrary<string> {
  const other: IdentifierKind = kind === 'streamgroup' ? 'streamsession' : 'streamgroup';
  const id = validId(30);
  const wrongPartition = fc
    .tuple(fc.constantFrom('aws-cn', 'aws-us-gov', 'aws-iso', 'AWS', 'Aws', '', 'aws ', '*'), correctResource(kind))
    .map(([partition, resource]) => arn({ partition, resource }));
  const wrongService = fc
    .tuple(
      fc.constantFrom('gamelift', 'gameliftstream', 'GameLiftStreams', 'gameliftstreams ', 's3', 'iam', '', '*'),
      correctResource(kind),
    )
    .map(([service, resource]) => arn({ service, resource }));
  const unservedRegion = fc
    .tuple(
      fc.constantFrom(
        'eu-west-1',
        'us-east-1',
        'ap-northeast-1',
        '',
        'US-WEST-2',
        'us-west-2 ',
        ' us-west-2',
        'us-west-2\u200b',
        'us\u2010west-2',
        '*',
        '..',
        '%2F',
      ),
      correctResource(kind),
    )
    .map(([region, resource]) => arn({ region, resource }));
  const badAccount = fc
    .tuple(
      fc.oneof(
        fc.stringMatching(/^[0-9]{11}$/),
        fc.stringMatching(/^[0-9]{13}$/),
        fc.stringMatching(/^[0-9]{1,10}$/),
        fc.constantFrom(
          '',
          '11112222333a',
          '1111-2222-3333',
          '\uff11\uff11\uff11\uff11\uff12\uff12\uff12\uff12\uff13\uff13\uff13\uff13',
          '*',
        ),
      ),
      correctResource(kind),
    )
    .map(([account, resource]) => arn({ account, resource }));
  const otherType = correctResource(other).map((resource) => arn({ resource }));
  const wrongResource = fc
    .tuple(
      fc.constantFrom('application', 'StreamGroup', 'streamgroups', 'STREAMSESSION', 'stream-session', '', '*'),
      id,
    )
    .map(([type, value]) => arn({ resource: `${type}/${value}` }));
  const badSegments =
    kind === 'streamgroup'
      ? fc.oneof(
          id.map((group) => arn({ resource: `streamgroup/${group}/` })),
          fc.tuple(id, id).map(([group, extra]) => arn({ resource: `streamgroup/${group}/${extra}` })),
          id.map((group) => arn({ resource: `streamgroup//${group}` })),
          fc.constant(arn({ resource: 'streamgroup/' })),
          fc.constant(arn({ resource: 'streamgroup' })),
          id.map((group) => arn({ resource: `streamgroup/../${group}` })),
          id.map((group) => arn({ resource: `streamgroup/${group}%2F..` })),
        )
      : fc.oneof(
          fc
            .tuple(id, id, id)
            .map(([group, session, extra]) => arn({ resource: `streamsession/${group}/${session}/${extra}` })),
          id.map((group) => arn({ resource: `streamsession/${group}` })),
          id.map((group) => arn({ resource: `streamsession/${group}/` })),
          fc.tuple(id, id).map(([group, session]) => arn({ resource: `streamsession/${group}/../${session}` })),
          fc.tuple(id, id).map(([group, session]) => arn({ resource: `streamsession/${group}/..%2F${session}` })),
          fc.tuple(id, id).map(([group, session]) => arn({ resource: `streamsession//${group}/${session}` })),
        );
  const badIdInside = fc
    .tuple(broken(ID_BREAKERS, ID_CHARACTERS, 12), id)
    .map(([bad, good]) =>
      arn({ resource: kind === 'streamgroup' ? `streamgroup/${bad}` : `streamsession/${good}/${bad}` }),
    );
  const trailingJunk = fc
    .tuple(correctResource(kind), fc.constantFrom('\n', '\r\n', '\u0000', ' ', ':', '\u2028'))
    .map(([resource, junk]) => `${arn({ resource })}${junk}`);
  // Cut no later than just after the last "/": a cut inside the last ID would leave a valid, shorter ARN.
  const truncated = correctResource(kind).chain((resource) => {
    const full = arn({ resource });
    return fc.integer({ min: 4, max: full.lastIndexOf('/') + 1 }).map((cut) => full.slice(0, cut));
  });
  return fc.oneof(
    wrongPartition,
    wrongService,
    unservedRegion,
    badAccount,
    otherType,
    wrongResource,
    badSegments,
    badIdInside,
    trailingJunk,
    truncated,
  );
}

/** A valid identifier of this kind: an ID, or a correct ARN in the served region. */
export function validIdentifier(kind: IdentifierKind): fc.Arbitrary<string> {
  return fc.oneof(
    validId(),
    correctResource(kind).map((resource) => arn({ resource })),
  );
}

/**
 * An identifier every deployment serving only us-west-2 must refuse on its own (whatever the other fields):
 * empty (the wire's "missing"), over 128 code points, a forbidden character among ID characters, arbitrary
 * Unicode that is neither an ID nor an ARN, path traversal and percent-encoding, or an ARN look-alike.
 */
export function invalidIdentifier(kind: IdentifierKind): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constant(''), weight: 1 },
    { arbitrary: repeatedTo(validId(20), fc.integer({ min: IDENTIFIER_MAX + 1, max: IDENTIFIER_MAX + 3 })), weight: 1 },
    { arbitrary: repeatedTo(validId(20), fc.integer({ min: IDENTIFIER_MAX + 1, max: 1000 })), weight: 1 },
    { arbitrary: broken(ID_BREAKERS, ID_CHARACTERS, 60), weight: 4 },
    { arbitrary: unicodeBreaking(isIdCharacter, 60), weight: 2 },
    {
      arbitrary: fc
        .tuple(
          fc.constantFrom('../', '..%2F', '%2F', '%3A', '/', './'),
          idPart(20),
          fc.constantFrom('', '../', '%2F', '/..'),
        )
        .map(([before, id, after]) => `${before}${id}${after}`),
      weight: 1,
    },
    { arbitrary: arnLookalike(kind), weight: 4 },
  );
}

/** A signal request of 1 byte up to the limit, of any Unicode (the service forwards it as it is). */
export function validSignalRequest(maxBytes: number): fc.Arbitrary<string> {
  return fc
    .string({ unit: 'binary', minLength: 1, maxLength: Math.max(1, Math.floor(maxBytes / 4)) })
    .filter((text) => Buffer.byteLength(text, 'utf8') <= maxBytes);
}

/**
 * A string of more than `minBytes` UTF-8 bytes: some arbitrary text, then enough copies of a 1- to 4-byte
 * character to pass `minBytes`, then `extraBytes` more. Sizes land just over the limit as well as far past it.
 */
export function textOverBytes(minBytes: number, extraBytes: fc.Arbitrary<number>): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.string({ unit: 'binary', maxLength: 16 }),
      fc.constantFrom('x', '\u00e9', '\u20ac', '\u{1f600}', '\u0000', '%2F', '../'),
      extraBytes,
    )
    .map(([prefix, filler, extra]) => {
      const fillerBytes = Buffer.byteLength(filler, 'utf8');
      const needed = minBytes + 1 + extra - Buffer.byteLength(prefix, 'utf8');
      return `${prefix}${filler.repeat(Math.max(1, Math.ceil(needed / fillerBytes)))}`;
    });
}

/** A signal request the service must refuse: empty (missing on the wire), or over the limit in UTF-8 bytes. */
export function invalidSignalRequest(maxBytes: number): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constant(''), weight: 1 },
    { arbitrary: textOverBytes(maxBytes, fc.integer({ min: 0, max: 8 })), weight: 3 },
    { arbitrary: textOverBytes(maxBytes, fc.integer({ min: 0, max: maxBytes * 2 })), weight: 2 },
  );
}

/** A client token the contract allows: 32-128 printable ASCII characters. */
export function validClientToken(): fc.Arbitrary<string> {
  return fc.string({ unit: printable, minLength: CLIENT_TOKEN_MIN, maxLength: CLIENT_TOKEN_MAX });
}

/** A client token the service must refuse: too short (empty included), too long, or with a non-printable character. */
export function invalidClientToken(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: printable, maxLength: CLIENT_TOKEN_MIN - 1 }),
    fc.string({ unit: printable, minLength: CLIENT_TOKEN_MAX + 1, maxLength: CLIENT_TOKEN_MAX + 100 }),
    fc
      .tuple(
        fc.string({ unit: printable, minLength: 16, maxLength: 60 }),
        fc.constantFrom(...TOKEN_BREAKERS),
        fc.string({ unit: printable, minLength: 16, maxLength: 60 }),
      )
      .map(([before, fragment, after]) => `${before}${fragment}${after}`),
  );
}

/** A user ID the contract allows. */
export function validUserId(): fc.Arbitrary<string> {
  return fc.string({ unit: characterOf(USER_ID_CHARACTERS), minLength: 1, maxLength: 64 });
}

/** A user ID the service must refuse: empty (explicitly set), over 1024 characters, or with a forbidden character. */
export function invalidUserId(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constant(''),
    repeatedTo(
      fc.string({ unit: characterOf(USER_ID_CHARACTERS), minLength: 1, maxLength: 20 }),
      fc.integer({ min: USER_ID_MAX + 1, max: USER_ID_MAX + 40 }),
    ),
    broken(USER_ID_BREAKERS, USER_ID_CHARACTERS, 40),
    unicodeBreaking(isUserIdCharacter, 60),
  );
}
