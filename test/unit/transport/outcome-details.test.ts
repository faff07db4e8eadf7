import { strict as assert } from 'node:assert';

import { Metadata, status } from '@grpc/grpc-js';

import {
  ERROR_DOMAIN,
  STATUS_DETAILS_TRAILER,
  decodeErrorDetails,
  decodeStatusDetails,
  encodeStatus,
  type DecodedErrorDetails,
} from '../../../src/contract/error-details';
import type { ServiceFailure } from '../../../src/domain/outcomes';
import { Any } from '../../../src/gen/google/protobuf/any';
import {
  BadRequest,
  ErrorInfo,
  PreconditionFailure,
  QuotaFailure,
  RequestInfo,
  ResourceInfo,
  RetryInfo,
} from '../../../src/gen/google/rpc/error_details';
import { Status } from '../../../src/gen/google/rpc/status';
import { defectStatus, statusOf, statusTrailers, type StatusReport } from '../../../src/transport/outcome-status';
import { EVERY_FAILURE_TAG } from '../../support/failure-tags';

const errorDetails = (failure: ServiceFailure, requestId?: string) => statusOf(failure, requestId).details;

/** A signal string, as a client would send it; it must never reach the trailer. */
const SIGNAL_MARKER = '{"type":"offer","sdp":"v=0 marker-7f3a9c"}';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const target = { streamGroupIdentifier: 'sg-1AB2C3De4', streamSessionIdentifier: 'ABC123def4567' };
const upstream = { target, message: 'AWS says no', requestId: 'req-1234' };
const ids = { streamGroupIdentifier: 'sg-1AB2C3De4', streamSessionIdentifier: 'ABC123def4567' };

/** The trailer decoded by hand with the generated types, one list per google.rpc type. */
interface Unpacked {
  readonly status: Status;
  readonly typeNames: ReadonlyArray<string>;
  readonly errorInfo: ErrorInfo[];
  readonly badRequest: BadRequest[];
  readonly resourceInfo: ResourceInfo[];
  readonly preconditionFailure: PreconditionFailure[];
  readonly retryInfo: RetryInfo[];
  readonly quotaFailure: QuotaFailure[];
  readonly requestInfo: RequestInfo[];
}

type ExtraDetail = 'BadRequest' | 'ResourceInfo' | 'PreconditionFailure' | 'RetryInfo' | 'QuotaFailure' | 'RequestInfo';

function trailerBytes(metadata: Metadata): Buffer {
  const values = metadata.get(STATUS_DETAILS_TRAILER);
  assert.equal(values.length, 1, 'exactly one grpc-status-details-bin value');
  const [value] = values;
  assert.ok(Buffer.isBuffer(value), 'a -bin trailer holds bytes');
  return value;
}

function unpack(bytes: Uint8Array): Unpacked {
  const decoded = Status.decode(bytes);
  const unpacked: Unpacked = {
    status: decoded,
    typeNames: [],
    errorInfo: [],
    badRequest: [],
    resourceInfo: [],
    preconditionFailure: [],
    retryInfo: [],
    quotaFailure: [],
    requestInfo: [],
  };
  const typeNames: string[] = [];
  for (const any of decoded.details) {
    assert.match(any.typeUrl, /^type\.googleapis\.com\/google\.rpc\.[A-Za-z]+$/);
    const name = any.typeUrl.slice('type.googleapis.com/google.rpc.'.length);
    typeNames.push(name);
    switch (name) {
      case 'ErrorInfo':
        unpacked.errorInfo.push(ErrorInfo.decode(any.value));
        break;
      case 'BadRequest':
        unpacked.badRequest.push(BadRequest.decode(any.value));
        break;
      case 'ResourceInfo':
        unpacked.resourceInfo.push(ResourceInfo.decode(any.value));
        break;
      case 'PreconditionFailure':
        unpacked.preconditionFailure.push(PreconditionFailure.decode(any.value));
        break;
      case 'RetryInfo':
        unpacked.retryInfo.push(RetryInfo.decode(any.value));
        break;
      case 'QuotaFailure':
        unpacked.quotaFailure.push(QuotaFailure.decode(any.value));
        break;
      case 'RequestInfo':
        unpacked.requestInfo.push(RequestInfo.decode(any.value));
        break;
      default:
        assert.fail(`unexpected detail type ${any.typeUrl}`);
    }
  }
  return { ...unpacked, typeNames };
}

