import { strict as assert } from 'node:assert';

import { status } from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';

import type { ReconnectCallError } from '../../src/client/reconnect-client';
import type { ServiceFoundations } from '../../src/app';
import {
  BadRequest,
  ErrorInfo,
  PreconditionFailure,
  QuotaFailure,
  RequestInfo,
  ResourceInfo,
  RetryInfo,
} from '../../src/gen/google/rpc/error_details';
import { Status } from '../../src/gen/google/rpc/status';
import { expectLeft, expectRight } from '../support/task-either';
import {
  EVERY_FIELD_INVALID,
  GROUP_ID,
  disconnectedSession,
  startHarness,
  useHarness,
  type Harness,
} from '../support/service-harness';

const SIGNAL_MARKER = 'e2e-details-marker-5d1c';
const OFFER = `{"type":"offer","sdp":"v=0 ${SIGNAL_MARKER}"}`;
const DOMAIN = 'reconnect.gameliftstreams.internal';
const AWS_REQUEST_ID = /^[0-9a-f-]{36}$/;

const request = (sessionIdentifier: string) => ({
  streamGroupIdentifier: GROUP_ID,
  streamSessionIdentifier: sessionIdentifier,
  signalRequest: OFFER,
  clientToken: undefined,
});

/** What the trailer holds, decoded here with the generated google.rpc types (not with the client's helper). */
interface Trailer {
  readonly status: Status;
  readonly typeNames: ReadonlyArray<string>;
  readonly errorInfo: ErrorInfo;
  readonly badRequest?: BadRequest;
  readonly resourceInfo?: ResourceInfo;
  readonly preconditionFailure?: PreconditionFailure;
  readonly retryInfo?: RetryInfo;
  readonly quotaFailure?: QuotaFailure;
  readonly requestInfo?: RequestInfo;
}

function readTrailer(error: ReconnectCallError): Trailer {
  const values = error.metadata.get('grpc-status-details-bin');
  assert.equal(values.length, 1, `${error.codeName} should carry grpc-status-details-bin`);
  const [bytes] = values;
  assert.ok(Buffer.isBuffer(bytes));
  assert.ok(!bytes.includes(SIGNAL_MARKER), 'the trailer never contains the signal string');
  const decoded = Status.decode(bytes);
  assert.equal(decoded.code, error.code, 'Status.code is the grpc status');
  assert.equal(decoded.message, error.message, 'Status.message is the status message');
  const typeNames = decoded.details.map((any) => any.typeUrl.replace(/^type\.googleapis\.com\/google\.rpc\./, ''));
  assert.equal(new Set(typeNames).size, typeNames.length, 'each detail type at most once');
  const find = (name: string) =>
    decoded.details.find((any) => any.typeUrl === `type.googleapis.com/google.rpc.${name}`)?.value;
  const decodeIf = <T>(name: string, decoder: { decode(input: Uint8Array): T }): T | undefined => {
    const value = find(name);
    return value === undefined ? undefined : decoder.decode(value);
  };
  const errorInfo = decodeIf('ErrorInfo', ErrorInfo);
  assert.ok(errorInfo !== undefined, 'exactly one ErrorInfo');
  assert.equal(errorInfo.domain, DOMAIN);
  return {
    status: decoded,
    typeNames,
    errorInfo,
    badRequest: decodeIf('BadRequest', BadRequest),
    resourceInfo: decodeIf('ResourceInfo', ResourceInfo),
    preconditionFailure: decodeIf('PreconditionFailure', PreconditionFailure),
    retryInfo: decodeIf('RetryInfo', RetryInfo),
    quotaFailure: decodeIf('QuotaFailure', QuotaFailure),
    requestInfo: decodeIf('RequestInfo', RequestInfo),
  };
}

async function faultsApplied(harness: Harness): Promise<number> {
  return (await expectRight(harness.control.counters())).faultsApplied.CreateStreamSessionConnection;
}

