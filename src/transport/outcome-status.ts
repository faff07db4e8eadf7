import { randomUUID } from 'node:crypto';

import { Metadata, status as GrpcCode } from '@grpc/grpc-js';
import { absurd } from 'fp-ts/function';

import { ERROR_DOMAIN, STATUS_DETAILS_TRAILER, encodeStatus, type ErrorDetails } from '../contract/error-details';
import type { ServiceFailure, SessionTarget, UpstreamAnswer } from '../domain/outcomes';
import type { Duration } from '../gen/google/protobuf/duration';
import type { ErrorInfo, QuotaFailure, RequestInfo } from '../gen/google/rpc/error_details';

/**
 * What a caller sees for a failed call: a canonical code, an English message for developers, and the google.rpc
 * error details that go in the grpc-status-details-bin trailer. The normative table of codes is the proto's
 * (proto/reconnect/v1/reconnect.proto); docs/contract.md has the reasons and details, checked against this module.
 */
export interface StatusReport {
  readonly code: GrpcCode;
  readonly message: string;
  readonly details: ErrorDetails;
}

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
  | 'INTERNAL_ERROR'
  | 'TOO_MANY_WATCH_STREAMS'
  | 'STREAM_GROUP_NOT_FOUND'
  | 'WATCH_POLL_ACCESS_DENIED'
  | 'WATCH_POLLS_FAILING'
  | 'WATCH_FEED_GAP'
  | 'SHUTTING_DOWN'
  | 'WATCH_FELL_BEHIND';

/** The service's own limits on watch streams, as QuotaFailure subjects. */
export const WATCH_STREAMS_QUOTA_SUBJECT = 'reconnect:watch-streams-per-caller';
export const WATCH_BUFFER_QUOTA_SUBJECT = 'reconnect:watch-stream-buffer-messages';

/** How long a watcher should wait before resubscribing after the polls failed: about one poll. */
export const WATCH_RESUBSCRIBE_DELAY_MS = 1000;

/** The AWS quota that UpstreamThrottling and AdmissionRefused are about. */
export const CONNECTION_QUOTA_SUBJECT = 'aws:gameliftstreams:CreateStreamSessionConnection';
const CONNECTION_QUOTA_PER_SECOND = 20;

/** How long a caller should wait after AWS throttled the call (the SDK does not retry throttling for us). */
export const THROTTLING_RETRY_DELAY_MS = 1000;

export const DEFECT_MESSAGE = 'internal error in the reconnect service; it has been logged';

const UNAUTHENTICATED_MESSAGES = {
  MissingCredentials:
    'this service needs a credential: send "authorization: Bearer <token>" metadata or a client certificate',
  MalformedAuthorization: 'the authorization metadata must be "Bearer <token>"',
  UnknownCredentials: 'the credential is not one this service knows',
} as const;

function errorInfo(
  reason: ErrorReason,
  metadata: Readonly<Record<string, string | number | undefined>> = {},
): ErrorInfo {
  const known: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (value !== undefined) {
      known[key] = String(value);
    }
  }
  return { reason, domain: ERROR_DOMAIN, metadata: known };
}

function targetMetadata(target: SessionTarget): Record<string, string> {
  return {
    streamGroupIdentifier: target.streamGroupIdentifier,
    streamSessionIdentifier: target.streamSessionIdentifier,
  };
}

function upstreamMetadata(awsErrorName: string, answer: UpstreamAnswer): Record<string, string | undefined> {
  return { awsErrorName, awsRequestId: answer.requestId, ...targetMetadata(answer.target) };
}

function awsSuffix(errorName: string, answer: UpstreamAnswer): string {
  const requestId = answer.requestId === undefined ? '' : `; AWS request id ${answer.requestId}`;
  return `(${errorName}: ${answer.message}${requestId})`;
}

