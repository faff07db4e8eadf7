import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';

import { GameLiftStreamsClient } from '@aws-sdk/client-gameliftstreams';
import * as grpc from '@grpc/grpc-js';

import { startReconnectService, type RunningService } from '../../src/app';
import { decodeErrorDetails } from '../../src/contract/error-details';
import { EmulatorControl } from '../../src/emulator/control-client';
import { startEmulator, type RunningEmulator } from '../../src/emulator/server';
import { sha256Hex } from '../../src/emulator/signal-answer';
import {
  GetStreamSessionRequest,
  ReconnectStreamSessionRequest,
  ReconnectStreamSessionResponse,
} from '../../src/gen/reconnect/v1/reconnect';
import { useCallersFile } from '../support/callers-fixture';
import { CapturedLogs } from '../support/captured-logs';
import { startDisconnectedSession, type StartedSession } from '../support/disconnected-sessions';
import {
  GET_STREAM_SESSION_PATH,
  RECONNECT_PATH,
  RawGrpcClient,
  lengthDelimited,
  type RawUnaryOutcome,
} from '../support/raw-grpc';
import { ServiceProcess } from '../support/service-process';
import { testServiceConfig } from '../support/service-config';
import { expectRight } from '../support/task-either';

/**
 * Recognisable markers, fresh for every run. None is a secret: they stand in for the values that must never be
 * written anywhere, and the test searches everything the service wrote or sent for them.
 */
const NONCE = randomBytes(8).toString('hex');
const MARKERS = {
  signalRequest: `MARKER-SIGNAL-REQUEST-${NONCE}`,
  bearerToken: `MARKER-BEARER-TOKEN-${NONCE}`,
  unknownBearerToken: `MARKER-BEARER-UNKNOWN-${NONCE}`,
  malformedAuthorization: `MARKER-AUTHORIZATION-MALFORMED-${NONCE}`,
  /** In fields that fail validation: refusals never quote a field's value (it may be sensitive). */
  invalidFieldValue: `MARKER-INVALID-FIELD-VALUE-${NONCE}`,
  accessKeyId: `MARKER-AWS-ACCESS-KEY-ID-${NONCE}`,
  secretAccessKey: `MARKER-AWS-SECRET-ACCESS-KEY-${NONCE}`,
  sessionToken: `MARKER-AWS-SESSION-TOKEN-${NONCE}`,
} as const;

const REGION = 'us-west-2';
const ACCOUNT_ID = '111122223333';
const GROUP_ID = 'sg-noLeak01';
const GROUP_ARN = `arn:aws:gameliftstreams:${REGION}:${ACCOUNT_ID}:streamgroup/${GROUP_ID}`;
const CALLER = 'no-leak-test-caller';
const PLAYER = 'player-no-leak-1';
/** The test's own game-backend client: its credentials are the test's, not the service's, so they are no markers. */
const BACKEND_CREDENTIALS = {
  accessKeyId: 'AKIDGAMEBACKEND',
  secretAccessKey: 'the-emulator-does-not-check-signatures',
};
/** The service's default limit on signal_request (64 KiB), and grpc-js's receive limit around it. */
const DEFAULT_MAX_SIGNAL_BYTES = 64 * 1024;
const DEFAULT_RECEIVE_LIMIT = DEFAULT_MAX_SIGNAL_BYTES + 4096;

/** A WebRTC offer carrying the signal marker; the label keeps each outcome's offer distinct. */
const offer = (label: string): string =>
  JSON.stringify({ type: 'offer', sdp: `v=0\r\no=- ${MARKERS.signalRequest} ${label}\r\n` });