/** Polls a condition a bounded number of times; fails the test if it never holds. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (await condition()) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail('the condition never held');
}

/** Checks the reason and the exact set of detail types, and that the client's own decoding agrees. */
function expectDetails(
  error: ReconnectCallError,
  code: status,
  reason: string,
  extras: ReadonlyArray<string>,
): Trailer {
  assert.equal(error.code, code, error.message);
  const trailer = readTrailer(error);
  assert.equal(trailer.errorInfo.reason, reason);
  assert.deepEqual([...trailer.typeNames].sort(), ['ErrorInfo', ...extras].sort());
  assert.equal(error.details.errorInfo?.reason, reason, 'ReconnectCallError.details decodes the same trailer');
  return trailer;
}

describe('rich error details end to end (grpc-status-details-bin through the real grpc-js client)', function () {
  this.timeout(30_000);
  const harness = useHarness();

  it('our validation → INVALID_ARGUMENT, INVALID_REQUEST + BadRequest naming every bad field', async () => {
    const error = await expectLeft(harness().client.reconnectStreamSession(EVERY_FIELD_INVALID.request));
    const trailer = expectDetails(error, status.INVALID_ARGUMENT, 'INVALID_REQUEST', ['BadRequest']);
    const fields = new Set(trailer.badRequest?.fieldViolations.map((violation) => violation.field));
    assert.deepEqual(fields, new Set(EVERY_FIELD_INVALID.fieldNames));
    for (const violation of trailer.badRequest?.fieldViolations ?? []) {
      assert.ok(violation.description.length > 0, `${violation.field} has a description`);
    }
  });

  const modelled: ReadonlyArray<{
    readonly errorName: string;
    readonly code: status;
    readonly reason: string;
    readonly extras: ReadonlyArray<string>;
    readonly check?: (trailer: Trailer, sessionId: string, error: ReconnectCallError) => void;
  }> = [
    {
      errorName: 'ValidationException',
      code: status.INVALID_ARGUMENT,
      reason: 'UPSTREAM_VALIDATION_FAILED',
      extras: [],
    },
    {
      errorName: 'AccessDeniedException',
      code: status.PERMISSION_DENIED,
      reason: 'UPSTREAM_ACCESS_DENIED',
      extras: [],
    },
    {
      errorName: 'ResourceNotFoundException',
      code: status.NOT_FOUND,
      reason: 'STREAM_SESSION_NOT_FOUND',
      extras: ['ResourceInfo'],
      check: (trailer, sessionId) => {
        assert.equal(trailer.resourceInfo?.resourceType, 'gameliftstreams.amazonaws.com/StreamSession');
        assert.equal(trailer.resourceInfo?.resourceName, sessionId);
      },
    },
    {
      errorName: 'ConflictException',
      code: status.FAILED_PRECONDITION,
      reason: 'STREAM_SESSION_NOT_RECONNECTABLE',
      extras: ['PreconditionFailure'],
      check: (trailer, sessionId) => {
        assert.equal(trailer.preconditionFailure?.violations[0]?.type, 'STREAM_SESSION_STATE');
        assert.equal(trailer.preconditionFailure?.violations[0]?.subject, sessionId);
      },
    },
    {
      errorName: 'ThrottlingException',
      code: status.RESOURCE_EXHAUSTED,
      reason: 'UPSTREAM_THROTTLED',
      extras: ['RetryInfo', 'QuotaFailure'],
      check: (trailer) => {
        assert.deepEqual(trailer.retryInfo?.retryDelay, { seconds: 1, nanos: 0 });
        assert.equal(trailer.quotaFailure?.violations[0]?.subject, 'aws:gameliftstreams:CreateStreamSessionConnection');
      },
    },
    {
      errorName: 'InternalServerException',
      code: status.INTERNAL,
      reason: 'UPSTREAM_INTERNAL_ERROR',
      extras: ['RequestInfo'],
      check: (trailer, _sessionId, error) => {
        const inMessage = /AWS request id ([0-9a-f-]{36})/.exec(error.message)?.[1];
        assert.ok(inMessage !== undefined);
        assert.equal(trailer.requestInfo?.requestId, inMessage, 'RequestInfo carries the AWS request id');
        assert.equal(trailer.requestInfo?.servingData, 'aws:gameliftstreams');
      },
    },
  ];

  for (const row of modelled) {
    it(`AWS ${row.errorName} → ${status[row.code]}, ${row.reason}${row.extras.map((extra) => ` + ${extra}`).join('')}`, async () => {
      const session = await disconnectedSession(harness());
      await expectRight(
        harness().control.injectFault({
          operation: 'CreateStreamSessionConnection',
          fault: { kind: 'error', errorName: row.errorName, message: `injected ${row.errorName}` },
          probability: 1,
        }),
      );
      const error = await expectLeft(harness().client.reconnectStreamSession(request(session.id)));
      const trailer = expectDetails(error, row.code, row.reason, row.extras);
      const { metadata } = trailer.errorInfo;
      assert.equal(metadata['awsErrorName'], row.errorName);
      assert.match(metadata['awsRequestId'] ?? '', AWS_REQUEST_ID);
      assert.equal(metadata['streamGroupIdentifier'], GROUP_ID);
      assert.equal(metadata['streamSessionIdentifier'], session.id);
      row.check?.(trailer, session.id, error);
    });
  }

  it('an unmodelled AWS error → UNKNOWN, UPSTREAM_UNMODELLED_ERROR with its name and HTTP status', async () => {
    const session = await disconnectedSession(harness());
    await expectRight(
      harness().control.injectFault({
        operation: 'CreateStreamSessionConnection',
        fault: { kind: 'error', errorName: 'SomethingNewException', message: 'injected SomethingNewException' },
        probability: 1,
      }),
    );
    const error = await expectLeft(harness().client.reconnectStreamSession(request(session.id)));
    const { metadata } = expectDetails(error, status.UNKNOWN, 'UPSTREAM_UNMODELLED_ERROR', []).errorInfo;
    assert.equal(metadata['awsErrorName'], 'SomethingNewException');
    assert.equal(metadata['httpStatus'], '400');
    assert.match(metadata['awsRequestId'] ?? '', AWS_REQUEST_ID);
  });

  it('a dropped connection → UNAVAILABLE, UPSTREAM_UNREACHABLE', async () => {
    const session = await disconnectedSession(harness());
    await expectRight(
      harness().control.injectFault({
        operation: 'CreateStreamSessionConnection',
        fault: { kind: 'drop-connection' },
        probability: 1,
      }),
    );
    const error = await expectLeft(harness().client.reconnectStreamSession(request(session.id)));
    const { metadata } = expectDetails(error, status.UNAVAILABLE, 'UPSTREAM_UNREACHABLE', []).errorInfo;
    assert.equal(metadata['streamSessionIdentifier'], session.id);
    assert.ok((metadata['cause'] ?? '').length > 0);
  });

  it('an HTTP 503 with no AWS error type → UNAVAILABLE, UPSTREAM_UNREACHABLE', async () => {
    const session = await disconnectedSession(harness());
    await expectRight(
      harness().control.injectFault({
        operation: 'CreateStreamSessionConnection',
        fault: { kind: 'http-status', status: 503 },
        probability: 1,
      }),
    );
    const error = await expectLeft(harness().client.reconnectStreamSession(request(session.id)));
    const { metadata } = expectDetails(error, status.UNAVAILABLE, 'UPSTREAM_UNREACHABLE', []).errorInfo;
    assert.match(metadata['cause'] ?? '', /503/);
  });

  it('an unknown session → NOT_FOUND, STREAM_SESSION_NOT_FOUND + ResourceInfo naming it', async () => {
    const error = await expectLeft(harness().client.reconnectStreamSession(request('NoSuchSession1')));
    const trailer = expectDetails(error, status.NOT_FOUND, 'STREAM_SESSION_NOT_FOUND', ['ResourceInfo']);
    assert.equal(trailer.resourceInfo?.resourceName, 'NoSuchSession1');
    assert.match(trailer.resourceInfo?.description ?? '', new RegExp(GROUP_ID));
  });

  it('an unknown stream group → NOT_FOUND, STREAM_SESSION_NOT_FOUND + ResourceInfo naming the group', async () => {
    const error = await expectLeft(
      harness().client.reconnectStreamSession({ ...request('ABC123def4567'), streamGroupIdentifier: 'sg-missing01' }),
    );
    const trailer = expectDetails(error, status.NOT_FOUND, 'STREAM_SESSION_NOT_FOUND', ['ResourceInfo']);
    assert.match(trailer.resourceInfo?.description ?? '', /sg-missing01/);
  });

  it('a session that is not reconnectable → FAILED_PRECONDITION, STREAM_SESSION_NOT_RECONNECTABLE + PreconditionFailure', async () => {
    const session = await disconnectedSession(harness());
    await expectRight(harness().control.forceStatus(GROUP_ID, session.id, { status: 'CONNECTED' }));
    const error = await expectLeft(harness().client.reconnectStreamSession(request(session.id)));
    const trailer = expectDetails(error, status.FAILED_PRECONDITION, 'STREAM_SESSION_NOT_RECONNECTABLE', [
      'PreconditionFailure',
    ]);
    assert.deepEqual(
      trailer.preconditionFailure?.violations.map((violation) => [violation.type, violation.subject]),
      [['STREAM_SESSION_STATE', session.id]],
    );
  });

  it('a different offer while a reconnect is in flight → FAILED_PRECONDITION, RECONNECT_IN_PROGRESS + PreconditionFailure', async () => {
    const session = await disconnectedSession(harness());
    await expectRight(
      harness().control.injectFault({
        operation: 'CreateStreamSessionConnection',
        fault: { kind: 'latency', ms: 1500 },
        probability: 1,
      }),
    );
    const applied = await faultsApplied(harness());
    const first = harness().client.reconnectStreamSession(request(session.id))();
    // The emulator counts the fault when the first call reaches it, i.e. once the service has it in flight.
    await until(async () => (await faultsApplied(harness())) > applied);
    const error = await expectLeft(
      harness().client.reconnectStreamSession({ ...request(session.id), signalRequest: `${OFFER} another` }),
    );
    const trailer = expectDetails(error, status.FAILED_PRECONDITION, 'RECONNECT_IN_PROGRESS', ['PreconditionFailure']);
    assert.deepEqual(
      trailer.preconditionFailure?.violations.map((violation) => [violation.type, violation.subject]),
      [['RECONNECT_IN_PROGRESS', session.id]],
    );
    assert.equal(trailer.errorInfo.metadata['streamSessionIdentifier'], session.id);
    assert.ok(E.isRight(await first), 'the first reconnect still succeeds');
  });

  it('a message over the receive limit is refused by grpc-js itself, before the service: no details', async () => {
    const error = await expectLeft(
      harness().client.reconnectStreamSession({ ...request('ABC123def4567'), signalRequest: 'x'.repeat(200 * 1024) }),
    );
    assert.equal(error.code, status.RESOURCE_EXHAUSTED);
    assert.deepEqual(error.metadata.get('grpc-status-details-bin'), []);
    assert.equal(error.details.errorInfo, undefined);
  });
});

