import { strict as assert } from 'node:assert';
import {
  CreateStreamSessionConnectionCommand,
  GetStreamSessionCommand,
  ListStreamSessionsByAccountCommand,
  ListStreamSessionsCommand,
  StartStreamSessionCommand,
  type StartStreamSessionCommandInput,
  TerminateStreamSessionCommand,
  ValidationException,
} from '@aws-sdk/client-gameliftstreams';
import {
  CLIENT_TOKEN,
  CONNECTION_TIMEOUT_SECONDS,
  DESCRIPTION,
  ENVIRONMENT_VARIABLES,
  GAME_LAUNCH_ARG_LIST,
  IAM_ROLE_ARN,
  IDENTIFIER,
  type IntegerRule,
  type ListRule,
  LOCATION_LIST,
  LOCATION_NAME,
  matchesPattern,
  MAX_RESULTS,
  RESOLUTION_HEIGHT,
  RESOLUTION_MAX_PIXELS,
  RESOLUTION_WIDTH,
  SESSION_LENGTH_SECONDS,
  SIGNAL_REQUEST,
  type StringRule,
  USER_ID,
} from '../../src/emulator/model-constraints';
import {
  droppedSession,
  GROUP_ID,
  OFFER,
  rawRequest,
  startSessionInput,
  type TestEmulator,
  useTestEmulator,
} from './support/fixture';

/**
 * Every constraint of the model, on both sides of each bound, through the real SDK (which checks nothing itself).
 * The bounds come from `model-constraints.ts`, the table the emulator enforces; the literal rows add the cases a
 * bound cannot express (patterns, uniqueness, code points).
 *
 * "accepted" means the call passed validation: it may still fail for another reason (an unknown stream group, say),
 * but not with a ValidationException. "refused" means a ValidationException whose message names the member.
 */
type Expectation = 'accepted' | 'refused';

/** How the emulator answered: refused with a ValidationException, or anything else (described for the report). */
type Outcome =
  | { readonly kind: 'refused'; readonly httpStatus: number | undefined; readonly message: string }
  | { readonly kind: 'passed-validation'; readonly answer: string };

type Call = (fixture: TestEmulator) => Promise<Outcome>;

interface Row {
  readonly title: string;
  readonly expect: Expectation;
  /** What a refusal's message must name. */
  readonly member: RegExp;
  readonly send: Call;
}

type Send<V> = (value: V) => Call;

const viaSdk = async (call: Promise<unknown>): Promise<Outcome> => {
  try {
    await call;
    return { kind: 'passed-validation', answer: 'success' };
  } catch (error: unknown) {
    return error instanceof ValidationException
      ? { kind: 'refused', httpStatus: error.$metadata.httpStatusCode, message: error.message }
      : { kind: 'passed-validation', answer: String(error) };
  }
};

const boundsOf = (length: { readonly min: number; readonly max?: number }): Array<readonly [number, Expectation]> => [
  [length.min, 'accepted'],
  ...(length.min > 0 ? [[length.min - 1, 'refused'] as const] : []),
  ...(length.max === undefined
    ? []
    : ([
        [length.max, 'accepted'],
        [length.max + 1, 'refused'],
      ] as const)),
];

/**
 * Rows at both sides of a rule's length bounds. `make(n)` is a value of length n that breaks no other rule: n
 * characters that satisfy the pattern, or n distinct items.
 */
const lengthRows = <V>(
  where: string,
  member: RegExp,
  rule: StringRule | ListRule,
  make: (length: number) => V,
  send: Send<V>,
): Row[] =>
  boundsOf(rule.length).map(([length, expect]) => ({
    title: `${where}: length ${length} (${rule.shape} ${JSON.stringify(rule.length)})`,
    expect,
    member,
    send: send(make(length)),
  }));

const integerRows = (where: string, member: RegExp, rule: IntegerRule, send: Send<number>): Row[] =>
  (
    [
      [rule.range.min, 'accepted'],
      [rule.range.max, 'accepted'],
      [rule.range.min - 1, 'refused'],
      [rule.range.max + 1, 'refused'],
    ] as const
  ).map(([value, expect]) => ({
    title: `${where}: ${value} (${rule.shape} ${JSON.stringify(rule.range)})`,
    expect,
    member,
    send: send(value),
  }));

const literal = (title: string, expect: Expectation, member: RegExp, send: Call): Row => ({
  title,
  expect,
  member,
  send,
});

