import {
  AccessDeniedException,
  ConflictException,
  GameLiftStreamsServiceException,
  InternalServerException,
  ResourceNotFoundException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-gameliftstreams';

import {
  fromAbortCause,
  isAbortCause,
  type ReconnectError,
  type ReconnectTarget,
  type UpstreamAnswer,
} from '../domain/reconnect-error';
import { transportFailureCode } from './transport-failure';

const SDK_TIMEOUT_NAMES: ReadonlySet<string> = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
/** Gateway statuses that arrive without an AWS error type: AWS's front door, not the service, answered. */
const GATEWAY_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);
const MAX_UPSTREAM_MESSAGE_LENGTH = 512;

export interface ClassificationContext {
  readonly target: ReconnectTarget;
  readonly signal: AbortSignal;
  /** Strings that must never leave the process inside an AWS message (the signal request). */
  readonly secrets: ReadonlyArray<string>;
}

/** Removes any sensitive string AWS might echo and bounds the length, so the message is safe to return. */
export function scrubMessage(message: string, secrets: ReadonlyArray<string>): string {
  const scrubbed = secrets.reduce(
    (text, secret) => (secret.length > 0 ? text.split(secret).join('[redacted]') : text),
    message,
  );
  return scrubbed.length > MAX_UPSTREAM_MESSAGE_LENGTH
    ? `${scrubbed.slice(0, MAX_UPSTREAM_MESSAGE_LENGTH)}...`
    : scrubbed;
}

/**
 * Turns whatever the SDK rejected with into one ReconnectError. Total: every input has an answer, so the
 * connector never lets an exception through.
 */
export function classifySdkError(error: unknown, context: ClassificationContext): ReconnectError {
  if (context.signal.aborted && isAbortCause(context.signal.reason)) {
    return fromAbortCause(context.signal.reason);
  }
  if (error instanceof GameLiftStreamsServiceException) {
    const answer: UpstreamAnswer = {
      target: context.target,
      message: scrubMessage(error.message, context.secrets),
      requestId: error.$metadata.requestId,
    };
    if (error instanceof AccessDeniedException) return { _tag: 'UpstreamAccessDenied', upstream: answer };
    if (error instanceof ConflictException) return { _tag: 'UpstreamConflict', upstream: answer };
    if (error instanceof InternalServerException) return { _tag: 'UpstreamInternalServer', upstream: answer };
    if (error instanceof ResourceNotFoundException) return { _tag: 'UpstreamResourceNotFound', upstream: answer };
    if (error instanceof ThrottlingException) return { _tag: 'UpstreamThrottling', upstream: answer };
    if (error instanceof ValidationException) return { _tag: 'UpstreamValidation', upstream: answer };
    const httpStatus = error.$metadata.httpStatusCode;
    if (error.name === 'Unknown' && httpStatus !== undefined && GATEWAY_STATUSES.has(httpStatus)) {
      return { _tag: 'UpstreamUnreachable', target: context.target, reason: `HTTP ${httpStatus} without an AWS error` };
    }
    return {
      _tag: 'UpstreamUnmodelled',
      target: context.target,
      name: error.name,
      message: error.message === 'UnknownError' ? undefined : scrubMessage(error.message, context.secrets),
      requestId: error.$metadata.requestId,
      httpStatus,
    };
  }
  // The code first: the HTTP handler gives some transport failures a timeout's name (a reset, RequestTimeout).
  const code = transportFailureCode(error);
  if (code !== undefined) {
    return { _tag: 'UpstreamUnreachable', target: context.target, reason: code };
  }
  const failure = typeof error === 'object' && error !== null ? error : {};
  const name = 'name' in failure ? failure.name : undefined;
  if (typeof name === 'string' && SDK_TIMEOUT_NAMES.has(name)) {
    return { _tag: 'UpstreamUnreachable', target: context.target, reason: name };
  }
  return {
    _tag: 'UpstreamClientMisconfigured',
    name: typeof name === 'string' ? name : 'UnknownFailure',
  };
}