describe('rich error details end to end: admission refusals', function () {
  this.timeout(30_000);

  /** Two sessions and a harness whose admission allows 1 call/s with no burst beyond it. */
  async function refusedSecondCall(queueLimit: number, deadlineMs: number): Promise<ReconnectCallError> {
    const harness = await startHarness({
      admission: {
        rates: { CreateStreamSessionConnection: 1, GetStreamSession: 1000, ListStreamSessions: 1000 },
        burst: 1,
        queueLimit,
      },
    });
    try {
      const first = await disconnectedSession(harness);
      const second = await disconnectedSession(harness);
      await expectRight(harness.client.reconnectStreamSession(request(first.id)));
      // The bucket is now empty and refills at 1 token/s: the second call would have to wait about a second.
      return await expectLeft(harness.client.reconnectStreamSession(request(second.id), { deadlineMs }));
    } finally {
      await harness.close();
    }
  }

  it('a full queue → RESOURCE_EXHAUSTED, ADMISSION_QUEUE_FULL + RetryInfo + QuotaFailure', async () => {
    const error = await refusedSecondCall(0, 10_000);
    const trailer = expectDetails(error, status.RESOURCE_EXHAUSTED, 'ADMISSION_QUEUE_FULL', [
      'RetryInfo',
      'QuotaFailure',
    ]);
    assertAdmissionDetails(trailer);
  });

  it('a deadline the queue cannot meet → RESOURCE_EXHAUSTED, ADMISSION_DEADLINE_UNMEETABLE + RetryInfo + QuotaFailure', async () => {
    const error = await refusedSecondCall(10, 300);
    const trailer = expectDetails(error, status.RESOURCE_EXHAUSTED, 'ADMISSION_DEADLINE_UNMEETABLE', [
      'RetryInfo',
      'QuotaFailure',
    ]);
    assertAdmissionDetails(trailer);
  });

  function assertAdmissionDetails(trailer: Trailer): void {
    const delay = trailer.retryInfo?.retryDelay;
    assert.ok(delay !== undefined && delay.seconds * 1000 + delay.nanos / 1e6 > 0, 'RetryInfo says when to retry');
    assert.equal(trailer.errorInfo.metadata['ratePerSecond'], '1');
    assert.equal(trailer.quotaFailure?.violations[0]?.subject, 'aws:gameliftstreams:CreateStreamSessionConnection');
  }
});

