import { strict as assert } from 'node:assert';
import { gzipSync } from 'node:zlib';

import { status } from '@grpc/grpc-js';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';

import { decodeErrorDetails } from '../../src/contract/error-details';
import type { ReconnectCallError } from '../../src/client/reconnect-client';
import { emulatorSignalResponse } from '../../src/emulator/signal-answer';
import { OPERATION_NAMES } from '../../src/emulator/operations';
import {
  GetStreamSessionRequest,
  ReconnectStreamSessionRequest,
  ReconnectStreamSessionResponse,
  StreamSessionStatus,
} from '../../src/gen/reconnect/v1/reconnect';
import {
  ACCOUNT,
  NASTY_FRAGMENTS,
  invalidClientToken,
  invalidIdentifier,
  invalidSignalRequest,
  invalidUserId,
  validClientToken,
  validId,
  validIdentifier,
  validSignalRequest,
  validUserId,
  type IdentifierKind,
} from '../support/hostile-strings';
import { equivalentEncoding, malformedMessage, type MalformedMessage, type WireMessage } from '../support/hostile-wire';
import { checkEach, checkInBatches, type LoadReport } from '../support/load-budget';
import {
  GET_STREAM_SESSION_PATH,
  RECONNECT_PATH,
  RawGrpcClient,
  abandonMidMessage,
  grpcFrame,
  rawHttp2Call,
  type Http2Outcome,
  type Http2Request,
  type RawUnaryOutcome,
} from '../support/raw-grpc';
import { GROUP_ARN, GROUP_ID, disconnectedSession, useHarness, type StartedSession } from '../support/service-harness';
import { expectRight } from '../support/task-either';

/** A small limit keeps "over the limit" cheap: grpc-js refuses messages over it + 4096 bytes on its own. */
const MAX_SIGNAL_BYTES = 1024;
const RECEIVE_LIMIT = MAX_SIGNAL_BYTES + 4096;
/** Calls in flight at once from the one grpc-js client. */
const IN_FLIGHT = 64;
/** One valid reconnect and one valid read after this many batches, to show the server keeps serving. */
const PROBE_EVERY_BATCHES = 16;
/** The whole file must send at least this many generated requests, whatever the time limits cut short. */
const TOTAL_FLOOR = 10_000;
/** The properties below that report their counts. */
const PROPERTY_COUNT = 6;

type ReconnectField = 'streamGroupIdentifier' | 'streamSessionIdentifier' | 'signalRequest' | 'clientToken' | 'userId';
const RECONNECT_FIELDS: ReadonlyArray<ReconnectField> = [
  'streamGroupIdentifier',
  'streamSessionIdentifier',
  'signalRequest',
  'clientToken',
  'userId',
];
type SessionField = 'streamGroupIdentifier' | 'streamSessionIdentifier';
const SESSION_FIELDS: ReadonlyArray<SessionField> = ['streamGroupIdentifier', 'streamSessionIdentifier'];

const PROTO_NAME: Readonly<Record<ReconnectField, string>> = {
  streamGroupIdentifier: 'stream_group_identifier',
  streamSessionIdentifier: 'stream_session_identifier',
  signalRequest: 'signal_request',
  clientToken: 'client_token',
  userId: 'user_id',
};

/** A request and the fields that were made invalid to build it (each is invalid on its own). */
interface Hostile<R, F extends string> {
  readonly request: R;
  readonly broken: ReadonlyArray<F>;
}

/** A request for a report: long strings shortened, invisible characters escaped by JSON. */
function shown(request: object): string {
  return JSON.stringify(request, (_key, value: unknown) =>
    typeof value === 'string' && value.length > 80
      ? `${value.slice(0, 40)}…(${value.length} chars, ${Buffer.byteLength(value)} bytes)`
      : value,
  );
}

/** Exactly `bytes` UTF-8 bytes: copies of a 1- to 4-byte character, padded with "x". */
function textOfBytes(bytes: number, filler: string): string {
  const fillerBytes = Buffer.byteLength(filler, 'utf8');
  const copies = Math.floor(bytes / fillerBytes);
  return `${filler.repeat(copies)}${'x'.repeat(bytes - copies * fillerBytes)}`;
}