function bearer(token: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

/** What the test needs of a running deployment, in process or spawned. */
interface Deployment {
  readonly address: string;
  /** The emulator the service calls (its control API is the test's only lever on AWS's behaviour). */
  readonly control: EmulatorControl;
  readonly endpoint: string;
  /** The service's log entries so far. */
  logEntries(): ReadonlyArray<Readonly<Record<string, unknown>>>;
  /** Resolves once at least `count` log entries match; bounded by the test's timeout or a bounded poll. */
  untilLogged(matches: (entry: Readonly<Record<string, unknown>>) => boolean, count: number): Promise<void>;
  /** Everything the service wrote, by where it went. */
  output(): ReadonlyArray<{ readonly where: string; readonly text: string }>;
  /** Services like this one but for a small budget or a tiny admission rate (in process only). */
  readonly limited: { readonly budgetAddress: string; readonly admissionAddress: string } | undefined;
}

/** One call the test made, with how it ended. */
interface Observation {
  readonly outcome: string;
  readonly call: RawUnaryOutcome;
}

/** Polls a condition on the emulator a bounded number of times (it changes when a call reaches it). */
async function eventually(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`never happened: ${what}`);
}

/**
 * Runs every outcome the service has against one deployment, checks each ended as intended (so that every path
 * really ran), and returns the calls and the signal responses the service handed out.
 */