describe('rich error details end to end: the deadline', function () {
  this.timeout(30_000);
  // The service's budget caps the call, so the service (not the client's own timer) answers DEADLINE_EXCEEDED.
  const harness = useHarness({ deadlineBudgetMs: 400 });

  it('the deadline → DEADLINE_EXCEEDED, DEADLINE_EXCEEDED with the budget', async () => {
    const session = await disconnectedSession(harness());
    await expectRight(
      harness().control.injectFault({
        operation: 'CreateStreamSessionConnection',
        fault: { kind: 'latency', ms: 3000 },
        probability: 1,
      }),
    );
    const error = await expectLeft(
      harness().client.reconnectStreamSession(request(session.id), { deadlineMs: 20_000 }),
    );
    const { metadata } = expectDetails(error, status.DEADLINE_EXCEEDED, 'DEADLINE_EXCEEDED', []).errorInfo;
    assert.equal(metadata['budgetMs'], '400');
  });
});

describe('rich error details end to end: a defect', function () {
  this.timeout(30_000);
  const throwing = (production: ServiceFoundations): ServiceFoundations => ({
    ...production,
    connector: {
      createStreamSessionConnection: () => {
        throw new TypeError('forced defect for the error details test');
      },
    },
  });
  const harness = useHarness({ foundations: throwing });

  it('INTERNAL, INTERNAL_ERROR + RequestInfo whose id is in the log line of the defect', async () => {
    const session = await disconnectedSession(harness());
    const error = await expectLeft(harness().client.reconnectStreamSession(request(session.id)));
    const trailer = expectDetails(error, status.INTERNAL, 'INTERNAL_ERROR', ['RequestInfo']);
    assert.equal(error.message, 'internal error in the reconnect service; it has been logged');
    assert.deepEqual(trailer.errorInfo.metadata, {});
    const requestId = trailer.requestInfo?.requestId ?? '';
    assert.match(requestId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const logged = harness()
      .logs.entries()
      .find((entry) => entry.msg === 'defect in the reconnect pipeline');
    assert.ok(logged !== undefined, 'the defect is logged');
    assert.equal(logged['requestId'], requestId);
    assert.match(JSON.stringify(logged), /forced defect for the error details test/);
    assert.ok(
      !Buffer.from(Status.encode(trailer.status).finish()).includes('forced defect'),
      'nothing about the defect is sent',
    );
  });
});