function sessionName(target: SessionTarget): string {
  return `stream session "${target.streamSessionIdentifier}" in stream group "${target.streamGroupIdentifier}"`;
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
  return {
    violations: [
      {
        subject: CONNECTION_QUOTA_SUBJECT,
        description,
        apiService: 'gameliftstreams.amazonaws.com',
        quotaMetric: '',
        quotaId: '',
        quotaDimensions: {},
        quotaValue: Number.isFinite(quotaValue)
          ? Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.floor(quotaValue)))
          : 0,
        futureQuotaValue: undefined,
      },
    ],
  };
}

/** A limit of this service itself (not AWS's), as a QuotaFailure. */
function ownQuotaFailure(subject: string, description: string, limit: number): QuotaFailure {
  return {
    violations: [
      {
        subject,
        description,
        apiService: '',
        quotaMetric: '',
        quotaId: '',
        quotaDimensions: {},
        quotaValue: Math.max(0, Math.floor(limit)),
        futureQuotaValue: undefined,
      },
    ],
  };
}

/** A request id of our own, for failures AWS has no id for; the access log has it, so an operator can find the call. */
function ownRequestInfo(requestId: string | undefined): RequestInfo {
  return { requestId: requestId ?? randomUUID(), servingData: '' };
}

/**
 * The one place that decides what each outcome becomes: its code, its message and its details, side by side. The
 * switch is exhaustive: a new outcome does not compile until it is here. `requestId` identifies the call in our log;
 * it becomes RequestInfo.request_id for the INTERNAL outcomes that have no AWS request id.
 */