async function runEveryOutcome(
  deployment: Deployment,
): Promise<{ readonly observations: Observation[]; readonly answers: string[] }> {
  const observations: Observation[] = [];
  const answers: string[] = [];
  const raw = new RawGrpcClient(deployment.address);
  const backend = new GameLiftStreamsClient({
    region: REGION,
    endpoint: deployment.endpoint,
    credentials: BACKEND_CREDENTIALS,
    maxAttempts: 1,
  });
  const control = deployment.control;

  const startSession = (userId?: string): Promise<StartedSession> =>
    startDisconnectedSession(backend, control, { groupId: GROUP_ID, userId });
  const faultsApplied = async (): Promise<number> =>
    (await expectRight(control.counters())).faultsApplied.CreateStreamSessionConnection;

  type Request = Partial<ReconnectStreamSessionRequest>;
  const encodeReconnect = (request: Request): Buffer =>
    Buffer.from(
      ReconnectStreamSessionRequest.encode({
        streamGroupIdentifier: request.streamGroupIdentifier ?? GROUP_ID,
        streamSessionIdentifier: request.streamSessionIdentifier ?? '',
        signalRequest: request.signalRequest ?? '',
        clientToken: request.clientToken,
        userId: request.userId,
      }).finish(),
    );
  interface Expectation {
    readonly code: grpc.status;
    /** The ErrorInfo reason the service sends; undefined for OK and for statuses grpc-js makes itself. */
    readonly reason?: string;
    /** False when either side may produce the status (a deadline), so the reason may or may not be there. */
    readonly checkReason?: boolean;
    readonly metadata?: grpc.Metadata;
    readonly deadlineMs?: number;
    readonly signal?: AbortSignal;
    readonly address?: string;
  }
  const observe = async (
    outcome: string,
    pathName: string,
    message: Buffer,
    expected: Expectation,
  ): Promise<RawUnaryOutcome> => {
    const client = expected.address === undefined ? raw : new RawGrpcClient(expected.address);
    try {
      const call = await client.call(pathName, message, {
        metadata: expected.metadata ?? bearer(MARKERS.bearerToken),
        deadlineMs: expected.deadlineMs,
        signal: expected.signal,
      });
      observations.push({ outcome, call });
      assert.equal(call.code, expected.code, `${outcome}: ${grpc.status[call.code] ?? call.code} "${call.details}"`);
      if (expected.checkReason !== false) {
        assert.equal(
          decodeErrorDetails(call.trailers).errorInfo?.reason,
          expected.reason,
          `${outcome}: the reason of "${call.details}"`,
        );
      }
      if (pathName === RECONNECT_PATH && call.code === grpc.status.OK && call.response !== undefined) {
        answers.push(ReconnectStreamSessionResponse.decode(call.response).signalResponse);
      }
      return call;
    } finally {
      if (client !== raw) client.close();
    }
  };
  const reconnect = (outcome: string, request: Request, expected: Expectation): Promise<RawUnaryOutcome> =>
    observe(outcome, RECONNECT_PATH, encodeReconnect(request), expected);
  const withFault = async (
    fault: Parameters<EmulatorControl['injectFault']>[0]['fault'],
    run: () => Promise<unknown>,
  ): Promise<void> => {
    await expectRight(control.injectFault({ operation: 'CreateStreamSessionConnection', fault, probability: 1 }));
    try {
      await run();
    } finally {
      await expectRight(control.clearFaults());
    }
  };

  try {
    const session = await startSession();
    const owned = await startSession(PLAYER);

    // Successes: by ID, by ARN with a client token, and for the player who owns the session.
    await reconnect(
      'success by ID',
      { streamSessionIdentifier: session.id, signalRequest: offer('by id') },
      { code: grpc.status.OK },
    );
    await reconnect(
      'success by ARN with a client_token',
      {
        streamGroupIdentifier: GROUP_ARN,
        streamSessionIdentifier: session.arn,
        signalRequest: offer('by arn'),
        clientToken: `client-token-${NONCE}-0123456789abcdef`,
      },
      { code: grpc.status.OK },
    );
    await reconnect(
      'success for the owning player',
      { streamSessionIdentifier: owned.id, signalRequest: offer('owner'), userId: PLAYER },
      {
        code: grpc.status.OK,
      },
    );

    // Refused before any AWS call.
    await reconnect(
      'our validation',
      {
        streamGroupIdentifier: '../etc',
        streamSessionIdentifier: `..%2F${MARKERS.invalidFieldValue}`,
        signalRequest: offer('invalid'),
        clientToken: 'short',
      },
      { code: grpc.status.INVALID_ARGUMENT, reason: 'INVALID_REQUEST' },
    );
    await reconnect(
      'our validation: a signal over the configured limit',
      {
        streamSessionIdentifier: session.id,
        signalRequest: `${offer('too big')}${'x'.repeat(DEFAULT_MAX_SIGNAL_BYTES)}`,
      },
      { code: grpc.status.INVALID_ARGUMENT, reason: 'INVALID_REQUEST' },
    );
    await reconnect(
      'a message over the receive limit (grpc-js)',
      {
        streamSessionIdentifier: session.id,
        signalRequest: `${offer('far too big')}${'x'.repeat(DEFAULT_RECEIVE_LIMIT)}`,
      },
      { code: grpc.status.RESOURCE_EXHAUSTED },
    );
    await observe(
      'undecodable bytes: signal_request not UTF-8',
      RECONNECT_PATH,
      Buffer.concat([
        lengthDelimited(1, GROUP_ID),
        lengthDelimited(2, session.id),
        lengthDelimited(3, Buffer.concat([Buffer.from(offer('not utf-8')), Buffer.from([0xff, 0xfe])])),
      ]),
      { code: grpc.status.INVALID_ARGUMENT, reason: 'INVALID_REQUEST' },
    );
    await reconnect(
      'no credential',
      { streamSessionIdentifier: session.id, signalRequest: offer('anonymous') },
      {
        code: grpc.status.UNAUTHENTICATED,
        reason: 'CALLER_UNAUTHENTICATED',
        metadata: new grpc.Metadata(),
      },
    );
    await reconnect(
      'an unknown bearer token',
      { streamSessionIdentifier: session.id, signalRequest: offer('unknown token') },
      {
        code: grpc.status.UNAUTHENTICATED,
        reason: 'CALLER_UNAUTHENTICATED',
        metadata: bearer(MARKERS.unknownBearerToken),
      },
    );
    const malformed = new grpc.Metadata();
    malformed.set('authorization', `Basic ${MARKERS.malformedAuthorization}`);
    await reconnect(
      'a malformed authorization',
      { streamSessionIdentifier: session.id, signalRequest: offer('malformed') },
      {
        code: grpc.status.UNAUTHENTICATED,
        reason: 'CALLER_UNAUTHENTICATED',
        metadata: malformed,
      },
    );
    await reconnect(
      'a stream group the caller was not granted',
      {
        streamGroupIdentifier: 'sg-notGranted1',
        streamSessionIdentifier: session.id,
        signalRequest: offer('not granted'),
      },
      { code: grpc.status.PERMISSION_DENIED, reason: 'CALLER_NOT_ALLOWED' },
    );
    await reconnect(
      "another player's session",
      { streamSessionIdentifier: owned.id, signalRequest: offer('not the owner'), userId: 'player-someone-else' },
      { code: grpc.status.PERMISSION_DENIED, reason: 'SESSION_NOT_OWNED_BY_USER' },
    );

    // What AWS answers, every modelled error and more, each echoing the offer back in its message.
    const modelled: ReadonlyArray<readonly [string, grpc.status, string]> = [
      ['ValidationException', grpc.status.INVALID_ARGUMENT, 'UPSTREAM_VALIDATION_FAILED'],
      ['AccessDeniedException', grpc.status.PERMISSION_DENIED, 'UPSTREAM_ACCESS_DENIED'],
      ['ResourceNotFoundException', grpc.status.NOT_FOUND, 'STREAM_SESSION_NOT_FOUND'],
      ['ConflictException', grpc.status.FAILED_PRECONDITION, 'STREAM_SESSION_NOT_RECONNECTABLE'],
      ['ThrottlingException', grpc.status.RESOURCE_EXHAUSTED, 'UPSTREAM_THROTTLED'],
      ['InternalServerException', grpc.status.INTERNAL, 'UPSTREAM_INTERNAL_ERROR'],
      ['SomethingNewException', grpc.status.UNKNOWN, 'UPSTREAM_UNMODELLED_ERROR'],
    ];
    for (const [errorName, code, reason] of modelled) {
      const signalRequest = offer(errorName);
      await withFault(
        { kind: 'error', errorName, message: `${errorName}: AWS echoes the offer ${signalRequest}` },
        () => reconnect(`AWS ${errorName}`, { streamSessionIdentifier: session.id, signalRequest }, { code, reason }),
      );
    }
    await withFault({ kind: 'http-status', status: 503 }, () =>
      reconnect(
        'AWS HTTP 503 without an error type',
        { streamSessionIdentifier: session.id, signalRequest: offer('503') },
        {
          code: grpc.status.UNAVAILABLE,
          reason: 'UPSTREAM_UNREACHABLE',
        },
      ),
    );
    await withFault({ kind: 'drop-connection' }, () =>
      reconnect(
        'AWS drops the connection',
        { streamSessionIdentifier: session.id, signalRequest: offer('dropped') },
        {
          code: grpc.status.UNAVAILABLE,
          reason: 'UPSTREAM_UNREACHABLE',
        },
      ),
    );
    await reconnect(
      'an unknown session',
      { streamSessionIdentifier: 'NoSuchSession1', signalRequest: offer('not found') },
      {
        code: grpc.status.NOT_FOUND,
        reason: 'STREAM_SESSION_NOT_FOUND',
      },
    );
    const connected = await startSession();
    await expectRight(control.forceStatus(GROUP_ID, connected.id, { status: 'CONNECTED' }));
    await reconnect(
      'a session that is not reconnectable',
      { streamSessionIdentifier: connected.id, signalRequest: offer('conflict') },
      {
        code: grpc.status.FAILED_PRECONDITION,
        reason: 'STREAM_SESSION_NOT_RECONNECTABLE',
      },
    );

    // Deadlines, cancellation, and a reconnect already in flight: AWS is slowed down for these.
    const endedByTime = (entry: Readonly<Record<string, unknown>>): boolean =>
      entry.reason === 'DEADLINE_EXCEEDED' || entry.reason === 'CANCELLED';
    await withFault({ kind: 'latency', ms: 3000 }, async () => {
      const endedBefore = deployment.logEntries().filter(endedByTime).length;
      await reconnect(
        "the caller's deadline",
        { streamSessionIdentifier: session.id, signalRequest: offer('deadline') },
        {
          code: grpc.status.DEADLINE_EXCEEDED,
          // The client's timer fires first (the service counts from the moment the call reached it), so the service
          // sees the call go before its own deadline: it logs DEADLINE_EXCEEDED or CANCELLED, after the client gave up.
          checkReason: false,
          deadlineMs: 300,
        },
      );
      await deployment.untilLogged(endedByTime, endedBefore + 1);
      if (deployment.limited !== undefined) {
        await reconnect(
          "the service's budget",
          { streamSessionIdentifier: session.id, signalRequest: offer('budget') },
          {
            code: grpc.status.DEADLINE_EXCEEDED,
            reason: 'DEADLINE_EXCEEDED',
            address: deployment.limited.budgetAddress,
          },
        );
      }
      const cancelledBefore = deployment.logEntries().filter((entry) => entry.reason === 'CANCELLED').length;
      const applied = await faultsApplied();
      const controller = new AbortController();
      const cancelled = reconnect(
        'the caller cancels',
        { streamSessionIdentifier: session.id, signalRequest: offer('cancel') },
        {
          code: grpc.status.CANCELLED,
          signal: controller.signal,
        },
      );
      await eventually(async () => (await faultsApplied()) > applied, 'the call to be cancelled reached AWS');
      controller.abort();
      await cancelled;
      await deployment.untilLogged((entry) => entry.reason === 'CANCELLED', cancelledBefore + 1);
    });
    await withFault({ kind: 'latency', ms: 500 }, async () => {
      const applied = await faultsApplied();
      const first = reconnect(
        'the reconnect in flight',
        { streamSessionIdentifier: session.id, signalRequest: offer('in flight') },
        { code: grpc.status.OK },
      );
      await eventually(async () => (await faultsApplied()) > applied, 'the first reconnect reached AWS');
      await reconnect(
        'a different offer while a reconnect is in flight',
        { streamSessionIdentifier: session.id, signalRequest: offer('second offer') },
        {
          code: grpc.status.FAILED_PRECONDITION,
          reason: 'RECONNECT_IN_PROGRESS',
        },
      );
      await first;
    });

    // Admission: a service that admits 1 call/s, with no queue, refuses the second call at once.
    if (deployment.limited !== undefined) {
      const address = deployment.limited.admissionAddress;
      const other = await startSession();
      await reconnect(
        'admitted',
        { streamSessionIdentifier: session.id, signalRequest: offer('admitted') },
        { code: grpc.status.OK, address },
      );
      await reconnect(
        'refused by admission',
        { streamSessionIdentifier: other.id, signalRequest: offer('refused') },
        {
          code: grpc.status.RESOURCE_EXHAUSTED,
          reason: 'ADMISSION_QUEUE_FULL',
          address,
        },
      );
    }

    // GetStreamSession.
    const read = (outcome: string, request: GetStreamSessionRequest, expected: Expectation): Promise<RawUnaryOutcome> =>
      observe(
        outcome,
        GET_STREAM_SESSION_PATH,
        Buffer.from(GetStreamSessionRequest.encode(request).finish()),
        expected,
      );
    await read(
      'GetStreamSession success',
      { streamGroupIdentifier: GROUP_ID, streamSessionIdentifier: session.id },
      { code: grpc.status.OK },
    );
    await read(
      'GetStreamSession of an unknown session',
      { streamGroupIdentifier: GROUP_ID, streamSessionIdentifier: 'NoSuchSession2' },
      {
        code: grpc.status.NOT_FOUND,
        reason: 'STREAM_SESSION_NOT_FOUND',
      },
    );
    await read(
      'GetStreamSession, invalid',
      { streamGroupIdentifier: GROUP_ID, streamSessionIdentifier: `x/${MARKERS.invalidFieldValue}` },
      {
        code: grpc.status.INVALID_ARGUMENT,
        reason: 'INVALID_REQUEST',
      },
    );
    await read(
      'GetStreamSession without a credential',
      { streamGroupIdentifier: GROUP_ID, streamSessionIdentifier: session.id },
      {
        code: grpc.status.UNAUTHENTICATED,
        reason: 'CALLER_UNAUTHENTICATED',
        metadata: bearer(MARKERS.unknownBearerToken),
      },
    );

    // The offers really reached AWS (as the emulator records them: by digest), so the markers were in play.
    const seen = await expectRight(control.requests('CreateStreamSessionConnection'));
    assert.ok(
      seen.requests.some((request) => request.signalRequestSha256 === sha256Hex(offer('by id'))),
      'the emulator received the marked offer',
    );
    return { observations, answers };
  } finally {
    raw.close();
    backend.destroy();
  }
}

