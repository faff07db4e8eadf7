import { status as GrpcCode } from '@grpc/grpc-js';

import type { ReconnectError, UpstreamAnswer } from '../domain/reconnect-error';
import { defectErrorDetails, errorDetails, type ErrorDetails } from './error-details';

/**
 * What a caller sees for a failed call: a canonical code, an English message for developers, and the
 * google.rpc error details that go in the grpc-status-details-bin trailer.
 */
export interface StatusReport {
  readonly code: GrpcCode;
  readonly message: string;
  readonly details: ErrorDetails;
}

type CodeAndMessage = Omit<StatusReport, 'details'>;

const UNAUTHENTICATED_MESSAGES = {
  MissingCredentials: 'this service needs a credential: send "authorization: Bearer <token>" metadata or a client certificate',
  MalformedAuthorization: 'the authorization metadata must be "Bearer <token>"',
  UnknownCredentials: 'the credential is not one this service knows',
} as const;

function awsSuffix(errorName: string, answer: UpstreamAnswer): string {
  const requestId = answer.requestId === undefined ? '' : `; AWS request id ${answer.requestId}`;
  return `(${errorName}: ${answer.message}${requestId})`;
}

function sessionName(answer: UpstreamAnswer): string {
  return `stream session "${answer.target.streamSessionIdentifier}" in stream group "${answer.target.streamGroupIdentifier}"`;
}

/**
 * The status a failed call ends with: its code and message (below) and its error details (error-details.ts).
 * `requestId` is the call's id in our log, for the INTERNAL outcomes that have no AWS request id.
 */
export function toStatusReport(error: ReconnectError, requestId?: string): StatusReport {
  return { ...codeAndMessage(error), details: errorDetails(error, requestId) };
}

/**
 * The one place that decides which gRPC status each outcome becomes (see the table in the README and the proto).
 * The switch is exhaustive: a new ReconnectError variant does not compile until it is mapped here.
 */
function codeAndMessage(error: ReconnectError): CodeAndMessage {
  switch (error._tag) {
    case 'InvalidRequest':
      return {
        code: GrpcCode.INVALID_ARGUMENT,
        message: `invalid request: ${error.violations.map((v) => `${v.field} ${v.description}`).join('; ')}`,
      };
    case 'UpstreamValidation':
      return {
        code: GrpcCode.INVALID_ARGUMENT,
        message: `GameLift Streams rejected the request as invalid ${awsSuffix('ValidationException', error.upstream)}`,
      };
    case 'UpstreamAccessDenied':
      return {
        code: GrpcCode.PERMISSION_DENIED,
        message: `GameLift Streams denied this service access to ${sessionName(error.upstream)} ${awsSuffix('AccessDeniedException', error.upstream)}`,
      };
    case 'UpstreamResourceNotFound':
      return {
        code: GrpcCode.NOT_FOUND,
        message: `${sessionName(error.upstream)} was not found; it may have ended ${awsSuffix('ResourceNotFoundException', error.upstream)}`,
      };
    case 'UpstreamConflict':
      return {
        code: GrpcCode.FAILED_PRECONDITION,
        message: `${sessionName(error.upstream)} cannot be reconnected in its current status; it must be PENDING_CLIENT_RECONNECTION or ACTIVE ${awsSuffix('ConflictException', error.upstream)}`,
      };
    case 'UpstreamThrottling':
      return {
        code: GrpcCode.RESOURCE_EXHAUSTED,
        message: `GameLift Streams throttled the reconnect after the service's retries; retry later with backoff ${awsSuffix('ThrottlingException', error.upstream)}`,
      };
    case 'UpstreamInternalServer':
      return {
        code: GrpcCode.INTERNAL,
        message: `GameLift Streams failed internally; one retry with the same client_token is safe ${awsSuffix('InternalServerException', error.upstream)}`,
      };
    case 'UpstreamUnmodelled': {
      const status = error.httpStatus === undefined ? '' : `, HTTP ${error.httpStatus}`;
      const message = error.message === undefined ? '' : `: ${error.message}`;
      const requestId = error.requestId === undefined ? '' : `; AWS request id ${error.requestId}`;
      return {
        code: GrpcCode.UNKNOWN,
        message: `GameLift Streams answered with an error its model does not list for this operation (${error.name}${status}${message}${requestId})`,
      };
    }
    case 'UpstreamUnreachable':
      return {
        code: GrpcCode.UNAVAILABLE,
        message: `GameLift Streams could not be reached (${error.reason}) after the service's retries; retry with backoff, with a client_token`,
      };
    case 'UpstreamClientMisconfigured':
      return {
        code: GrpcCode.INTERNAL,
        message: 'internal error: the service could not prepare its call to GameLift Streams',
      };
    case 'Unauthenticated':
      return { code: GrpcCode.UNAUTHENTICATED, message: UNAUTHENTICATED_MESSAGES[error.problem] };
    case 'CallerNotAllowed':
      return {
        code: GrpcCode.PERMISSION_DENIED,
        message: `caller "${error.caller}" may not touch stream group "${error.target.streamGroupIdentifier}"`,
      };
    case 'NotSessionOwner':
      return {
        code: GrpcCode.PERMISSION_DENIED,
        message: `stream session "${error.target.streamSessionIdentifier}" does not belong to the user named in the request; no reconnect was attempted`,
      };
    case 'ReconnectInProgress':
      return {
        code: GrpcCode.FAILED_PRECONDITION,
        message: `another reconnect of stream session "${error.target.streamSessionIdentifier}" in stream group "${error.target.streamGroupIdentifier}" with a different signal_request is in flight; read the session's status before retrying`,
      };
    case 'AdmissionRefused': {
      const why =
        error.cause === 'QueueFull'
          ? 'its queue of calls waiting for GameLift Streams is full'
          : 'the call could not be admitted before its deadline';
      return {
        code: GrpcCode.RESOURCE_EXHAUSTED,
        message: `the service is holding calls to GameLift Streams within ${error.ratePerSecond} requests/s and ${why}; retry in ${Math.ceil(error.retryAfterMs)} ms or later`,
      };
    }
    case 'DeadlineExceeded':
      return {
        code: GrpcCode.DEADLINE_EXCEEDED,
        message: `the reconnect did not finish before its deadline (the caller's, capped at ${error.budgetMs} ms)`,
      };
    case 'Cancelled':
      return { code: GrpcCode.CANCELLED, message: 'the caller cancelled the reconnect' };
    default: {
      const unreachable: never = error;
      return unreachable;
    }
  }
}

export const DEFECT_MESSAGE = 'internal error in the reconnect service; it has been logged';

/**
 * What every caller sees when our own code fails: nothing about the failure itself, only the id under which
 * the defect was logged (RequestInfo.request_id), so an operator can find it.
 */
export function defectStatusReport(requestId: string): StatusReport {
  return { code: GrpcCode.INTERNAL, message: DEFECT_MESSAGE, details: defectErrorDetails(requestId) };
}