const letters = (length: number): string => 'a'.repeat(length);
const distinctArgs = (count: number): string[] => Array.from({ length: count }, (_, index) => `--arg${index}`);
const distinctLocations = (count: number): string[] => Array.from({ length: count }, (_, index) => `loc-${index}`);
const variables = (count: number): Record<string, string> =>
  Object.fromEntries(Array.from({ length: count }, (_, index) => [`VAR_${index}`, 'value']));

const start: Send<Partial<StartStreamSessionCommandInput>> = (overrides) => (fixture) =>
  viaSdk(fixture.sdk.send(new StartStreamSessionCommand(startSessionInput(overrides))));

const reconnect =
  (input: {
    readonly signalRequest?: string;
    readonly clientToken?: string;
    readonly identifier?: string;
    readonly session?: string;
  }) =>
  async (fixture: TestEmulator): Promise<Outcome> => {
    const session = await droppedSession(fixture);
    return viaSdk(
      fixture.sdk.send(
        new CreateStreamSessionConnectionCommand({
          Identifier: input.identifier ?? GROUP_ID,
          StreamSessionIdentifier: input.session ?? session.id,
          SignalRequest: input.signalRequest ?? OFFER,
          ClientToken: input.clientToken,
        }),
      ),
    );
  };

const ARN_OF_GROUP = 'arn:aws:gameliftstreams:us-west-2:111122223333:streamgroup/sg-1AB2C3De4';

/**
 * Rows for an httpLabel. The SDK refuses to send an empty label itself, so that row goes over raw HTTP:
 * `emptyLabel` is the request with the label left empty.
 */
const labelRows = (
  operation: string,
  label: 'Identifier' | 'StreamSessionIdentifier',
  send: Send<string>,
  emptyLabel: { readonly method: string; readonly path: string },
): Row[] => {
  const member = new RegExp(`\\b${label}\\b`);
  const sentBySdk = lengthRows(`${operation} ${label}`, member, IDENTIFIER, letters, send).filter(
    (row) => !row.title.includes(': length 0 '),
  );
  return [
    ...sentBySdk,
    literal(`${operation} ${label}: empty (raw HTTP)`, 'refused', member, (fixture) =>
      validationOverRawHttp(fixture, emptyLabel.method, emptyLabel.path),
    ),
    literal(`${operation} ${label}: an ARN`, 'accepted', member, send(ARN_OF_GROUP)),
    literal(`${operation} ${label}: a space`, 'refused', member, send('has space')),
    literal(`${operation} ${label}: an underscore`, 'refused', member, send('sg_1')),
    literal(
      `${operation} ${label}: an ARN whose account is not 12 digits`,
      'refused',
      member,
      send('arn:aws:gameliftstreams:us-west-2:12345:streamgroup/sg-1'),
    ),
    literal(`${operation} ${label}: another service's ARN`, 'refused', member, send('arn:aws:s3:::bucket')),
  ];
};

const token32 = (length: number): string => 'T'.repeat(length);

const validationOverRawHttp = async (fixture: TestEmulator, method: string, path: string): Promise<Outcome> => {
  const answer = await rawRequest(fixture.emulator.endpoint, method, path);
  return answer.headers.get('x-amzn-errortype') === 'ValidationException'
    ? { kind: 'refused', httpStatus: answer.status, message: answer.text }
    : { kind: 'passed-validation', answer: `HTTP ${answer.status} ${answer.text}` };
};

const GROUP_PATH = `/streamgroups/${GROUP_ID}/streamsessions`;

/** A StartStreamSession body the SDK's types would not let a test write (a member of the wrong JSON type). */
const rawStart =
  (members: Readonly<Record<string, unknown>>): Call =>
  async (fixture) => {
    const body = JSON.stringify({ ...startSessionInput(), Identifier: undefined, ...members });
    const answer = await rawRequest(fixture.emulator.endpoint, 'POST', GROUP_PATH, body);
    return answer.headers.get('x-amzn-errortype') === 'ValidationException'
      ? { kind: 'refused', httpStatus: answer.status, message: answer.text }
      : { kind: 'passed-validation', answer: `HTTP ${answer.status}` };
  };

const ROLE_PREFIX = 'arn:aws:iam::111122223333:role/';
/** A role ARN of exactly `length` characters; below the prefix's length plus one it cannot match the pattern. */
const roleArnOf = (length: number): string =>
  length <= ROLE_PREFIX.length
    ? ROLE_PREFIX.slice(0, length)
    : `${ROLE_PREFIX}${'r'.repeat(length - ROLE_PREFIX.length)}`;