function onlyOne<T>(messages: ReadonlyArray<T>, what: string): T {
  assert.equal(messages.length, 1, `exactly one ${what}`);
  const [message] = messages;
  assert.ok(message !== undefined);
  return message;
}

/** Encodes a report the way the adapter does (its trailers) and decodes it with the generated types. */
function roundTrip(report: StatusReport): Unpacked {
  return unpack(trailerBytes(statusTrailers(report)));
}

interface Row {
  readonly error: ServiceFailure;
  readonly code: status;
  readonly reason: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly extras: ReadonlyArray<ExtraDetail>;
  readonly check?: (unpacked: Unpacked) => void;
}

/** Every variant (the rows of outcome-status.test.ts) with its code, reason, ErrorInfo metadata and details. */
const rows: ReadonlyArray<Row> = [
  {
    error: {
      _tag: 'InvalidRequest',
      violations: [
        { field: 'stream_group_identifier', description: 'is required' },
        { field: 'signal_request', description: 'is required' },
      ],
    },
    code: status.INVALID_ARGUMENT,
    reason: 'INVALID_REQUEST',
    metadata: {},
    extras: ['BadRequest'],
    check: (unpacked) => {
      const badRequest = onlyOne(unpacked.badRequest, 'BadRequest');
      assert.deepEqual(
        badRequest.fieldViolations.map((v) => [v.field, v.description]),
        [
          ['stream_group_identifier', 'is required'],
          ['signal_request', 'is required'],
        ],
      );
    },
  },
  {
    error: { _tag: 'UpstreamValidation', upstream },
    code: status.INVALID_ARGUMENT,
    reason: 'UPSTREAM_VALIDATION_FAILED',
    metadata: { awsErrorName: 'ValidationException', awsRequestId: 'req-1234', ...ids },
    extras: [],
  },
  {
    error: { _tag: 'UpstreamAccessDenied', upstream },
    code: status.PERMISSION_DENIED,
    reason: 'UPSTREAM_ACCESS_DENIED',
    metadata: { awsErrorName: 'AccessDeniedException', awsRequestId: 'req-1234', ...ids },
    extras: [],
  },
  {
    error: { _tag: 'UpstreamResourceNotFound', upstream },
    code: status.NOT_FOUND,
    reason: 'STREAM_SESSION_NOT_FOUND',
    metadata: { awsErrorName: 'ResourceNotFoundException', awsRequestId: 'req-1234', ...ids },
    extras: ['ResourceInfo'],
    check: (unpacked) => {
      const info = onlyOne(unpacked.resourceInfo, 'ResourceInfo');
      assert.equal(info.resourceType, 'gameliftstreams.amazonaws.com/StreamSession');
      assert.equal(info.resourceName, 'ABC123def4567');
      assert.match(info.description, /stream group "sg-1AB2C3De4"/);
    },
  },
  {
    error: { _tag: 'UpstreamConflict', upstream },
    code: status.FAILED_PRECONDITION,
    reason: 'STREAM_SESSION_NOT_RECONNECTABLE',
    metadata: { awsErrorName: 'ConflictException', awsRequestId: 'req-1234', ...ids },
    extras: ['PreconditionFailure'],
    check: (unpacked) => {
      const [violation, ...others] = onlyOne(unpacked.preconditionFailure, 'PreconditionFailure').violations;
      assert.equal(others.length, 0);
      assert.equal(violation?.type, 'STREAM_SESSION_STATE');
      assert.equal(violation?.subject, 'ABC123def4567');
      assert.match(violation?.description ?? '', /PENDING_CLIENT_RECONNECTION or ACTIVE/);
    },
  },
  {
    error: { _tag: 'UpstreamThrottling', upstream },
    code: status.RESOURCE_EXHAUSTED,
    reason: 'UPSTREAM_THROTTLED',
    metadata: { awsErrorName: 'ThrottlingException', awsRequestId: 'req-1234', ...ids },
    extras: ['RetryInfo', 'QuotaFailure'],
    check: (unpacked) => {
      assert.deepEqual(onlyOne(unpacked.retryInfo, 'RetryInfo').retryDelay, { seconds: 1, nanos: 0 });
      const [violation, ...others] = onlyOne(unpacked.quotaFailure, 'QuotaFailure').violations;
      assert.equal(others.length, 0);
      assert.equal(violation?.subject, 'aws:gameliftstreams:CreateStreamSessionConnection');
      assert.match(violation?.description ?? '', /20 requests\/s per account and region/);
    },
  },
  {
    error: { _tag: 'UpstreamInternalServer', upstream },
    code: status.INTERNAL,
    reason: 'UPSTREAM_INTERNAL_ERROR',
    metadata: { awsErrorName: 'InternalServerException', awsRequestId: 'req-1234', ...ids },
    extras: ['RequestInfo'],
    check: (unpacked) => {
      assert.deepEqual(onlyOne(unpacked.requestInfo, 'RequestInfo'), {
        requestId: 'req-1234',
        servingData: 'aws:gameliftstreams',
      });
    },
  },
  {
    error: {
      _tag: 'UpstreamUnmodelled',
      target,
      name: 'ServiceUnavailableException',
      message: 'down',
      requestId: 'req-1234',
      httpStatus: 503,
    },
    code: status.UNKNOWN,
    reason: 'UPSTREAM_UNMODELLED_ERROR',
    metadata: { awsErrorName: 'ServiceUnavailableException', awsRequestId: 'req-1234', httpStatus: '503', ...ids },
    extras: [],
  },
  {
    error: { _tag: 'UpstreamUnreachable', target, reason: 'ECONNRESET' },
    code: status.UNAVAILABLE,
    reason: 'UPSTREAM_UNREACHABLE',
    metadata: { cause: 'ECONNRESET', ...ids },
    extras: [],
  },
  {
    error: { _tag: 'UpstreamClientMisconfigured', name: 'CredentialsProviderError' },
    code: status.INTERNAL,
    reason: 'UPSTREAM_CLIENT_MISCONFIGURED',
    metadata: {},
    extras: ['RequestInfo'],
    check: (unpacked) => {
      assert.match(onlyOne(unpacked.requestInfo, 'RequestInfo').requestId, UUID);
      assert.ok(
        !Buffer.from(Status.encode(unpacked.status).finish()).includes('Credentials'),
        'the SDK failure stays in the log',
      );
    },
  },
  {
    error: { _tag: 'Unauthenticated', problem: 'UnknownCredentials' },
    code: status.UNAUTHENTICATED,
    reason: 'CALLER_UNAUTHENTICATED',
    metadata: { problem: 'UnknownCredentials' },
    extras: [],
  },
  {
    error: { _tag: 'CallerNotAllowed', caller: 'matchmaker', target },
    code: status.PERMISSION_DENIED,
    reason: 'CALLER_NOT_ALLOWED',
    metadata: { caller: 'matchmaker', ...ids },
    extras: [],
  },
  {
    error: { _tag: 'NotSessionOwner', target },
    code: status.PERMISSION_DENIED,
    reason: 'SESSION_NOT_OWNED_BY_USER',
    metadata: ids,
    extras: ['PreconditionFailure'],
    check: (unpacked) => {
      const [violation] = onlyOne(unpacked.preconditionFailure, 'PreconditionFailure').violations;
      assert.equal(violation?.type, 'STREAM_SESSION_OWNER');
    },
  },
  {
    error: { _tag: 'ReconnectInProgress', target },
    code: status.FAILED_PRECONDITION,
    reason: 'RECONNECT_IN_PROGRESS',
    metadata: ids,
    extras: ['PreconditionFailure'],
    check: (unpacked) => {
      const [violation, ...others] = onlyOne(unpacked.preconditionFailure, 'PreconditionFailure').violations;
      assert.equal(others.length, 0);
      assert.equal(violation?.type, 'RECONNECT_IN_PROGRESS');
      assert.equal(violation?.subject, 'ABC123def4567');
    },
  },
  {
    error: { _tag: 'AdmissionRefused', cause: 'DeadlineUnmeetable', retryAfterMs: 1500, ratePerSecond: 18 },
    code: status.RESOURCE_EXHAUSTED,
    reason: 'ADMISSION_DEADLINE_UNMEETABLE',
    metadata: { retryAfterMs: '1500', ratePerSecond: '18' },
    extras: ['RetryInfo', 'QuotaFailure'],
    check: (unpacked) => {
      assert.deepEqual(onlyOne(unpacked.retryInfo, 'RetryInfo').retryDelay, { seconds: 1, nanos: 500_000_000 });
      const [violation] = onlyOne(unpacked.quotaFailure, 'QuotaFailure').violations;
      assert.equal(violation?.subject, 'aws:gameliftstreams:CreateStreamSessionConnection');
      assert.match(violation?.description ?? '', /admits 18 CreateStreamSessionConnection requests\/s/);
      assert.match(violation?.description ?? '', /deadline/);
    },
  },
  {
    error: { _tag: 'AdmissionRefused', cause: 'QueueFull', retryAfterMs: 249.2, ratePerSecond: 20 },
    code: status.RESOURCE_EXHAUSTED,
    reason: 'ADMISSION_QUEUE_FULL',
    metadata: { retryAfterMs: '250', ratePerSecond: '20' },
    extras: ['RetryInfo', 'QuotaFailure'],
    check: (unpacked) => {
      assert.deepEqual(onlyOne(unpacked.retryInfo, 'RetryInfo').retryDelay, { seconds: 0, nanos: 250_000_000 });
      const [violation] = onlyOne(unpacked.quotaFailure, 'QuotaFailure').violations;
      assert.match(violation?.description ?? '', /queue/);
    },
  },
  {
    error: { _tag: 'DeadlineExceeded', budgetMs: 10_000 },
    code: status.DEADLINE_EXCEEDED,
    reason: 'DEADLINE_EXCEEDED',
    metadata: { budgetMs: '10000' },
    extras: [],
  },
  { error: { _tag: 'Cancelled' }, code: status.CANCELLED, reason: 'CANCELLED', metadata: {}, extras: [] },
  {
    error: { _tag: 'TooManyWatchStreams', caller: 'lobby', limit: 32 },
    code: status.RESOURCE_EXHAUSTED,
    reason: 'TOO_MANY_WATCH_STREAMS',
    metadata: { caller: 'lobby', limit: '32' },
    extras: ['QuotaFailure'],
    check: (unpacked) => {
      const [violation] = onlyOne(unpacked.quotaFailure, 'QuotaFailure').violations;
      assert.equal(violation?.subject, 'reconnect:watch-streams-per-caller');
      assert.equal(violation?.quotaValue, 32);
    },
  },
  {
    error: { _tag: 'StreamGroupNotFound', streamGroupIdentifier: 'sg-1AB2C3De4' },
    code: status.NOT_FOUND,
    reason: 'STREAM_GROUP_NOT_FOUND',
    metadata: { streamGroupIdentifier: 'sg-1AB2C3De4' },
    extras: ['ResourceInfo'],
    check: (unpacked) => {
      const info = onlyOne(unpacked.resourceInfo, 'ResourceInfo');
      assert.equal(info.resourceType, 'gameliftstreams.amazonaws.com/StreamGroup');
      assert.equal(info.resourceName, 'sg-1AB2C3De4');
    },
  },
  {
    error: { _tag: 'WatchPollAccessDenied', streamGroupIdentifier: 'sg-1AB2C3De4' },
    code: status.PERMISSION_DENIED,
    reason: 'WATCH_POLL_ACCESS_DENIED',
    metadata: { awsErrorName: 'AccessDeniedException', streamGroupIdentifier: 'sg-1AB2C3De4' },
    extras: [],
  },
  {
    error: { _tag: 'WatchPollsFailing', streamGroupIdentifier: 'sg-1AB2C3De4', detail: 'failing' },
    code: status.UNAVAILABLE,
    reason: 'WATCH_POLLS_FAILING',
    metadata: { streamGroupIdentifier: 'sg-1AB2C3De4' },
    extras: ['RetryInfo'],
    check: (unpacked) => {
      assert.deepEqual(onlyOne(unpacked.retryInfo, 'RetryInfo').retryDelay, { seconds: 1, nanos: 0 });
    },
  },
  {
    error: { _tag: 'WatchFeedGap', streamGroupIdentifier: 'sg-1AB2C3De4' },
    code: status.UNAVAILABLE,
    reason: 'WATCH_FEED_GAP',
    metadata: { streamGroupIdentifier: 'sg-1AB2C3De4' },
    extras: [],
  },
  { error: { _tag: 'ShuttingDown' }, code: status.UNAVAILABLE, reason: 'SHUTTING_DOWN', metadata: {}, extras: [] },
  {
    error: { _tag: 'WatchFellBehind', bufferMessages: 1000 },
    code: status.RESOURCE_EXHAUSTED,
    reason: 'WATCH_FELL_BEHIND',
    metadata: { bufferMessages: '1000' },
    extras: ['QuotaFailure'],
    check: (unpacked) => {
      const [violation] = onlyOne(unpacked.quotaFailure, 'QuotaFailure').violations;
      assert.equal(violation?.subject, 'reconnect:watch-stream-buffer-messages');
    },
  },
];