/** Two valid identifiers that disagree: a session ARN in another stream group, or another account. */
function disagreeingIdentifiers(): fc.Arbitrary<{
  readonly streamGroupIdentifier: string;
  readonly streamSessionIdentifier: string;
}> {
  const arnOf = (account: string, resource: string): string =>
    `arn:aws:gameliftstreams:us-west-2:${account}:${resource}`;
  return fc
    .tuple(
      validId(30),
      validId(30),
      validId(30),
      fc.stringMatching(/^[0-9]{12}$/),
      fc.constantFrom('id', 'arn', 'account'),
    )
    .filter(([group, otherGroup, , otherAccount]) => group !== otherGroup && otherAccount !== ACCOUNT)
    .map(([group, otherGroup, session, otherAccount, variant]) => {
      switch (variant) {
        case 'id':
          return {
            streamGroupIdentifier: group,
            streamSessionIdentifier: arnOf(ACCOUNT, `streamsession/${otherGroup}/${session}`),
          };
        case 'arn':
          return {
            streamGroupIdentifier: arnOf(ACCOUNT, `streamgroup/${group}`),
            streamSessionIdentifier: arnOf(ACCOUNT, `streamsession/${otherGroup}/${session}`),
          };
        default:
          return {
            streamGroupIdentifier: arnOf(ACCOUNT, `streamgroup/${group}`),
            streamSessionIdentifier: arnOf(otherAccount, `streamsession/${group}/${session}`),
          };
      }
    });
}

const identifierFor = (field: SessionField): IdentifierKind =>
  field === 'streamGroupIdentifier' ? 'streamgroup' : 'streamsession';

/**
 * ReconnectStreamSession requests that are invalid by construction: a non-empty set of fields is drawn invalid
 * (the others valid, the session often the real one, so a request wrongly let through would succeed); or both
 * identifiers are valid and disagree.
 */
function invalidReconnectRequest(
  session: StartedSession,
): fc.Arbitrary<Hostile<ReconnectStreamSessionRequest, ReconnectField>> {
  // Built once: building arbitraries (inside chain, say) costs far more than drawing values from them.
  const choices: Readonly<
    Record<ReconnectField, { readonly invalid: fc.Arbitrary<string>; readonly valid: fc.Arbitrary<string | undefined> }>
  > = {
    streamGroupIdentifier: {
      invalid: invalidIdentifier('streamgroup'),
      valid: fc.oneof(fc.constant(GROUP_ID), fc.constant(GROUP_ARN), validIdentifier('streamgroup')),
    },
    streamSessionIdentifier: {
      invalid: invalidIdentifier('streamsession'),
      valid: fc.oneof(fc.constant(session.id), fc.constant(session.arn), validIdentifier('streamsession')),
    },
    signalRequest: { invalid: invalidSignalRequest(MAX_SIGNAL_BYTES), valid: validSignalRequest(MAX_SIGNAL_BYTES) },
    clientToken: { invalid: invalidClientToken(), valid: fc.option(validClientToken(), { nil: undefined }) },
    userId: { invalid: invalidUserId(), valid: fc.option(validUserId(), { nil: undefined }) },
  };
  type Drawn = Readonly<Record<ReconnectField, { readonly invalid: string; readonly valid: string | undefined }>>;
  const drawn = (field: ReconnectField, broken: ReadonlyArray<ReconnectField>, values: Drawn): string | undefined =>
    broken.includes(field) ? values[field].invalid : values[field].valid;
  const both = (field: ReconnectField) => fc.record({ invalid: choices[field].invalid, valid: choices[field].valid });
  const perField = fc
    .tuple(
      fc.subarray([...RECONNECT_FIELDS], { minLength: 1 }),
      fc.record({
        streamGroupIdentifier: both('streamGroupIdentifier'),
        streamSessionIdentifier: both('streamSessionIdentifier'),
        signalRequest: both('signalRequest'),
        clientToken: both('clientToken'),
        userId: both('userId'),
      }),
    )
    .map(([broken, values]): Hostile<ReconnectStreamSessionRequest, ReconnectField> => ({
      request: {
        streamGroupIdentifier: drawn('streamGroupIdentifier', broken, values) ?? '',
        streamSessionIdentifier: drawn('streamSessionIdentifier', broken, values) ?? '',
        signalRequest: drawn('signalRequest', broken, values) ?? '',
        clientToken: drawn('clientToken', broken, values),
        userId: drawn('userId', broken, values),
      },
      broken,
    }));
  const crossField = fc
    .tuple(disagreeingIdentifiers(), validSignalRequest(MAX_SIGNAL_BYTES))
    .map(([identifiers, signalRequest]): Hostile<ReconnectStreamSessionRequest, ReconnectField> => ({
      request: { ...identifiers, signalRequest, clientToken: undefined, userId: undefined },
      broken: ['streamSessionIdentifier'],
    }));
  return fc.oneof({ arbitrary: perField, weight: 9 }, { arbitrary: crossField, weight: 1 });
}

