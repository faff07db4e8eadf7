import { randomUUID } from 'node:crypto';

import { Metadata } from '@grpc/grpc-js';

import type { ReconnectError, ReconnectTarget, UpstreamAnswer } from '../domain/reconnect-error';
import { Any } from '../gen/google/protobuf/any';
import type { Duration } from '../gen/google/protobuf/duration';
import {
  BadRequest,
  ErrorInfo,
  PreconditionFailure,
  QuotaFailure,
  RequestInfo,
  ResourceInfo,
  RetryInfo,
  protobufPackage as googleRpcPackage,
} from '../gen/google/rpc/error_details';
import { Status } from '../gen/google/rpc/status';

/** The ErrorInfo domain of every error this service answers (named in the proto's documentation). */
export const ERROR_DOMAIN = 'reconnect.gameliftstreams.internal';

/** The trailer that carries the serialized google.rpc.Status of a failed call. */
export const STATUS_DETAILS_TRAILER = 'grpc-status-details-bin';

/** The AWS quota that UpstreamThrottling and AdmissionRefused are about. */
export const CONNECTION_QUOTA_SUBJECT = 'aws:gameliftstreams:CreateStreamSessionConnection';
const CONNECTION_QUOTA_PER_SECOND = 20;

/** How long a caller should wait after AWS throttled the call (the SDK does not retry throttling for us). */
export const THROTTLING_RETRY_DELAY_MS = 1000;

/** ErrorInfo.reason: one per outcome, UPPER_SNAKE_CASE, stable (callers switch on it). */
export type ErrorReason =
  | 'INVALID_REQUEST'
  | 'UPSTREAM_VALIDATION_FAILED'
  | 'UPSTREAM_ACCESS_DENIED'
  | 'STREAM_SESSION_NOT_FOUND'
  | 'STREAM_SESSION_NOT_RECONNECTABLE'
  | 'RECONNECT_IN_PROGRESS'
  | 'CALLER_UNAUTHENTICATED'
  | 'CALLER_NOT_ALLOWED'
  | 'SESSION_NOT_OWNED_BY_USER'
  | 'UPSTREAM_THROTTLED'
  | 'ADMISSION_QUEUE_FULL'
  | 'ADMISSION_DEADLINE_UNMEETABLE'
  | 'UPSTREAM_INTERNAL_ERROR'
  | 'UPSTREAM_UNMODELLED_ERROR'
  | 'UPSTREAM_UNREACHABLE'
  | 'UPSTREAM_CLIENT_MISCONFIGURED'
  | 'DEADLINE_EXCEEDED'
  | 'CANCELLED'
  | 'INTERNAL_ERROR';

/**
 * The google.rpc error details of one failed call: exactly one ErrorInfo, and each other type at most once.
 * Only identifiers, AWS request ids, error names and numbers go in here; never a signal string, a token, a
 * credential, or AWS's free-text message (that one, scrubbed, is in the status message only).
 */
export interface ErrorDetails {
  readonly errorInfo: ErrorInfo;
  readonly badRequest?: BadRequest;
  readonly resourceInfo?: ResourceInfo;
  readonly preconditionFailure?: PreconditionFailure;
  readonly retryInfo?: RetryInfo;
  readonly quotaFailure?: QuotaFailure;
  readonly requestInfo?: RequestInfo;
}

function errorInfo(reason: ErrorReason, metadata: Readonly<Record<string, string | number | undefined>> = {}): ErrorInfo {
  const known: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (value !== undefined) {
      known[key] = String(value);
    }
  }
  return { reason, domain: ERROR_DOMAIN, metadata: known };
}

function targetMetadata(target: ReconnectTarget): Record<string, string> {
  return {
    streamGroupIdentifier: target.streamGroupIdentifier,
    streamSessionIdentifier: target.streamSessionIdentifier,
  };
}

function upstreamMetadata(awsErrorName: string, answer: UpstreamAnswer): Record<string, string | undefined> {
  return { awsErrorName, awsRequestId: answer.requestId, ...targetMetadata(answer.target) };
}

/** google.protobuf.Duration's own upper bound (10,000 years), in milliseconds; it keeps the encoding total. */
const MAX_DURATION_MS = 315_576_000_000_000;

function duration(milliseconds: number): Duration {
  const whole = Number.isFinite(milliseconds) ? Math.min(MAX_DURATION_MS, Math.max(0, Math.ceil(milliseconds))) : 0;
  return { seconds: Math.floor(whole / 1000), nanos: (whole % 1000) * 1_000_000 };
}

/** A rate for people and metadata: admission adapts its rate, so it may be fractional; two decimals are enough. */
function formatRate(ratePerSecond: number): string {
  return String(Math.round(ratePerSecond * 100) / 100);
}