function labelOf(row: Row): string {
  return row.error._tag === 'AdmissionRefused' ? `AdmissionRefused (${row.error.cause})` : row.error._tag;
}

function assertErrorInfo(unpacked: Unpacked, reason: string): ErrorInfo {
  const info = onlyOne(unpacked.errorInfo, 'ErrorInfo');
  assert.equal(info.domain, ERROR_DOMAIN);
  assert.equal(info.reason, reason);
  assert.match(info.reason, /^[A-Z][A-Z0-9_]*[A-Z0-9]$/);
  assert.ok(info.reason.length <= 63);
  for (const key of Object.keys(info.metadata)) {
    assert.match(key, /^[a-z][a-zA-Z0-9]*$/, `metadata key ${key} should be lowerCamelCase`);
  }
  return info;
}

describe('error details (google.rpc.Status in grpc-status-details-bin)', () => {
  it('has a row for every ServiceFailure variant, and one reason per outcome', () => {
    assert.deepEqual(new Set(rows.map((row) => row.error._tag)), EVERY_FAILURE_TAG);
    const reasons = [...rows.map((row) => row.reason), 'INTERNAL_ERROR'];
    assert.equal(new Set(reasons).size, reasons.length, 'reasons are unique');
  });

  for (const row of rows) {
    const label = labelOf(row);
    it(`${label} → ${status[row.code]}, ${row.reason}${row.extras.length === 0 ? '' : ` + ${row.extras.join(' + ')}`}`, () => {
      const report = statusOf(row.error);
      const unpacked = roundTrip(report);
      assert.equal(unpacked.status.code, row.code, 'Status.code is the grpc status code');
      assert.equal(unpacked.status.code, report.code);
      assert.equal(unpacked.status.message, report.message, 'Status.message is the status message');
      assert.equal(unpacked.typeNames[0], 'ErrorInfo', 'ErrorInfo comes first');
      assert.equal(new Set(unpacked.typeNames).size, unpacked.typeNames.length, 'each detail type at most once');
      assert.deepEqual(new Set(unpacked.typeNames), new Set(['ErrorInfo', ...row.extras]));
      const info = assertErrorInfo(unpacked, row.reason);
      assert.deepEqual(info.metadata, row.metadata);
      row.check?.(unpacked);
    });
  }

  it('a defect → INTERNAL, INTERNAL_ERROR + RequestInfo with the id given to it (the one logged)', () => {
    const report = defectStatus('3b0f5a3e-6c2e-4d8f-9a51-0c8d2f1e7b44');
    const unpacked = roundTrip(report);
    assert.equal(unpacked.status.code, status.INTERNAL);
    assert.equal(unpacked.status.message, 'internal error in the reconnect service; it has been logged');
    assert.deepEqual(new Set(unpacked.typeNames), new Set(['ErrorInfo', 'RequestInfo']));
    assert.deepEqual(assertErrorInfo(unpacked, 'INTERNAL_ERROR').metadata, {});
    assert.equal(onlyOne(unpacked.requestInfo, 'RequestInfo').requestId, '3b0f5a3e-6c2e-4d8f-9a51-0c8d2f1e7b44');
  });

  it('an INTERNAL outcome without an AWS request id gets ours: the one given, or a fresh one', () => {
    const noId: ServiceFailure = { _tag: 'UpstreamInternalServer', upstream: { ...upstream, requestId: undefined } };
    assert.equal(errorDetails(noId, 'our-id-1').requestInfo?.requestId, 'our-id-1');
    assert.match(errorDetails(noId).requestInfo?.requestId ?? '', UUID);
    assert.equal(errorDetails(noId).errorInfo.metadata['awsRequestId'], undefined);
    const first = errorDetails({ _tag: 'UpstreamClientMisconfigured', name: 'X' }).requestInfo?.requestId;
    const second = errorDetails({ _tag: 'UpstreamClientMisconfigured', name: 'X' }).requestInfo?.requestId;
    assert.notEqual(first, second);
  });

  it('never carries a signal string: the details do not copy AWS free text, the trailer has none of the request', () => {
    for (const row of rows) {
      const bytes = encodeStatus(statusOf(row.error));
      assert.ok(!bytes.includes(SIGNAL_MARKER), `${row.error._tag}: the trailer should not contain the signal`);
    }
    // Even if AWS echoed the offer and scrubbing missed it, the details themselves would not repeat it.
    const echoing = { ...upstream, message: `bad offer ${SIGNAL_MARKER}` };
    const withEcho: ReadonlyArray<ServiceFailure> = [
      { _tag: 'UpstreamValidation', upstream: echoing },
      { _tag: 'UpstreamAccessDenied', upstream: echoing },
      { _tag: 'UpstreamResourceNotFound', upstream: echoing },
      { _tag: 'UpstreamConflict', upstream: echoing },
      { _tag: 'UpstreamThrottling', upstream: echoing },
      { _tag: 'UpstreamInternalServer', upstream: echoing },
      { _tag: 'UpstreamUnmodelled', target, name: 'X', message: echoing.message, requestId: 'r', httpStatus: 400 },
    ];
    for (const error of withEcho) {
      const details = Status.decode(encodeStatus(statusOf(error))).details;
      for (const any of details) {
        assert.ok(!Buffer.from(any.value).includes('marker-7f3a9c'), `${error._tag} ${any.typeUrl}`);
      }
    }
  });

  it('shows an adapted (fractional) admission rate with two decimals, and its whole part as the quota value', () => {
    const error: ServiceFailure = {
      _tag: 'AdmissionRefused',
      cause: 'QueueFull',
      retryAfterMs: 75,
      ratePerSecond: 40 / 3,
    };
    const unpacked = unpack(encodeStatus(statusOf(error)));
    assert.equal(onlyOne(unpacked.errorInfo, 'ErrorInfo').metadata['ratePerSecond'], '13.33');
    const [violation] = onlyOne(unpacked.quotaFailure, 'QuotaFailure').violations;
    assert.equal(violation?.quotaValue, 13);
    assert.match(violation?.description ?? '', /admits 13\.33 CreateStreamSessionConnection requests\/s/);
  });

  it('keeps the encoding total for out-of-range numbers', () => {
    for (const value of [Number.NaN, -5, Number.POSITIVE_INFINITY, 1e300]) {
      const error: ServiceFailure = {
        _tag: 'AdmissionRefused',
        cause: 'QueueFull',
        retryAfterMs: value,
        ratePerSecond: value,
      };
      const unpacked = unpack(encodeStatus(statusOf(error)));
      const delay = onlyOne(unpacked.retryInfo, 'RetryInfo').retryDelay;
      assert.ok(delay !== undefined && delay.seconds >= 0 && delay.seconds <= 315_576_000_000);
    }
  });
});