function invalidSessionReference(
  session: StartedSession,
): fc.Arbitrary<Hostile<GetStreamSessionRequest, SessionField>> {
  const valid: Readonly<Record<SessionField, fc.Arbitrary<string>>> = {
    streamGroupIdentifier: fc.oneof(fc.constant(GROUP_ID), fc.constant(GROUP_ARN), validIdentifier('streamgroup')),
    streamSessionIdentifier: fc.oneof(
      fc.constant(session.id),
      fc.constant(session.arn),
      validIdentifier('streamsession'),
    ),
  };
  const invalid: Readonly<Record<SessionField, fc.Arbitrary<string>>> = {
    streamGroupIdentifier: invalidIdentifier(identifierFor('streamGroupIdentifier')),
    streamSessionIdentifier: invalidIdentifier(identifierFor('streamSessionIdentifier')),
  };
  const perField = fc
    .tuple(
      fc.subarray([...SESSION_FIELDS], { minLength: 1 }),
      fc.tuple(invalid.streamGroupIdentifier, valid.streamGroupIdentifier),
      fc.tuple(invalid.streamSessionIdentifier, valid.streamSessionIdentifier),
    )
    .map(
      ([broken, [badGroup, goodGroup], [badSession, goodSession]]): Hostile<GetStreamSessionRequest, SessionField> => ({
        request: {
          streamGroupIdentifier: broken.includes('streamGroupIdentifier') ? badGroup : goodGroup,
          streamSessionIdentifier: broken.includes('streamSessionIdentifier') ? badSession : goodSession,
        },
        broken,
      }),
    );
  const crossField = disagreeingIdentifiers().map((request): Hostile<GetStreamSessionRequest, SessionField> => ({
    request,
    broken: ['streamSessionIdentifier'],
  }));
  return fc.oneof({ arbitrary: perField, weight: 9 }, { arbitrary: crossField, weight: 1 });
}

/** The field names a failed call's BadRequest names. */
function namedFields(error: Pick<ReconnectCallError, 'details'>): ReadonlySet<string> {
  return new Set(error.details.badRequest?.fieldViolations.map((violation) => violation.field));
}

/**
 * An invalid request must end INVALID_ARGUMENT / INVALID_REQUEST naming every field that was broken, unless its
 * encoding is over the receive limit: then grpc-js refuses it with RESOURCE_EXHAUSTED before the service sees it.
 */
function expectRefused<F extends string>(
  hostile: Hostile<object, F>,
  encodedBytes: number,
  outcome: E.Either<ReconnectCallError, unknown>,
  protoName: (field: F) => string,
): void {
  if (E.isRight(outcome)) {
    assert.fail(`accepted an invalid request: ${shown(hostile.request)}`);
  }
  const error = outcome.left;
  const context = `${error.codeName} "${error.message.slice(0, 300)}" for the ${encodedBytes}-byte ${shown(hostile.request)}`;
  if (encodedBytes > RECEIVE_LIMIT) {
    assert.equal(error.code, status.RESOURCE_EXHAUSTED, context);
    return;
  }
  assert.equal(error.code, status.INVALID_ARGUMENT, context);
  assert.equal(error.details.errorInfo?.reason, 'INVALID_REQUEST', context);
  const named = namedFields(error);
  for (const field of hostile.broken) {
    assert.ok(named.has(protoName(field)), `${protoName(field)} should be named: ${context}`);
  }
}

/** A raw call that must end INVALID_ARGUMENT naming the blamed field (the trailer is decoded by the client's helper). */
function expectMalformedRefused(
  malformed: MalformedMessage & { readonly path: string },
  outcome: RawUnaryOutcome,
): void {
  const context = `${status[outcome.code] ?? outcome.code} "${outcome.details}" for ${malformed.kind} at ${malformed.path}: ${malformed.bytes.toString('hex')}`;
  assert.equal(outcome.code, status.INVALID_ARGUMENT, context);
  const details = decodeErrorDetails(outcome.trailers);
  assert.equal(details.errorInfo?.reason, 'INVALID_REQUEST', context);
  assert.ok(namedFields({ details }).has(malformed.blamed), `${malformed.blamed} should be named: ${context}`);
}