function connectionQuotaFailure(description: string, quotaValue: number): QuotaFailure {
  return QuotaFailure.fromPartial({
    violations: [
      {
        subject: CONNECTION_QUOTA_SUBJECT,
        description,
        apiService: 'gameliftstreams.amazonaws.com',
        quotaValue: Number.isFinite(quotaValue) ? Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.floor(quotaValue))) : 0,
      },
    ],
  });
}

/** A request id of our own, for failures AWS has no id for; the adapter logs it, so an operator can find the call. */
function ownRequestInfo(requestId: string | undefined): RequestInfo {
  return { requestId: requestId ?? randomUUID(), servingData: '' };
}

/**
 * What each outcome carries besides its code and message (see "Error details" in the README). The switch is
 * exhaustive, like the one in status-mapping.ts: a new ReconnectError variant does not compile until it is here.
 * `requestId` identifies the call in our log; it becomes RequestInfo.request_id for INTERNAL outcomes that have
 * no AWS request id (a fresh one is made when it is absent).
 */
export function errorDetails(error: ReconnectError, requestId?: string): ErrorDetails {
  switch (error._tag) {
    case 'InvalidRequest':
      return {
        errorInfo: errorInfo('INVALID_REQUEST'),
        badRequest: BadRequest.fromPartial({
          fieldViolations: error.violations.map((violation) => ({ field: violation.field, description: violation.description })),
        }),
      };
    case 'UpstreamValidation':
      // AWS does not say which field it rejected, so there is no BadRequest to give.
      return { errorInfo: errorInfo('UPSTREAM_VALIDATION_FAILED', upstreamMetadata('ValidationException', error.upstream)) };
    case 'UpstreamAccessDenied':
      return { errorInfo: errorInfo('UPSTREAM_ACCESS_DENIED', upstreamMetadata('AccessDeniedException', error.upstream)) };
    case 'UpstreamResourceNotFound': {
      const { streamGroupIdentifier, streamSessionIdentifier } = error.upstream.target;
      return {
        errorInfo: errorInfo('STREAM_SESSION_NOT_FOUND', upstreamMetadata('ResourceNotFoundException', error.upstream)),
        resourceInfo: ResourceInfo.fromPartial({
          resourceType: 'gameliftstreams.amazonaws.com/StreamSession',
          resourceName: streamSessionIdentifier,
          description: `GameLift Streams has no stream session "${streamSessionIdentifier}" in stream group "${streamGroupIdentifier}": the session has ended or never existed, or the stream group does not exist`,
        }),
      };
    }
    case 'UpstreamConflict':
      return {
        errorInfo: errorInfo('STREAM_SESSION_NOT_RECONNECTABLE', upstreamMetadata('ConflictException', error.upstream)),
        preconditionFailure: {
          violations: [
            {
              type: 'STREAM_SESSION_STATE',
              subject: error.upstream.target.streamSessionIdentifier,
              description:
                'the stream session must be PENDING_CLIENT_RECONNECTION or ACTIVE; read its status (GetStreamSession) before deciding',
            },
          ],
        },
      };
    case 'Unauthenticated':
      return { errorInfo: errorInfo('CALLER_UNAUTHENTICATED', { problem: error.problem }) };
    case 'CallerNotAllowed':
      return { errorInfo: errorInfo('CALLER_NOT_ALLOWED', { caller: error.caller, ...targetMetadata(error.target) }) };
    case 'NotSessionOwner':
      return {
        errorInfo: errorInfo('SESSION_NOT_OWNED_BY_USER', targetMetadata(error.target)),
        preconditionFailure: {
          violations: [
            {
              type: 'STREAM_SESSION_OWNER',
              subject: error.target.streamSessionIdentifier,
              description: 'the stream session was started for another user than user_id',
            },
          ],
        },
      };
    case 'ReconnectInProgress':
      return {
        errorInfo: errorInfo('RECONNECT_IN_PROGRESS', targetMetadata(error.target)),
        preconditionFailure: {
          violations: [
            {
              type: 'RECONNECT_IN_PROGRESS',
              subject: error.target.streamSessionIdentifier,
              description:
                'another reconnect of this stream session with a different signal_request is in flight; read its status (GetStreamSession) before retrying',
            },
          ],
        },
      };
    case 'UpstreamThrottling':
      return {
        errorInfo: errorInfo('UPSTREAM_THROTTLED', upstreamMetadata('ThrottlingException', error.upstream)),
        retryInfo: { retryDelay: duration(THROTTLING_RETRY_DELAY_MS) },
        quotaFailure: connectionQuotaFailure(
          `GameLift Streams throttled CreateStreamSessionConnection, whose quota is ${CONNECTION_QUOTA_PER_SECOND} requests/s per account and region`,
          CONNECTION_QUOTA_PER_SECOND,
        ),
      };
    case 'AdmissionRefused': {
      const retryAfterMs = Math.ceil(error.retryAfterMs);
      const why =
        error.cause === 'QueueFull' ? 'its queue of waiting calls is full' : 'the call could not be admitted before its deadline';
      return {
        errorInfo: errorInfo(error.cause === 'QueueFull' ? 'ADMISSION_QUEUE_FULL' : 'ADMISSION_DEADLINE_UNMEETABLE', {
          retryAfterMs,
          ratePerSecond: formatRate(error.ratePerSecond),
        }),
        retryInfo: { retryDelay: duration(retryAfterMs) },
        quotaFailure: connectionQuotaFailure(
          `the service admits ${formatRate(error.ratePerSecond)} CreateStreamSessionConnection requests/s to GameLift Streams (AWS quota: ${CONNECTION_QUOTA_PER_SECOND} requests/s per account and region), and ${why}`,
          error.ratePerSecond,
        ),
      };
    }
    case 'UpstreamInternalServer':
      return {
        errorInfo: errorInfo('UPSTREAM_INTERNAL_ERROR', upstreamMetadata('InternalServerException', error.upstream)),
        requestInfo:
          error.upstream.requestId === undefined
            ? ownRequestInfo(requestId)
            : { requestId: error.upstream.requestId, servingData: 'aws:gameliftstreams' },
      };
    case 'UpstreamUnmodelled':
      return {
        errorInfo: errorInfo('UPSTREAM_UNMODELLED_ERROR', {
          awsErrorName: error.name,
          awsRequestId: error.requestId,
          httpStatus: error.httpStatus,
          ...targetMetadata(error.target),
        }),
      };
    case 'UpstreamUnreachable':
      return { errorInfo: errorInfo('UPSTREAM_UNREACHABLE', { cause: error.reason, ...targetMetadata(error.target) }) };
    case 'UpstreamClientMisconfigured':
      // The SDK's failure (its name included) stays in the log: it may describe the credentials.
      return { errorInfo: errorInfo('UPSTREAM_CLIENT_MISCONFIGURED'), requestInfo: ownRequestInfo(requestId) };
    case 'DeadlineExceeded':
      return { errorInfo: errorInfo('DEADLINE_EXCEEDED', { budgetMs: error.budgetMs }) };
    case 'Cancelled':
      return { errorInfo: errorInfo('CANCELLED') };
    default: {
      const unreachable: never = error;
      return unreachable;
    }
  }
}