/** The reasons the service must have logged for the outcomes above: proof that the capture holds them. */
const REASONS_LOGGED = [
  'INVALID_REQUEST',
  'CALLER_UNAUTHENTICATED',
  'CALLER_NOT_ALLOWED',
  'SESSION_NOT_OWNED_BY_USER',
  'UPSTREAM_VALIDATION_FAILED',
  'UPSTREAM_ACCESS_DENIED',
  'STREAM_SESSION_NOT_FOUND',
  'STREAM_SESSION_NOT_RECONNECTABLE',
  'UPSTREAM_THROTTLED',
  'UPSTREAM_INTERNAL_ERROR',
  'UPSTREAM_UNMODELLED_ERROR',
  'UPSTREAM_UNREACHABLE',
  'CANCELLED',
  'RECONNECT_IN_PROGRESS',
];
/** Logged only where a deployment has its limited twins. */
const REASONS_LOGGED_BY_LIMITED_SERVICES = ['DEADLINE_EXCEEDED', 'ADMISSION_QUEUE_FULL'];

/** Every value of a metadata, as text and as bytes (binary values are searched as bytes). */
function metadataValues(metadata: grpc.Metadata | undefined): Array<string | Buffer> {
  if (metadata === undefined) return [];
  return Object.entries(metadata.toJSON()).flatMap(([key, values]) => [key, ...values]);
}