/** The details in JSON form, which leaves out unset fields, so a sent message and its decoded copy compare equal. */
function detailsJson(details: DecodedErrorDetails): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  if (details.errorInfo !== undefined) json['errorInfo'] = ErrorInfo.toJSON(details.errorInfo);
  if (details.badRequest !== undefined) json['badRequest'] = BadRequest.toJSON(details.badRequest);
  if (details.resourceInfo !== undefined) json['resourceInfo'] = ResourceInfo.toJSON(details.resourceInfo);
  if (details.preconditionFailure !== undefined)
    json['preconditionFailure'] = PreconditionFailure.toJSON(details.preconditionFailure);
  if (details.retryInfo !== undefined) json['retryInfo'] = RetryInfo.toJSON(details.retryInfo);
  if (details.quotaFailure !== undefined) json['quotaFailure'] = QuotaFailure.toJSON(details.quotaFailure);
  if (details.requestInfo !== undefined) json['requestInfo'] = RequestInfo.toJSON(details.requestInfo);
  return json;
}

describe('decodeErrorDetails (client side)', () => {
  for (const row of rows) {
    it(`reads back what the service sent for ${labelOf(row)}`, () => {
      const report = statusOf(row.error);
      const decoded = decodeErrorDetails(statusTrailers(report));
      assert.equal(decoded.errorInfo?.reason, row.reason);
      assert.deepEqual(detailsJson(decoded), detailsJson(report.details));
    });
  }

  it('gives no details for a status without the trailer', () => {
    assert.deepEqual(
      Object.values(decodeErrorDetails(new Metadata())).filter((v) => v !== undefined),
      [],
    );
  });

  it('gives no details, and does not throw, for bytes that are not a Status', () => {
    for (const garbage of [
      Buffer.from([0xff, 0xff, 0xff, 0xff]),
      Buffer.from([0x1a, 0x10, 0x01]),
      Buffer.from([0x0f]),
    ]) {
      const metadata = new Metadata();
      metadata.set(STATUS_DETAILS_TRAILER, garbage);
      assert.deepEqual(
        Object.values(decodeErrorDetails(metadata)).filter((v) => v !== undefined),
        [],
      );
    }
  });

  it('skips a detail that does not decode and reads the others; accepts any type URL prefix', () => {
    const bytes = Status.encode({
      code: status.RESOURCE_EXHAUSTED,
      message: 'm',
      details: [
        Any.fromPartial({
          typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo',
          value: Buffer.from([0x0a, 0x10, 0x41]),
        }),
        Any.fromPartial({
          typeUrl: 'example.com/google.rpc.RetryInfo',
          value: Buffer.from(RetryInfo.encode({ retryDelay: { seconds: 2, nanos: 0 } }).finish()),
        }),
        Any.fromPartial({ typeUrl: 'type.googleapis.com/acme.v1.Unknown', value: Buffer.from([0x08, 0x01]) }),
      ],
    }).finish();
    const decoded = decodeStatusDetails(bytes);
    assert.equal(decoded.errorInfo, undefined);
    assert.deepEqual(decoded.retryInfo?.retryDelay, { seconds: 2, nanos: 0 });
    assert.equal(decoded.badRequest, undefined);
  });
});