/** The details of a defect (a bug of ours): nothing about it, only the id of its log entry. */
export function defectErrorDetails(requestId: string): ErrorDetails {
  return { errorInfo: errorInfo('INTERNAL_ERROR'), requestInfo: ownRequestInfo(requestId) };
}

interface Encoder<T> {
  encode(message: T): { finish(): Uint8Array };
}

function pack<T>(typeName: string, encoder: Encoder<T>, message: T): Any {
  const bytes = encoder.encode(message).finish();
  return {
    typeUrl: `type.googleapis.com/${googleRpcPackage}.${typeName}`,
    value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  };
}

function packIfPresent<T>(typeName: string, encoder: Encoder<T>, message: T | undefined): Any[] {
  return message === undefined ? [] : [pack(typeName, encoder, message)];
}

/** The details as google.protobuf.Any values, ErrorInfo first. */
export function packErrorDetails(details: ErrorDetails): Any[] {
  return [
    pack('ErrorInfo', ErrorInfo, details.errorInfo),
    ...packIfPresent('BadRequest', BadRequest, details.badRequest),
    ...packIfPresent('ResourceInfo', ResourceInfo, details.resourceInfo),
    ...packIfPresent('PreconditionFailure', PreconditionFailure, details.preconditionFailure),
    ...packIfPresent('RetryInfo', RetryInfo, details.retryInfo),
    ...packIfPresent('QuotaFailure', QuotaFailure, details.quotaFailure),
    ...packIfPresent('RequestInfo', RequestInfo, details.requestInfo),
  ];
}

/** A failed call's status as it goes on the wire. */
export interface DetailedStatus {
  readonly code: number;
  readonly message: string;
  readonly details: ErrorDetails;
}

/** The serialized google.rpc.Status; its code and message are the call's own. */
export function encodeStatus(status: DetailedStatus): Buffer {
  const bytes = Status.encode({ code: status.code, message: status.message, details: packErrorDetails(status.details) }).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The trailers of a failed call: the google.rpc.Status under grpc-status-details-bin. Give it to grpc-js as the
 * `metadata` of the error object (`callback({ code, details, metadata })`), not as the callback's third argument,
 * which would replace it.
 */
export function statusDetailsTrailers(status: DetailedStatus): Metadata {
  const metadata = new Metadata();
  metadata.set(STATUS_DETAILS_TRAILER, encodeStatus(status));
  return metadata;
}