/** The values that must never appear: the markers, and each signal response as sent and as JSON would escape it. */
function forbiddenValues(
  answers: ReadonlyArray<string>,
): ReadonlyArray<{ readonly name: string; readonly value: string }> {
  const fromAnswers = answers.flatMap((answer, index) => {
    const distinctive = /emulator-answer-[0-9a-f]{16}/.exec(answer)?.[0];
    return [
      { name: `signal response ${index}`, value: answer },
      { name: `signal response ${index}, JSON-escaped`, value: JSON.stringify(answer).slice(1, -1) },
      ...(distinctive === undefined
        ? []
        : [{ name: `signal response ${index}'s distinctive part`, value: distinctive }]),
    ];
  });
  return [...Object.entries(MARKERS).map(([name, value]) => ({ name, value })), ...fromAnswers];
}

/** Searches everything captured; fails naming each value found and where. */
function assertNothingLeaked(
  observations: ReadonlyArray<Observation>,
  answers: ReadonlyArray<string>,
  output: ReadonlyArray<{ readonly where: string; readonly text: string }>,
): void {
  const haystacks: Array<{ readonly where: string; readonly content: string | Buffer }> = [
    ...output.map(({ where, text }) => ({ where, content: text })),
    ...observations.flatMap(({ outcome, call }) => [
      { where: `${outcome}: status message`, content: call.details },
      { where: `${outcome}: decoded error details`, content: JSON.stringify(decodeErrorDetails(call.trailers)) },
      ...metadataValues(call.trailers).map((value) => ({ where: `${outcome}: trailers`, content: value })),
      ...metadataValues(call.headers).map((value) => ({ where: `${outcome}: headers`, content: value })),
    ]),
  ];
  const found = forbiddenValues(answers).flatMap(({ name, value }) =>
    haystacks.filter(({ content }) => content.includes(value)).map(({ where }) => `${name} in ${where}`),
  );
  assert.deepEqual(found, [], 'a sensitive value escaped');
}