describe('hostile input (fast-check over a real grpc-js client, raw protobuf bytes and raw HTTP/2)', function () {
  // Each property stops on its own time limit; this only guards against a hang.
  this.timeout(120_000);
  const harness = useHarness({ maxSignalRequestBytes: MAX_SIGNAL_BYTES });
  let raw: RawGrpcClient;
  let session: StartedSession;
  const reports: Array<{ readonly name: string; readonly report: LoadReport }> = [];
  let probeNumber = 0;

  /** Upstream calls counted by the emulator since `start`, against the valid calls the test made itself. */
  const ledger = {
    baseline: new Map<string, number>(),
    reconnects: 0,
    reads: 0,
    async start(): Promise<void> {
      const counters = await expectRight(harness().control.counters());
      this.baseline = new Map(OPERATION_NAMES.map((operation) => [operation, counters.calls[operation]]));
      this.reconnects = 0;
      this.reads = 0;
    },
    async assertOnlyTheTestsOwnCalls(): Promise<void> {
      const counters = await expectRight(harness().control.counters());
      const made = Object.fromEntries(
        OPERATION_NAMES.map((operation) => [
          operation,
          counters.calls[operation] - (this.baseline.get(operation) ?? 0),
        ]),
      );
      const expected = Object.fromEntries(
        OPERATION_NAMES.map((operation) => [
          operation,
          operation === 'CreateStreamSessionConnection'
            ? this.reconnects
            : operation === 'GetStreamSession'
              ? this.reads
              : 0,
        ]),
      );
      assert.deepEqual(made, expected, 'upstream calls beyond the valid ones the test made itself');
    },
  };

  /** One valid reconnect and one valid read of the real session: both must succeed, each one upstream call. */
  async function servesValidCalls(): Promise<void> {
    probeNumber += 1;
    const offer = `{"type":"offer","sdp":"v=0 hostile-input probe ${probeNumber}"}`;
    const answer = await expectRight(
      harness().client.reconnectStreamSession({
        streamGroupIdentifier: GROUP_ID,
        streamSessionIdentifier: session.id,
        signalRequest: offer,
      }),
    );
    assert.equal(answer.signalResponse, emulatorSignalResponse(offer));
    ledger.reconnects += 1;
    const read = await expectRight(
      harness().client.getStreamSession({ streamGroupIdentifier: GROUP_ID, streamSessionIdentifier: session.id }),
    );
    assert.equal(read.status, StreamSessionStatus.STREAM_SESSION_STATUS_ACTIVE);
    ledger.reads += 1;
  }

  function record(name: string, report: LoadReport, floor: number): void {
    reports.push({ name, report });
    // The count is part of the result: a property cut short by its time limit says so here, and fails below its floor.
    process.stdout.write(
      `      ${name}: ${report.requests} requests in ${report.batches} batches, ${(report.elapsedMs / 1000).toFixed(1)} s\n`,
    );
    assert.ok(report.requests >= floor, `${name}: only ${report.requests} requests ran (floor ${floor})`);
  }

  before(async () => {
    session = await disconnectedSession(harness());
    raw = harness().closeWith(new RawGrpcClient(harness().address));
  });
  after(() => {
    const total = reports.reduce((sum, entry) => sum + entry.report.requests, 0);
    process.stdout.write(`      hostile input in total: ${total} generated requests\n`);
  });

  describe('properties: every invalid request is refused, none reaches AWS, the server keeps serving', () => {
    beforeEach(async () => {
      await ledger.start();
    });
    afterEach(async () => {
      await servesValidCalls();
      await ledger.assertOnlyTheTestsOwnCalls();
    });

    const reconnectTitle =
      'ReconnectStreamSession: invalid identifiers, signals, tokens and user IDs → INVALID_ARGUMENT naming each ' +
      '(RESOURCE_EXHAUSTED past the receive limit)';
    it(reconnectTitle, async () => {
      let batches = 0;
      const report = await checkInBatches(
        invalidReconnectRequest(session),
        { maxRequests: 11_008, maxMs: 16_000, batchSize: IN_FLIGHT },
        async (batch) => {
          const outcomes = await Promise.all(
            batch.map((hostile) => harness().client.reconnectStreamSession(hostile.request)()),
          );
          batch.forEach((hostile, index) => {
            const encoded = ReconnectStreamSessionRequest.encode(hostile.request).finish().length;
            expectRefused(hostile, encoded, outcomes[index] ?? E.right(undefined), (field) => PROTO_NAME[field]);
          });
          batches += 1;
          if (batches % PROBE_EVERY_BATCHES === 0) {
            await servesValidCalls();
          }
        },
      );
      record('ReconnectStreamSession, invalid by construction', report, 6_000);
    });

    it('GetStreamSession: invalid identifiers → INVALID_ARGUMENT naming each', async () => {
      let batches = 0;
      const report = await checkInBatches(
        invalidSessionReference(session),
        { maxRequests: 3_008, maxMs: 6_000, batchSize: IN_FLIGHT },
        async (batch) => {
          const outcomes = await Promise.all(
            batch.map((hostile) => harness().client.getStreamSession(hostile.request)()),
          );
          batch.forEach((hostile, index) => {
            const encoded = GetStreamSessionRequest.encode(hostile.request).finish().length;
            expectRefused(hostile, encoded, outcomes[index] ?? E.right(undefined), (field) => PROTO_NAME[field]);
          });
          batches += 1;
          if (batches % PROBE_EVERY_BATCHES === 0) {
            await servesValidCalls();
          }
        },
      );
      record('GetStreamSession, invalid by construction', report, 1_500);
    });

    it('malformed protobuf bytes (wrong wire types, invalid UTF-8, truncations, bad lengths and tags) → INVALID_ARGUMENT naming the field', async () => {
      const reconnectMessage = fc
        .tuple(
          fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
          fc.option(validClientToken(), { nil: undefined }),
        )
        .map(([signal, token]): WireMessage => ({
          fields: [
            { number: 1, name: 'stream_group_identifier', value: GROUP_ID },
            { number: 2, name: 'stream_session_identifier', value: session.id },
            { number: 3, name: 'signal_request', value: signal },
            ...(token === undefined ? [] : [{ number: 4, name: 'client_token', value: token }]),
          ],
          declared: new Map(RECONNECT_FIELDS.map((field, index) => [index + 1, PROTO_NAME[field]])),
          required: [1, 2, 3],
        }));
      const readMessage: WireMessage = {
        fields: [
          { number: 1, name: 'stream_group_identifier', value: GROUP_ID },
          { number: 2, name: 'stream_session_identifier', value: session.id },
        ],
        declared: new Map([
          [1, 'stream_group_identifier'],
          [2, 'stream_session_identifier'],
        ]),
        required: [1, 2],
      };
      const arbitrary = fc.oneof(
        {
          arbitrary: reconnectMessage
            .chain(malformedMessage)
            .map((malformed) => ({ ...malformed, path: RECONNECT_PATH })),
          weight: 3,
        },
        {
          arbitrary: malformedMessage(readMessage).map((malformed) => ({
            ...malformed,
            path: GET_STREAM_SESSION_PATH,
          })),
          weight: 1,
        },
      );
      let batches = 0;
      const report = await checkInBatches(
        arbitrary,
        { maxRequests: 4_992, maxMs: 8_000, batchSize: IN_FLIGHT },
        async (batch) => {
          const outcomes = await Promise.all(batch.map((malformed) => raw.call(malformed.path, malformed.bytes)));
          batch.forEach((malformed, index) => {
            const outcome = outcomes[index];
            assert.ok(outcome !== undefined);
            expectMalformedRefused(malformed, outcome);
          });
          batches += 1;
          if (batches % PROBE_EVERY_BATCHES === 0) {
            await servesValidCalls();
          }
        },
      );
      record('malformed protobuf bytes', report, 2_500);
    });

    it('signal requests just over the limit → INVALID_ARGUMENT; messages over the receive limit → RESOURCE_EXHAUSTED', async () => {
      const oversized = fc
        .tuple(
          fc.oneof(
            fc.integer({ min: MAX_SIGNAL_BYTES + 1, max: MAX_SIGNAL_BYTES + 8 }),
            fc.integer({ min: RECEIVE_LIMIT - 80, max: RECEIVE_LIMIT + 16 }),
            fc.integer({ min: RECEIVE_LIMIT + 1, max: 64 * 1024 }),
          ),
          fc.constantFrom('x', '\u00e9', '\u20ac', '\u{1f600}', '\u0000', '\u202e'),
          fc.constantFrom(session.id, session.arn),
        )
        .map(([bytes, filler, sessionIdentifier]): Hostile<ReconnectStreamSessionRequest, ReconnectField> => ({
          request: {
            streamGroupIdentifier: GROUP_ID,
            streamSessionIdentifier: sessionIdentifier,
            signalRequest: textOfBytes(bytes, filler),
          },
          broken: ['signalRequest'],
        }));
      const report = await checkInBatches(
        oversized,
        { maxRequests: 512, maxMs: 5_000, batchSize: 32 },
        async (batch) => {
          const outcomes = await Promise.all(
            batch.map((hostile) => harness().client.reconnectStreamSession(hostile.request)()),
          );
          batch.forEach((hostile, index) => {
            const encoded = ReconnectStreamSessionRequest.encode(hostile.request).finish().length;
            expectRefused(hostile, encoded, outcomes[index] ?? E.right(undefined), (field) => PROTO_NAME[field]);
          });
        },
      );
      record('sizes near and past both limits', report, 256);
    });
  });

  describe('adversarial but valid: accepted, and each reaches AWS exactly once', () => {
    beforeEach(async () => {
      await ledger.start();
    });
    afterEach(async () => {
      await ledger.assertOnlyTheTestsOwnCalls();
    });

    it('nasty signal requests (control characters, NUL, traversal, bidi, astral, exactly the limit) are forwarded unchanged', async () => {
      const adversarialSignal = fc.oneof(
        validSignalRequest(MAX_SIGNAL_BYTES),
        fc
          .array(fc.constantFrom(...NASTY_FRAGMENTS), { minLength: 1, maxLength: 40 })
          .map((fragments) => fragments.join('')),
        fc.constantFrom('x', '\u00e9', '\u20ac', '\u{1f600}').map((filler) => textOfBytes(MAX_SIGNAL_BYTES, filler)),
      );
      const request = fc.record({
        streamGroupIdentifier: fc.constantFrom(GROUP_ID, GROUP_ARN),
        streamSessionIdentifier: fc.constantFrom(session.id, session.arn),
        signalRequest: adversarialSignal,
        clientToken: fc.option(validClientToken(), { nil: undefined }),
      });
      const report = await checkEach(request, { maxRequests: 120, maxMs: 8_000 }, async (valid) => {
        const outcome = await harness().client.reconnectStreamSession(valid)();
        assert.ok(
          E.isRight(outcome),
          `refused a valid request (${E.isLeft(outcome) ? outcome.left.message : ''}): ${shown(valid)}`,
        );
        assert.equal(
          outcome.right.signalResponse,
          emulatorSignalResponse(valid.signalRequest),
          'the answer is to exactly this offer',
        );
        ledger.reconnects += 1;
      });
      record('adversarial valid signal requests', report, 40);
    });

    it('the same valid message with unknown fields, fields out of order or repeated is accepted (proto3)', async () => {
      const encodings = fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }).chain((signal) =>
        equivalentEncoding({
          fields: [
            { number: 1, name: 'stream_group_identifier', value: GROUP_ID },
            { number: 2, name: 'stream_session_identifier', value: session.id },
            { number: 3, name: 'signal_request', value: signal },
          ],
          declared: new Map(RECONNECT_FIELDS.map((field, index) => [index + 1, PROTO_NAME[field]])),
          required: [1, 2, 3],
        }).map((bytes) => ({ signal, bytes })),
      );
      const report = await checkEach(encodings, { maxRequests: 60, maxMs: 5_000 }, async ({ signal, bytes }) => {
        const outcome = await raw.call(RECONNECT_PATH, bytes);
        assert.equal(outcome.code, status.OK, `${outcome.details} for ${bytes.toString('hex')}`);
        assert.ok(outcome.response !== undefined);
        assert.equal(
          ReconnectStreamSessionResponse.decode(outcome.response).signalResponse,
          emulatorSignalResponse(signal),
        );
        ledger.reconnects += 1;
      });
      record('equivalent encodings of a valid message', report, 20);
    });
  });

  describe('malformed gRPC framing through a raw HTTP/2 client (node:http2)', () => {
    const validMessage = (offer: string): Buffer =>
      Buffer.from(
        ReconnectStreamSessionRequest.encode({
          streamGroupIdentifier: GROUP_ID,
          streamSessionIdentifier: session.id,
          signalRequest: offer,
        }).finish(),
      );
    /** What grpc-js itself answers for a stream that carries no complete message, or more than one. */
    const NO_SINGLE_MESSAGE = [status.UNIMPLEMENTED, status.INTERNAL, status.INVALID_ARGUMENT];

    interface FramingCase {
      readonly name: string;
      readonly request: () => Omit<Http2Request, 'timeoutMs'>;
      /** The grpc-status codes accepted, or an HTTP refusal. */
      readonly expected: ReadonlyArray<status> | 'http-refusal';
    }

    const cases: ReadonlyArray<FramingCase> = [
      {
        name: 'a frame header announcing more bytes than are sent, then the end of the stream',
        request: () => ({
          path: RECONNECT_PATH,
          body: grpcFrame(validMessage('short').subarray(0, 6), { announcedLength: 200 }),
        }),
        expected: NO_SINGLE_MESSAGE,
      },
      {
        name: 'a frame header cut short (3 of 5 bytes)',
        request: () => ({ path: RECONNECT_PATH, body: Buffer.from([0, 0, 0]) }),
        expected: NO_SINGLE_MESSAGE,
      },
      {
        name: 'an empty body',
        request: () => ({ path: RECONNECT_PATH, body: Buffer.alloc(0) }),
        expected: NO_SINGLE_MESSAGE,
      },
      {
        name: 'two valid messages for a unary method',
        request: () => ({
          path: RECONNECT_PATH,
          body: Buffer.concat([grpcFrame(validMessage('first')), grpcFrame(validMessage('second'))]),
        }),
        expected: NO_SINGLE_MESSAGE,
      },
      {
        name: 'the compressed flag without grpc-encoding: a gzip body read as protobuf',
        request: () => ({
          path: RECONNECT_PATH,
          body: grpcFrame(gzipSync(validMessage('gzip without header')), { compressedFlag: 1 }),
        }),
        expected: [status.INVALID_ARGUMENT],
      },
      {
        name: 'a flag byte that is neither 0 nor 1, over garbage',
        request: () => ({
          path: RECONNECT_PATH,
          body: grpcFrame(Buffer.from('\u00ff\u00fenot protobuf at all', 'latin1'), { compressedFlag: 0x80 }),
        }),
        expected: [status.INVALID_ARGUMENT],
      },
      {
        name: 'grpc-encoding gzip over bytes that are not gzip',
        request: () => ({
          path: RECONNECT_PATH,
          headers: { 'grpc-encoding': 'gzip' },
          body: grpcFrame(Buffer.from('not gzip'), { compressedFlag: 1 }),
        }),
        expected: [status.INTERNAL, status.INVALID_ARGUMENT],
      },
      {
        name: 'grpc-encoding gzip of a message that inflates past the receive limit',
        request: () => ({
          path: RECONNECT_PATH,
          headers: { 'grpc-encoding': 'gzip' },
          body: grpcFrame(gzipSync(Buffer.alloc(1024 * 1024)), { compressedFlag: 1 }),
        }),
        expected: [status.RESOURCE_EXHAUSTED],
      },
      {
        name: 'an unsupported grpc-encoding',
        request: () => ({
          path: RECONNECT_PATH,
          headers: { 'grpc-encoding': 'br' },
          body: grpcFrame(validMessage('brotli?'), { compressedFlag: 1 }),
        }),
        expected: [status.UNIMPLEMENTED],
      },
      {
        name: 'garbage protobuf',
        request: () => ({
          path: RECONNECT_PATH,
          body: grpcFrame(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x0a, 0x80, 0x00, 0x1f])),
        }),
        expected: [status.INVALID_ARGUMENT],
      },
      {
        name: 'an empty message (every field missing)',
        request: () => ({ path: RECONNECT_PATH, body: grpcFrame(Buffer.alloc(0)) }),
        expected: [status.INVALID_ARGUMENT],
      },
      {
        name: 'a message past the receive limit',
        request: () => ({ path: RECONNECT_PATH, body: grpcFrame(validMessage('x'.repeat(RECEIVE_LIMIT + 1))) }),
        expected: [status.RESOURCE_EXHAUSTED],
      },
      {
        name: 'a frame header announcing 4 GiB',
        request: () => ({
          path: RECONNECT_PATH,
          body: grpcFrame(validMessage('small'), { announcedLength: 0xffff_ffff }),
        }),
        expected: [status.RESOURCE_EXHAUSTED],
      },
      {
        name: 'a partial message left open under a 200 ms grpc-timeout',
        request: () => ({
          path: RECONNECT_PATH,
          headers: { 'grpc-timeout': '200m' },
          body: grpcFrame(validMessage('stalled').subarray(0, 4), { announcedLength: 100 }),
          endStream: false,
        }),
        expected: [status.DEADLINE_EXCEEDED],
      },
      {
        name: 'an unparseable grpc-timeout',
        request: () => ({
          path: RECONNECT_PATH,
          headers: { 'grpc-timeout': 'soon' },
          body: grpcFrame(validMessage('timeout')),
        }),
        expected: [status.INTERNAL, status.INVALID_ARGUMENT],
      },
      {
        name: 'GetStreamSession with a truncated length',
        request: () => ({ path: GET_STREAM_SESSION_PATH, body: grpcFrame(Buffer.from([0x0a, 0x7f, 0x41])) }),
        expected: [status.INVALID_ARGUMENT],
      },
      {
        name: 'an unknown method',
        request: () => ({ path: '/reconnect.v1.ReconnectService/DropDatabase', body: grpcFrame(Buffer.alloc(0)) }),
        expected: [status.UNIMPLEMENTED],
      },
      {
        name: 'content-type text/plain',
        request: () => ({
          path: RECONNECT_PATH,
          headers: { 'content-type': 'text/plain' },
          body: grpcFrame(validMessage('plain')),
        }),
        expected: 'http-refusal',
      },
      {
        name: 'GET instead of POST',
        request: () => ({ path: RECONNECT_PATH, headers: { ':method': 'GET' }, body: Buffer.alloc(0) }),
        expected: 'http-refusal',
      },
    ];

    function describeOutcome(outcome: Http2Outcome): string {
      return `${outcome.ending}, HTTP ${String(outcome.httpStatus)}, grpc-status ${String(outcome.grpcStatus)} "${outcome.grpcMessage ?? ''}"`;
    }

    before(async () => {
      await ledger.start();
    });

    it('a valid request through the same raw client succeeds (the client itself is sound)', async () => {
      const outcome = await rawHttp2Call(harness().service.port, {
        path: RECONNECT_PATH,
        body: grpcFrame(validMessage('raw http2 control')),
        timeoutMs: 10_000,
      });
      assert.equal(outcome.grpcStatus, status.OK, describeOutcome(outcome));
      assert.ok(outcome.dataBytes > 5, 'a response message came back');
      ledger.reconnects += 1;
    });

    for (const framing of cases) {
      it(`${framing.name} → a clean refusal, and the server keeps serving`, async () => {
        const outcome = await rawHttp2Call(harness().service.port, { ...framing.request(), timeoutMs: 10_000 });
        if (framing.expected === 'http-refusal') {
          assert.ok(
            outcome.ending === 'reset' || (outcome.ending === 'http-status' && outcome.httpStatus !== 200),
            `expected an HTTP-level refusal: ${describeOutcome(outcome)}`,
          );
        } else {
          assert.equal(outcome.ending, 'status', describeOutcome(outcome));
          assert.ok(
            outcome.grpcStatus !== undefined && framing.expected.includes(outcome.grpcStatus),
            `expected ${framing.expected.map((code) => status[code]).join(' or ')}: ${describeOutcome(outcome)}`,
          );
        }
        await servesValidCalls();
      });
    }

    for (const how of ['reset', 'destroy'] as const) {
      it(`a client that ${how === 'reset' ? 'resets its stream' : 'drops its connection'} mid-message leaves the server serving`, async () => {
        await abandonMidMessage(
          harness().service.port,
          RECONNECT_PATH,
          grpcFrame(validMessage('abandoned').subarray(0, 8), { announcedLength: 64 }),
          how,
        );
        await servesValidCalls();
      });
    }

    it('none of the malformed requests reached AWS', async () => {
      await ledger.assertOnlyTheTestsOwnCalls();
    });
  });

  describe('after all of it', () => {
    it(`ran at least ${TOTAL_FLOOR} generated requests, logged no defect and answered every call itself`, function () {
      if (reports.length < PROPERTY_COUNT) {
        // Only part of the file ran (--grep): the total is not this file's.
        this.skip();
      }
      const total = reports.reduce((sum, entry) => sum + entry.report.requests, 0);
      assert.ok(total >= TOTAL_FLOOR, `only ${total} generated requests ran`);
      const entries = harness().logs.entries();
      assert.ok(entries.length >= total / 2, 'the refusals were logged');
      const severe = entries.filter((entry) => typeof entry.level === 'number' && entry.level >= 50);
      assert.deepEqual(
        severe.map((entry) => entry.msg),
        [],
        'no error or fatal log line (a defect, a second answer, a misconfigured SDK)',
      );
    });
  });
});