const withResolution = (width: number | undefined, height: number | undefined): Call =>
  start({ DisplayConfiguration: { Resolution: { Width: width, Height: height } } });
const SMALLEST = RESOLUTION_HEIGHT.range.min;

type SessionAddressInput = { readonly Identifier: string; readonly StreamSessionIdentifier: string };

/** The operations whose whole input is the two labels. */
const sessionAddressOperations: ReadonlyArray<{
  readonly name: string;
  readonly method: string;
  readonly send: (input: SessionAddressInput) => Call;
}> = [
  {
    name: 'GetStreamSession',
    method: 'GET',
    send: (input) => (fixture) => viaSdk(fixture.sdk.send(new GetStreamSessionCommand(input))),
  },
  {
    name: 'TerminateStreamSession',
    method: 'DELETE',
    send: (input) => (fixture) => viaSdk(fixture.sdk.send(new TerminateStreamSessionCommand(input))),
  },
];

const rows: readonly Row[] = [
  // StartStreamSession
  ...labelRows('StartStreamSession', 'Identifier', (value) => start({ Identifier: value }), {
    method: 'POST',
    path: '/streamgroups//streamsessions',
  }),
  ...lengthRows('StartStreamSession ApplicationIdentifier', /ApplicationIdentifier/, IDENTIFIER, letters, (value) =>
    start({ ApplicationIdentifier: value }),
  ),
  literal(
    'StartStreamSession ApplicationIdentifier: an application ARN',
    'accepted',
    /ApplicationIdentifier/,
    start({ ApplicationIdentifier: 'arn:aws:gameliftstreams:us-west-2:111122223333:application/a-9ZY8X7Wv6' }),
  ),
  literal(
    'StartStreamSession ApplicationIdentifier: a space',
    'refused',
    /ApplicationIdentifier/,
    start({ ApplicationIdentifier: 'app id' }),
  ),
  literal('StartStreamSession Protocol: WebRTC', 'accepted', /Protocol/, start({ Protocol: 'WebRTC' })),
  literal('StartStreamSession Protocol: another value', 'refused', /Protocol/, start({ Protocol: 'SRT' as 'WebRTC' })),
  ...lengthRows('StartStreamSession SignalRequest', /SignalRequest/, SIGNAL_REQUEST, letters, (value) =>
    start({ SignalRequest: value }),
  ),
  ...lengthRows('StartStreamSession ClientToken', /ClientToken/, CLIENT_TOKEN, token32, (value) =>
    start({ ClientToken: value }),
  ),
  literal(
    'StartStreamSession ClientToken: a space',
    'refused',
    /ClientToken/,
    start({ ClientToken: `${token32(32)} x` }),
  ),
  literal(
    'StartStreamSession ClientToken: a character outside printable ASCII',
    'refused',
    /ClientToken/,
    start({ ClientToken: `${token32(32)}é` }),
  ),
  literal(
    'StartStreamSession ClientToken: every printable ASCII character',
    'accepted',
    /ClientToken/,
    start({
      ClientToken: Array.from({ length: 0x7e - 0x21 + 1 }, (_, index) => String.fromCharCode(0x21 + index)).join(''),
    }),
  ),
  ...lengthRows('StartStreamSession Description', /Description/, DESCRIPTION, letters, (value) =>
    start({ Description: value }),
  ),
  literal(
    'StartStreamSession Description: a leading space',
    'refused',
    /Description/,
    start({ Description: ' starts with a space' }),
  ),
  literal(
    'StartStreamSession Description: inner and trailing spaces and every allowed symbol',
    'accepted',
    /Description/,
    start({ Description: 'Match 42 -_.!+@/ done ' }),
  ),
  literal('StartStreamSession Description: a tab', 'refused', /Description/, start({ Description: 'tab\there' })),
  literal(
    'StartStreamSession Description: a letter outside ASCII',
    'refused',
    /Description/,
    start({ Description: 'Spieler Jürgen' }),
  ),
  ...lengthRows('StartStreamSession UserId', /UserId/, USER_ID, letters, (value) => start({ UserId: value })),
  literal('StartStreamSession UserId: every allowed symbol', 'accepted', /UserId/, start({ UserId: 'player/42=+-_' })),
  literal('StartStreamSession UserId: a space', 'refused', /UserId/, start({ UserId: 'player one' })),
  literal('StartStreamSession UserId: a colon', 'refused', /UserId/, start({ UserId: 'player:1' })),
  ...lengthRows('StartStreamSession Locations', /Locations/, LOCATION_LIST, distinctLocations, (value) =>
    start({ Locations: value }),
  ),
  literal(
    'StartStreamSession Locations: the same location twice',
    'refused',
    /Locations/,
    start({ Locations: ['us-west-2', 'us-east-1', 'us-west-2'] }),
  ),
  ...lengthRows('StartStreamSession each item of Locations', /Locations/, LOCATION_NAME, letters, (value) =>
    start({ Locations: [value] }),
  ),
  literal(
    'StartStreamSession each item of Locations: an underscore',
    'refused',
    /Locations/,
    start({ Locations: ['us_west_2'] }),
  ),
  ...integerRows(
    'StartStreamSession ConnectionTimeoutSeconds',
    /ConnectionTimeoutSeconds/,
    CONNECTION_TIMEOUT_SECONDS,
    (value) => start({ ConnectionTimeoutSeconds: value }),
  ),
  literal(
    'StartStreamSession ConnectionTimeoutSeconds: not an integer',
    'refused',
    /ConnectionTimeoutSeconds/,
    start({ ConnectionTimeoutSeconds: 1.5 }),
  ),
  ...integerRows('StartStreamSession SessionLengthSeconds', /SessionLengthSeconds/, SESSION_LENGTH_SECONDS, (value) =>
    start({ SessionLengthSeconds: value }),
  ),
  ...lengthRows(
    'StartStreamSession AdditionalLaunchArgs',
    /AdditionalLaunchArgs/,
    GAME_LAUNCH_ARG_LIST,
    distinctArgs,
    (value) => start({ AdditionalLaunchArgs: value }),
  ),
  literal(
    'StartStreamSession AdditionalLaunchArgs: repeated arguments (the list is not unique)',
    'accepted',
    /AdditionalLaunchArgs/,
    start({ AdditionalLaunchArgs: ['-v', '-v'] }),
  ),
  ...[ENVIRONMENT_VARIABLES.length.min, ENVIRONMENT_VARIABLES.length.max].map((count) =>
    literal(
      `StartStreamSession AdditionalEnvironmentVariables: ${count} entries`,
      'accepted',
      /AdditionalEnvironmentVariables/,
      start({ AdditionalEnvironmentVariables: variables(count) }),
    ),
  ),
  literal(
    `StartStreamSession AdditionalEnvironmentVariables: ${ENVIRONMENT_VARIABLES.length.max + 1} entries`,
    'refused',
    /AdditionalEnvironmentVariables/,
    start({ AdditionalEnvironmentVariables: variables(ENVIRONMENT_VARIABLES.length.max + 1) }),
  ),
  ...lengthRows(
    'StartStreamSession each key of AdditionalEnvironmentVariables',
    /AdditionalEnvironmentVariables/,
    ENVIRONMENT_VARIABLES.key,
    (length) => 'K'.repeat(length),
    (key) => start({ AdditionalEnvironmentVariables: { [key]: 'v' } }),
  ),
  literal(
    'StartStreamSession each key of AdditionalEnvironmentVariables: a leading digit',
    'refused',
    /AdditionalEnvironmentVariables/,
    start({ AdditionalEnvironmentVariables: { '1ST': 'v' } }),
  ),
  literal(
    'StartStreamSession each key of AdditionalEnvironmentVariables: a hyphen',
    'refused',
    /AdditionalEnvironmentVariables/,
    start({ AdditionalEnvironmentVariables: { 'MY-VAR': 'v' } }),
  ),
  literal(
    'StartStreamSession each key of AdditionalEnvironmentVariables: underscores and digits',
    'accepted',
    /AdditionalEnvironmentVariables/,
    start({ AdditionalEnvironmentVariables: { _MY_VAR_2: 'v' } }),
  ),
  ...lengthRows(
    'StartStreamSession each value of AdditionalEnvironmentVariables',
    /AdditionalEnvironmentVariables/,
    ENVIRONMENT_VARIABLES.value,
    (length) => 'v'.repeat(length),
    (value) => start({ AdditionalEnvironmentVariables: { KEY: value } }),
  ),
  literal(
    'StartStreamSession each value of AdditionalEnvironmentVariables: the maximum in code points, not UTF-16 units',
    'accepted',
    /AdditionalEnvironmentVariables/,
    start({ AdditionalEnvironmentVariables: { KEY: '😀'.repeat(ENVIRONMENT_VARIABLES.value.length.max ?? 0) } }),
  ),
  literal(
    'StartStreamSession each value of AdditionalEnvironmentVariables: one code point over the maximum',
    'refused',
    /AdditionalEnvironmentVariables/,
    start({ AdditionalEnvironmentVariables: { KEY: '😀'.repeat((ENVIRONMENT_VARIABLES.value.length.max ?? 0) + 1) } }),
  ),

  // StartStreamSession: the members newer than AWS_MODEL, from SDK_MODEL
  // The pattern needs more characters than the length minimum, so no valid ARN has the minimum length: that row is out.
  ...boundsOf(IAM_ROLE_ARN.length)
    .filter(([length, expect]) => expect === 'refused' || matchesPattern(IAM_ROLE_ARN, roleArnOf(length)))
    .map(([length, expect]) =>
      literal(
        `StartStreamSession RoleArn: length ${length} (${IAM_ROLE_ARN.shape} ${JSON.stringify(IAM_ROLE_ARN.length)})`,
        expect,
        /RoleArn/,
        start({ RoleArn: roleArnOf(length) }),
      ),
    ),
  literal(
    `StartStreamSession RoleArn: the shortest that matches the pattern (${ROLE_PREFIX.length + 1})`,
    'accepted',
    /RoleArn/,
    start({ RoleArn: roleArnOf(ROLE_PREFIX.length + 1) }),
  ),
  literal(
    'StartStreamSession RoleArn: another partition',
    'accepted',
    /RoleArn/,
    start({ RoleArn: 'arn:aws-cn:iam::111122223333:role/GameLiftStreams-app' }),
  ),
  literal(
    'StartStreamSession RoleArn: an account that is not 12 digits',
    'refused',
    /RoleArn/,
    start({ RoleArn: 'arn:aws:iam::12345:role/GameLiftStreams-app-with-a-long-name' }),
  ),
  literal(
    'StartStreamSession RoleArn: a user, not a role',
    'refused',
    /RoleArn/,
    start({ RoleArn: 'arn:aws:iam::111122223333:user/GameLiftStreams-app' }),
  ),
  literal('StartStreamSession RoleArn: not a string', 'refused', /RoleArn/, rawStart({ RoleArn: 42 })),
  ...integerRows(
    'StartStreamSession DisplayConfiguration.Resolution.Width',
    /Resolution\.Width/,
    RESOLUTION_WIDTH,
    (value) => withResolution(value, SMALLEST),
  ),
  ...integerRows(
    'StartStreamSession DisplayConfiguration.Resolution.Height',
    /Resolution\.Height/,
    RESOLUTION_HEIGHT,
    (value) => withResolution(SMALLEST, value),
  ),
  literal(
    'StartStreamSession Resolution.Width: odd',
    'refused',
    /Resolution\.Width/,
    withResolution(SMALLEST + 1, SMALLEST),
  ),
  literal(
    'StartStreamSession Resolution.Height: odd',
    'refused',
    /Resolution\.Height/,
    withResolution(SMALLEST, SMALLEST + 1),
  ),
  literal(
    'StartStreamSession Resolution: Width missing',
    'refused',
    /Resolution\.Width/,
    withResolution(undefined, SMALLEST),
  ),
  literal(
    'StartStreamSession Resolution: Height missing',
    'refused',
    /Resolution\.Height/,
    withResolution(SMALLEST, undefined),
  ),
  literal(
    `StartStreamSession Resolution: 1920 × 1080 = ${RESOLUTION_MAX_PIXELS.value} pixels`,
    'accepted',
    /Resolution/,
    withResolution(1920, 1080),
  ),
  literal(
    'StartStreamSession Resolution: 1922 × 1080, over the pixel maximum',
    'refused',
    /Resolution/,
    withResolution(1922, 1080),
  ),
  literal(
    'StartStreamSession DisplayConfiguration: without a Resolution',
    'accepted',
    /DisplayConfiguration/,
    start({ DisplayConfiguration: {} }),
  ),
  literal(
    'StartStreamSession DisplayConfiguration: not an object',
    'refused',
    /DisplayConfiguration/,
    rawStart({ DisplayConfiguration: [1280, 720] }),
  ),
  literal(
    'StartStreamSession PerformanceStatsConfiguration: SharedWithClient false',
    'accepted',
    /PerformanceStatsConfiguration/,
    start({ PerformanceStatsConfiguration: { SharedWithClient: false } }),
  ),
  literal(
    'StartStreamSession PerformanceStatsConfiguration: empty',
    'accepted',
    /PerformanceStatsConfiguration/,
    start({ PerformanceStatsConfiguration: {} }),
  ),
  literal(
    'StartStreamSession PerformanceStatsConfiguration: SharedWithClient not a boolean',
    'refused',
    /PerformanceStatsConfiguration\.SharedWithClient/,
    rawStart({ PerformanceStatsConfiguration: { SharedWithClient: 'yes' } }),
  ),

  // GetStreamSession and TerminateStreamSession: their two labels
  ...sessionAddressOperations.flatMap(({ name, method, send }) => [
    ...labelRows(name, 'Identifier', (value) => send({ Identifier: value, StreamSessionIdentifier: 'ABC123def4567' }), {
      method,
      path: '/streamgroups//streamsessions/ABC123def4567',
    }),
    ...labelRows(
      name,
      'StreamSessionIdentifier',
      (value) => send({ Identifier: GROUP_ID, StreamSessionIdentifier: value }),
      {
        method,
        path: `${GROUP_PATH}/`,
      },
    ),
  ]),

  // ListStreamSessions
  ...labelRows(
    'ListStreamSessions',
    'Identifier',
    (value) => (fixture) => viaSdk(fixture.sdk.send(new ListStreamSessionsCommand({ Identifier: value }))),
    {
      method: 'GET',
      path: '/streamgroups//streamsessions',
    },
  ),
  ...integerRows(
    'ListStreamSessions MaxResults',
    /MaxResults/,
    MAX_RESULTS,
    (value) => (fixture) =>
      viaSdk(fixture.sdk.send(new ListStreamSessionsCommand({ Identifier: GROUP_ID, MaxResults: value }))),
  ),

  // ListStreamSessionsByAccount
  ...integerRows(
    'ListStreamSessionsByAccount MaxResults',
    /MaxResults/,
    MAX_RESULTS,
    (value) => (fixture) => viaSdk(fixture.sdk.send(new ListStreamSessionsByAccountCommand({ MaxResults: value }))),
  ),

  // CreateStreamSessionConnection
  ...labelRows('CreateStreamSessionConnection', 'Identifier', (value) => reconnect({ identifier: value }), {
    method: 'POST',
    path: '/streamgroups//streamsessions/ABC123def4567/connections',
  }),
  ...labelRows('CreateStreamSessionConnection', 'StreamSessionIdentifier', (value) => reconnect({ session: value }), {
    method: 'POST',
    path: `${GROUP_PATH}//connections`,
  }),
  ...lengthRows('CreateStreamSessionConnection SignalRequest', /SignalRequest/, SIGNAL_REQUEST, letters, (value) =>
    reconnect({ signalRequest: value }),
  ),
  ...lengthRows('CreateStreamSessionConnection ClientToken', /ClientToken/, CLIENT_TOKEN, token32, (value) =>
    reconnect({ clientToken: value }),
  ),
  literal(
    'CreateStreamSessionConnection ClientToken: a space',
    'refused',
    /ClientToken/,
    reconnect({ clientToken: `${token32(32)} x` }),
  ),
];