/** That the capture is real: every outcome ran, its status went into the search, and the log holds each reason. */
function assertCaptured(
  deployment: Deployment,
  observations: ReadonlyArray<Observation>,
  answers: ReadonlyArray<string>,
): void {
  assert.ok(answers.length >= 4, `signal responses captured: ${answers.length}`);
  const trailersWithDetails = observations.filter(
    ({ call }) => call.trailers.get('grpc-status-details-bin').length > 0,
  );
  assert.ok(trailersWithDetails.length >= REASONS_LOGGED.length, 'the error details of the refusals were captured');
  const logged = new Set(deployment.logEntries().map((entry) => entry.reason));
  const expected = [...REASONS_LOGGED, ...(deployment.limited === undefined ? [] : REASONS_LOGGED_BY_LIMITED_SERVICES)];
  const missing = expected.filter((reason) => !logged.has(reason));
  assert.deepEqual(missing, [], 'reasons the log should hold');
  const text = deployment.output().reduce((length, { text: written }) => length + written.length, 0);
  assert.ok(text > 10_000, `the captured output is ${text} characters`);
}

describe('nothing sensitive escapes: every outcome, with markers, and all captured output searched', function () {
  this.timeout(60_000);
  const callers = useCallersFile([{ name: CALLER, token: MARKERS.bearerToken, streamGroups: [GROUP_ID] }]);

  async function prepareEmulator(emulator: RunningEmulator): Promise<EmulatorControl> {
    const control = new EmulatorControl(emulator.endpoint);
    await expectRight(control.createStreamGroup({ id: GROUP_ID }));
    await expectRight(
      control.setRate({ operation: 'CreateStreamSessionConnection', ratePerSecond: 1000, burst: 1000 }),
    );
    return control;
  }

  it('in process: marker AWS credentials, a callers file, debug logs of the service and of the emulator it calls', async () => {
    const logs = new CapturedLogs('debug');
    const emulator = await expectRight(
      startEmulator({
        host: '127.0.0.1',
        port: 0,
        region: REGION,
        accountId: ACCOUNT_ID,
        logger: logs.logger.child({ component: 'emulator' }),
        logRequests: true,
      }),
    );
    const services: RunningService[] = [];
    try {
      const control = await prepareEmulator(emulator);
      const security = {
        tls: undefined,
        callersFile: callers().path,
        allowInsecurePlaintext: false,
        healthRequiresAuthentication: false,
      };
      const upstream = {
        _tag: 'Endpoint' as const,
        endpoint: emulator.endpoint,
        credentials: { accessKeyId: MARKERS.accessKeyId, secretAccessKey: MARKERS.secretAccessKey },
      };
      const start = async (
        admission: { ratePerSecond: number; burst: number; queueLimit: number },
        deadlineBudgetMs?: number,
      ): Promise<RunningService> => {
        const { ratePerSecond, burst, queueLimit } = admission;
        const rates = {
          CreateStreamSessionConnection: ratePerSecond,
          GetStreamSession: ratePerSecond,
          ListStreamSessions: ratePerSecond,
        };
        const config = testServiceConfig({ admission: { rates, burst, queueLimit }, security });
        const service = await expectRight(
          startReconnectService({
            ...config,
            deadlineBudgetMs: deadlineBudgetMs ?? config.deadlineBudgetMs,
            upstream,
            logger: logs.logger,
          }),
        );
        services.push(service);
        return service;
      };
      const generous = { ratePerSecond: 1000, burst: 1000, queueLimit: 1000 };
      const service = await start(generous);
      // The service's own budget ends the call (not the caller's deadline), so it answers DEADLINE_EXCEEDED itself.
      const budgetLimited = await start(generous, 400);
      const admissionLimited = await start({ ratePerSecond: 1, burst: 1, queueLimit: 0 });
      const deployment: Deployment = {
        address: `127.0.0.1:${service.port}`,
        control,
        endpoint: emulator.endpoint,
        logEntries: () => logs.entries(),
        untilLogged: (matches, count) =>
          eventually(() => Promise.resolve(logs.entries().filter(matches).length >= count), 'a log line'),
        output: () => [{ where: 'the log (service and emulator, debug)', text: logs.text() }],
        limited: {
          budgetAddress: `127.0.0.1:${budgetLimited.port}`,
          admissionAddress: `127.0.0.1:${admissionLimited.port}`,
        },
      };
      const { observations, answers } = await runEveryOutcome(deployment);
      assertCaptured(deployment, observations, answers);
      assertNothingLeaked(observations, answers, deployment.output());
    } finally {
      for (const service of services) await service.stop(1000);
      await emulator.close();
    }
  });

  it('a spawned process: the aws backend with credentials from the standard environment, LOG_LEVEL=debug, stdout and stderr', async () => {
    const emulator = await expectRight(
      startEmulator({ host: '127.0.0.1', port: 0, region: REGION, accountId: ACCOUNT_ID }),
    );
    let child: ServiceProcess | undefined;
    try {
      const control = await prepareEmulator(emulator);
      const nowhere = path.join(path.dirname(callers().path), 'no-such-aws-file');
      child = await ServiceProcess.start({
        RECONNECT_BACKEND: 'aws',
        AWS_REGION: REGION,
        AWS_ENDPOINT_URL_GAMELIFTSTREAMS: emulator.endpoint,
        AWS_ACCESS_KEY_ID: MARKERS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: MARKERS.secretAccessKey,
        AWS_SESSION_TOKEN: MARKERS.sessionToken,
        // Only the environment's credentials: no shared files, no instance metadata.
        AWS_CONFIG_FILE: nowhere,
        AWS_SHARED_CREDENTIALS_FILE: nowhere,
        AWS_EC2_METADATA_DISABLED: 'true',
        RECONNECT_CALLERS_FILE: callers().path,
        RECONNECT_RATE_CREATE_STREAM_SESSION_CONNECTION: '1000',
        RECONNECT_RATE_GET_STREAM_SESSION: '1000',
        RECONNECT_UPSTREAM_BURST: '1000',
        RECONNECT_SHUTDOWN_DRAIN_DELAY_MS: '0',
        RECONNECT_SHUTDOWN_GRACE_MS: '2000',
        LOG_LEVEL: 'debug',
      });
      const running = child;
      const deployment: Deployment = {
        address: running.grpcAddress,
        control,
        endpoint: emulator.endpoint,
        logEntries: () => running.logs,
        untilLogged: async (matches, count) => {
          await running.untilLogged(() => running.logs.filter(matches).length >= count);
        },
        output: () => {
          const { stdout, stderr } = running.output();
          return [
            { where: 'stdout', text: stdout },
            { where: 'stderr', text: stderr },
          ];
        },
        limited: undefined,
      };
      const { observations, answers } = await runEveryOutcome(deployment);
      // Shutting down writes its own lines: they are searched too.
      running.signal('SIGTERM');
      assert.deepEqual(await running.exited(), { code: 0, signal: null });
      assertCaptured(deployment, observations, answers);
      assertNothingLeaked(observations, answers, deployment.output());
    } finally {
      child?.kill();
      await emulator.close();
    }
  });
});