export function statusOf(failure: ServiceFailure, requestId?: string): StatusReport {
  switch (failure._tag) {
    case 'InvalidRequest':
      return {
        code: GrpcCode.INVALID_ARGUMENT,
        message: `invalid request: ${failure.violations.map((violation) => `${violation.field} ${violation.description}`).join('; ')}`,
        details: {
          errorInfo: errorInfo('INVALID_REQUEST'),
          badRequest: {
            fieldViolations: failure.violations.map((violation) => ({
              field: violation.field,
              description: violation.description,
              reason: '',
              localizedMessage: undefined,
            })),
          },
        },
      };
    case 'UpstreamValidation':
      return {
        code: GrpcCode.INVALID_ARGUMENT,
        message: `GameLift Streams rejected the request as invalid ${awsSuffix('ValidationException', failure.upstream)}`,
        // AWS does not say which field it rejected, so there is no BadRequest to give.
        details: {
          errorInfo: errorInfo('UPSTREAM_VALIDATION_FAILED', upstreamMetadata('ValidationException', failure.upstream)),
        },
      };
    case 'UpstreamAccessDenied':
      return {
        code: GrpcCode.PERMISSION_DENIED,
        message: `GameLift Streams denied this service access to ${sessionName(failure.upstream.target)} ${awsSuffix('AccessDeniedException', failure.upstream)}`,
        details: {
          errorInfo: errorInfo('UPSTREAM_ACCESS_DENIED', upstreamMetadata('AccessDeniedException', failure.upstream)),
        },
      };
    case 'UpstreamResourceNotFound': {
      const { streamGroupIdentifier, streamSessionIdentifier } = failure.upstream.target;
      return {
        code: GrpcCode.NOT_FOUND,
        message: `${sessionName(failure.upstream.target)} was not found; it may have ended ${awsSuffix('ResourceNotFoundException', failure.upstream)}`,
        details: {
          errorInfo: errorInfo(
            'STREAM_SESSION_NOT_FOUND',
            upstreamMetadata('ResourceNotFoundException', failure.upstream),
          ),
          resourceInfo: {
            resourceType: 'gameliftstreams.amazonaws.com/StreamSession',
            resourceName: streamSessionIdentifier,
            owner: '',
            description: `GameLift Streams has no stream session "${streamSessionIdentifier}" in stream group "${streamGroupIdentifier}": the session has ended or never existed, or the stream group does not exist`,
          },
        },
      };
    }
    case 'UpstreamConflict':
      return {
        code: GrpcCode.FAILED_PRECONDITION,
        message: `${sessionName(failure.upstream.target)} cannot be reconnected in its current status; it must be PENDING_CLIENT_RECONNECTION or ACTIVE ${awsSuffix('ConflictException', failure.upstream)}`,
        details: {
          errorInfo: errorInfo(
            'STREAM_SESSION_NOT_RECONNECTABLE',
            upstreamMetadata('ConflictException', failure.upstream),
          ),
          preconditionFailure: {
            violations: [
              {
                type: 'STREAM_SESSION_STATE',
                subject: failure.upstream.target.streamSessionIdentifier,
                description:
                  'the stream session must be PENDING_CLIENT_RECONNECTION or ACTIVE; read its status (GetStreamSession) before deciding',
              },
            ],
          },
        },
      };
    case 'UpstreamThrottling':
      return {
        code: GrpcCode.RESOURCE_EXHAUSTED,
        message: `GameLift Streams throttled the reconnect after the service's retries; retry later with backoff ${awsSuffix('ThrottlingException', failure.upstream)}`,
        details: {
          errorInfo: errorInfo('UPSTREAM_THROTTLED', upstreamMetadata('ThrottlingException', failure.upstream)),
          retryInfo: { retryDelay: duration(THROTTLING_RETRY_DELAY_MS) },
          quotaFailure: connectionQuotaFailure(
            `GameLift Streams throttled CreateStreamSessionConnection, whose quota is ${CONNECTION_QUOTA_PER_SECOND} requests/s per account and region`,
            CONNECTION_QUOTA_PER_SECOND,
          ),
        },
      };
    case 'UpstreamInternalServer':
      return {
        code: GrpcCode.INTERNAL,
        message: `GameLift Streams failed internally; one retry with the same client_token is safe ${awsSuffix('InternalServerException', failure.upstream)}`,
        details: {
          errorInfo: errorInfo(
            'UPSTREAM_INTERNAL_ERROR',
            upstreamMetadata('InternalServerException', failure.upstream),
          ),
          requestInfo:
            failure.upstream.requestId === undefined
              ? ownRequestInfo(requestId)
              : { requestId: failure.upstream.requestId, servingData: 'aws:gameliftstreams' },
        },
      };
    case 'UpstreamUnmodelled': {
      const status = failure.httpStatus === undefined ? '' : `, HTTP ${failure.httpStatus}`;
      const message = failure.message === undefined ? '' : `: ${failure.message}`;
      const awsRequestId = failure.requestId === undefined ? '' : `; AWS request id ${failure.requestId}`;
      return {
        code: GrpcCode.UNKNOWN,
        message: `GameLift Streams answered with an error its model does not list for this operation (${failure.name}${status}${message}${awsRequestId})`,
        details: {
          errorInfo: errorInfo('UPSTREAM_UNMODELLED_ERROR', {
            awsErrorName: failure.name,
            awsRequestId: failure.requestId,
            httpStatus: failure.httpStatus,
            ...targetMetadata(failure.target),
          }),
        },
      };
    }
    case 'UpstreamUnreachable':
      return {
        code: GrpcCode.UNAVAILABLE,
        message: `GameLift Streams could not be reached (${failure.reason}) after the service's retries; retry with backoff, with a client_token`,
        details: {
          errorInfo: errorInfo('UPSTREAM_UNREACHABLE', { cause: failure.reason, ...targetMetadata(failure.target) }),
        },
      };
    case 'UpstreamClientMisconfigured':
      return {
        code: GrpcCode.INTERNAL,
        message: 'internal error: the service could not prepare its call to GameLift Streams',
        // The SDK's failure (its name included) stays in the log: it may describe the credentials.
        details: { errorInfo: errorInfo('UPSTREAM_CLIENT_MISCONFIGURED'), requestInfo: ownRequestInfo(requestId) },
      };
    case 'Unauthenticated':
      return {
        code: GrpcCode.UNAUTHENTICATED,
        message: UNAUTHENTICATED_MESSAGES[failure.problem],
        details: { errorInfo: errorInfo('CALLER_UNAUTHENTICATED', { problem: failure.problem }) },
      };
    case 'CallerNotAllowed':
      return {
        code: GrpcCode.PERMISSION_DENIED,
        message: `caller "${failure.caller}" may not touch stream group "${failure.target.streamGroupIdentifier}"`,
        details: {
          errorInfo: errorInfo('CALLER_NOT_ALLOWED', { caller: failure.caller, ...targetMetadata(failure.target) }),
        },
      };
    case 'NotSessionOwner':
      return {
        code: GrpcCode.PERMISSION_DENIED,
        message: `stream session "${failure.target.streamSessionIdentifier}" does not belong to the user named in the request; no reconnect was attempted`,
        details: {
          errorInfo: errorInfo('SESSION_NOT_OWNED_BY_USER', targetMetadata(failure.target)),
          preconditionFailure: {
            violations: [
              {
                type: 'STREAM_SESSION_OWNER',
                subject: failure.target.streamSessionIdentifier,
                description: 'the stream session was started for another user than user_id',
              },
            ],
          },
        },
      };
    case 'ReconnectInProgress':
      return {
        code: GrpcCode.FAILED_PRECONDITION,
        message: `another reconnect of ${sessionName(failure.target)} with a different signal_request is in flight; read the session's status before retrying`,
        details: {
          errorInfo: errorInfo('RECONNECT_IN_PROGRESS', targetMetadata(failure.target)),
          preconditionFailure: {
            violations: [
              {
                type: 'RECONNECT_IN_PROGRESS',
                subject: failure.target.streamSessionIdentifier,
                description:
                  'another reconnect of this stream session with a different signal_request is in flight; read its status (GetStreamSession) before retrying',
              },
            ],
          },
        },
      };
    case 'AdmissionRefused': {
      const retryAfterMs = Math.ceil(failure.retryAfterMs);
      const queueFull = failure.cause === 'QueueFull';
      const why = queueFull
        ? 'its queue of calls waiting for GameLift Streams is full'
        : 'the call could not be admitted before its deadline';
      return {
        code: GrpcCode.RESOURCE_EXHAUSTED,
        message: `the service is holding calls to GameLift Streams within ${formatRate(failure.ratePerSecond)} requests/s and ${why}; retry in ${retryAfterMs} ms or later`,
        details: {
          errorInfo: errorInfo(queueFull ? 'ADMISSION_QUEUE_FULL' : 'ADMISSION_DEADLINE_UNMEETABLE', {
            retryAfterMs,
            ratePerSecond: formatRate(failure.ratePerSecond),
          }),
          retryInfo: { retryDelay: duration(retryAfterMs) },
          quotaFailure: connectionQuotaFailure(
            `the service admits ${formatRate(failure.ratePerSecond)} CreateStreamSessionConnection requests/s to GameLift Streams (AWS quota: ${CONNECTION_QUOTA_PER_SECOND} requests/s per account and region), and ${why}`,
            failure.ratePerSecond,
          ),
        },
      };
    }
    case 'DeadlineExceeded':
      return {
        code: GrpcCode.DEADLINE_EXCEEDED,
        message: `the reconnect did not finish before its deadline (the caller's, capped at ${failure.budgetMs} ms)`,
        details: { errorInfo: errorInfo('DEADLINE_EXCEEDED', { budgetMs: failure.budgetMs }) },
      };
    case 'TooManyWatchStreams':
      return {
        code: GrpcCode.RESOURCE_EXHAUSTED,
        message: `caller "${failure.caller}" already has ${failure.limit} watch streams open on this replica, the most it may; close one first`,
        details: {
          errorInfo: errorInfo('TOO_MANY_WATCH_STREAMS', { caller: failure.caller, limit: failure.limit }),
          quotaFailure: ownQuotaFailure(
            WATCH_STREAMS_QUOTA_SUBJECT,
            `a caller may have ${failure.limit} watch streams open on one replica (RECONNECT_WATCH_MAX_STREAMS_PER_CALLER)`,
            failure.limit,
          ),
        },
      };
    case 'StreamGroupNotFound':
      return {
        code: GrpcCode.NOT_FOUND,
        message: `stream group "${failure.streamGroupIdentifier}" was not found (ResourceNotFoundException from ListStreamSessions)`,
        details: {
          errorInfo: errorInfo('STREAM_GROUP_NOT_FOUND', { streamGroupIdentifier: failure.streamGroupIdentifier }),
          resourceInfo: {
            resourceType: 'gameliftstreams.amazonaws.com/StreamGroup',
            resourceName: failure.streamGroupIdentifier,
            owner: '',
            description: `GameLift Streams has no stream group "${failure.streamGroupIdentifier}" in this region`,
          },
        },
      };
    case 'WatchPollAccessDenied':
      return {
        code: GrpcCode.PERMISSION_DENIED,
        message: `GameLift Streams denied this service ListStreamSessions on stream group "${failure.streamGroupIdentifier}" (AccessDeniedException)`,
        details: {
          errorInfo: errorInfo('WATCH_POLL_ACCESS_DENIED', {
            awsErrorName: 'AccessDeniedException',
            streamGroupIdentifier: failure.streamGroupIdentifier,
          }),
        },
      };
    case 'WatchPollsFailing':
      return {
        code: GrpcCode.UNAVAILABLE,
        message: `the polls of stream group "${failure.streamGroupIdentifier}" keep failing (${failure.detail}); resubscribe with backoff`,
        details: {
          errorInfo: errorInfo('WATCH_POLLS_FAILING', { streamGroupIdentifier: failure.streamGroupIdentifier }),
          retryInfo: { retryDelay: duration(WATCH_RESUBSCRIBE_DELAY_MS) },
        },
      };
    case 'WatchFeedGap':
      return {
        code: GrpcCode.UNAVAILABLE,
        message: `changes of stream group "${failure.streamGroupIdentifier}" were lost between replicas; resubscribe, and the new snapshot covers the gap`,
        details: {
          errorInfo: errorInfo('WATCH_FEED_GAP', { streamGroupIdentifier: failure.streamGroupIdentifier }),
        },
      };
    case 'ShuttingDown':
      return {
        code: GrpcCode.UNAVAILABLE,
        message: 'this replica is shutting down; resubscribe (another replica will serve it)',
        details: { errorInfo: errorInfo('SHUTTING_DOWN') },
      };
    case 'WatchFellBehind':
      return {
        code: GrpcCode.RESOURCE_EXHAUSTED,
        message: `the stream fell behind: more than ${failure.bufferMessages} messages waited for the client; resubscribe, and the new snapshot covers what was missed`,
        details: {
          errorInfo: errorInfo('WATCH_FELL_BEHIND', { bufferMessages: failure.bufferMessages }),
          quotaFailure: ownQuotaFailure(
            WATCH_BUFFER_QUOTA_SUBJECT,
            `a watch stream may have ${failure.bufferMessages} messages waiting for its client (RECONNECT_WATCH_BUFFER)`,
            failure.bufferMessages,
          ),
        },
      };
    case 'Cancelled':
      return {
        code: GrpcCode.CANCELLED,
        message: 'the caller cancelled the reconnect',
        details: { errorInfo: errorInfo('CANCELLED') },
      };
    default:
      return absurd(failure);
  }
}

/**
 * What every caller sees when our own code fails: nothing about the failure itself, only the id under which the
 * defect was logged (RequestInfo.request_id), so an operator can find it.
 */
export function defectStatus(requestId: string): StatusReport {
  return {
    code: GrpcCode.INTERNAL,
    message: DEFECT_MESSAGE,
    details: { errorInfo: errorInfo('INTERNAL_ERROR'), requestInfo: ownRequestInfo(requestId) },
  };
}

/**
 * The trailers of a failed call: the google.rpc.Status under grpc-status-details-bin. Give it to grpc-js as the
 * `metadata` of the error object (`callback({ code, details, metadata })`), not as the callback's third argument,
 * which would replace it.
 */
export function statusTrailers(report: StatusReport, trailers: Metadata = new Metadata()): Metadata {
  trailers.set(STATUS_DETAILS_TRAILER, encodeStatus(report));
  return trailers;
}