describe('emulator: every model constraint, at both sides of each bound (table-driven)', () => {
  const fixture = useTestEmulator();

  it('has rows for every bound it was given', () => {
    assert.ok(rows.length > 100, `only ${rows.length} rows`);
    assert.ok(rows.some((row) => row.expect === 'accepted') && rows.some((row) => row.expect === 'refused'));
  });

  it('a refused RoleArn, which the model marks sensitive, is not quoted', async () => {
    const secretRole = 'arn:aws:iam::111122223333:user/GameLiftStreams-secret-marker';
    const outcome = await start({ RoleArn: secretRole })(fixture());
    assert.ok(outcome.kind === 'refused');
    assert.ok(!outcome.message.includes('secret-marker'), outcome.message);
  });

  for (const row of rows) {
    it(`${row.expect === 'accepted' ? 'accepts' : 'refuses'} ${row.title}`, async () => {
      const outcome = await row.send(fixture());
      if (row.expect === 'accepted') {
        assert.equal(outcome.kind, 'passed-validation', outcome.kind === 'refused' ? outcome.message : '');
        return;
      }
      assert.ok(
        outcome.kind === 'refused',
        `expected a ValidationException, got ${outcome.kind === 'refused' ? '' : outcome.answer}`,
      );
      assert.equal(outcome.httpStatus, 400);
      assert.match(outcome.message, row.member);
    });
  }
});
