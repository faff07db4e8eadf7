import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { assertNever } from './assert-never';
import {
  type ClientAction,
  CONTROL_LIMITS,
  FAULT_ERROR_NAME_PATTERN,
  FAULT_KINDS,
  type FaultKind,
  type FaultRequest,
  type FaultSpec,
  type RateSetting,
  type RetentionSetting,
  type TransitionSetting,
} from './control-types';
import { STREAM_GROUP_ID_PATTERN } from './ids';
import { isJsonObject, type JsonObject, member } from './json-body';
import { isOperationName, OPERATION_NAMES } from './operations';
import {
  isStreamSessionStatus,
  isStreamSessionStatusReason,
  type StreamSessionStatus,
  type StreamSessionStatusReason,
} from './session-status';

/** Decoders for control-API bodies. A Left is a message for a 400 answer. */

const isIntegerIn = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

const isNumberIn = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;

const operationOf = (body: JsonObject): E.Either<string, FaultRequest['operation']> => {
  const operation = member(body, 'operation');
  return isOperationName(operation)
    ? E.right(operation)
    : E.left(`"operation" must be one of ${OPERATION_NAMES.join(', ')}`);
};

export const decodeStreamGroupRequest = (body: JsonObject): E.Either<string, { readonly id: string | undefined }> => {
  const id = member(body, 'id');
  if (id === undefined) {
    return E.right({ id: undefined });
  }
  return typeof id === 'string' && STREAM_GROUP_ID_PATTERN.test(id)
    ? E.right({ id })
    : E.left('"id" must be 1-32 letters, digits or hyphens, such as sg-demo00001');
};

export const decodeClientAction = (body: JsonObject): E.Either<string, ClientAction> => {
  const action = member(body, 'action');
  return action === 'connect' || action === 'drop' ? E.right(action) : E.left('"action" must be "connect" or "drop"');
};

export interface ForcedStatus {
  readonly status: StreamSessionStatus;
  readonly statusReason: StreamSessionStatusReason | undefined;
}

export const decodeForcedStatus = (body: JsonObject): E.Either<string, ForcedStatus> => {
  const status = member(body, 'status');
  const statusReason = member(body, 'statusReason');
  if (!isStreamSessionStatus(status)) {
    return E.left('"status" must be a stream session status such as PENDING_CLIENT_RECONNECTION');
  }
  if (statusReason !== undefined && !isStreamSessionStatusReason(statusReason)) {
    return E.left('"statusReason" must be a status reason wire value such as reconnectionTimeout');
  }
  return E.right({ status, statusReason });
};

export const decodeTransitionSetting = (body: JsonObject): E.Either<string, TransitionSetting> => {
  const delayMs = member(body, 'delayMs');
  return isIntegerIn(delayMs, 0, CONTROL_LIMITS.maxTransitionDelayMs)
    ? E.right({ delayMs })
    : E.left(`"delayMs" must be an integer from 0 to ${CONTROL_LIMITS.maxTransitionDelayMs}`);
};

export const decodeRetentionSetting = (body: JsonObject): E.Either<string, RetentionSetting> => {
  const endedSessionRetentionMs = member(body, 'endedSessionRetentionMs');
  return isIntegerIn(endedSessionRetentionMs, 0, CONTROL_LIMITS.maxEndedSessionRetentionMs)
    ? E.right({ endedSessionRetentionMs })
    : E.left(`"endedSessionRetentionMs" must be an integer from 0 to ${CONTROL_LIMITS.maxEndedSessionRetentionMs}`);
};

export const decodeRateSetting = (body: JsonObject): E.Either<string, RateSetting> => {
  const ratePerSecond = member(body, 'ratePerSecond');
  const burst = member(body, 'burst');
  if (!isNumberIn(ratePerSecond, Number.MIN_VALUE, CONTROL_LIMITS.maxRatePerSecond)) {
    return E.left(`"ratePerSecond" must be a number above 0 and at most ${CONTROL_LIMITS.maxRatePerSecond}`);
  }
  if (!isIntegerIn(burst, 1, CONTROL_LIMITS.maxBurst)) {
    return E.left(`"burst" must be an integer from 1 to ${CONTROL_LIMITS.maxBurst}`);
  }
  return pipe(
    operationOf(body),
    E.map((operation) => ({ operation, ratePerSecond, burst })),
  );
};

const statusMessage = `an integer HTTP status from ${CONTROL_LIMITS.minFaultStatus} to ${CONTROL_LIMITS.maxFaultStatus}`;

const isFaultStatus = (value: unknown): value is number =>
  isIntegerIn(value, CONTROL_LIMITS.minFaultStatus, CONTROL_LIMITS.maxFaultStatus);

const isFaultKind = (value: unknown): value is FaultKind =>
  typeof value === 'string' && (FAULT_KINDS as readonly string[]).includes(value);

const decodeFaultSpec = (fault: JsonObject): E.Either<string, FaultSpec> => {
  const kind = member(fault, 'kind');
  if (!isFaultKind(kind)) {
    return E.left(`"fault.kind" must be one of ${FAULT_KINDS.join(', ')}`);
  }
  switch (kind) {
    case 'error': {
      const errorName = member(fault, 'errorName');
      const httpStatus = member(fault, 'httpStatus');
      const message = member(fault, 'message');
      if (typeof errorName !== 'string' || !FAULT_ERROR_NAME_PATTERN.test(errorName)) {
        return E.left(
          '"fault.errorName" must be an error shape name such as ConflictException (letters, digits, _ . : # -)',
        );
      }
      if (httpStatus !== undefined && !isFaultStatus(httpStatus)) {
        return E.left(`"fault.httpStatus" must be ${statusMessage}`);
      }
      if (
        message !== undefined &&
        (typeof message !== 'string' || message.length > CONTROL_LIMITS.maxFaultMessageLength)
      ) {
        return E.left(`"fault.message" must be a string of at most ${CONTROL_LIMITS.maxFaultMessageLength} characters`);
      }
      return E.right({ kind, errorName, httpStatus, message });
    }
    case 'http-status': {
      const status = member(fault, 'status');
      return isFaultStatus(status) ? E.right({ kind, status }) : E.left(`"fault.status" must be ${statusMessage}`);
    }
    case 'latency': {
      const ms = member(fault, 'ms');
      return isNumberIn(ms, 0, CONTROL_LIMITS.maxLatencyMs)
        ? E.right({ kind, ms })
        : E.left(`"fault.ms" must be a number from 0 to ${CONTROL_LIMITS.maxLatencyMs}`);
    }
    case 'drop-connection':
      return E.right({ kind });
    default:
      return assertNever(kind);
  }
};

export const decodeFaultRequest = (body: JsonObject): E.Either<string, FaultRequest> => {
  const fault = member(body, 'fault');
  const count = member(body, 'count');
  const probability = member(body, 'probability');
  if (!isJsonObject(fault)) {
    return E.left('"fault" must be an object with a "kind"');
  }
  if (count !== undefined && !isIntegerIn(count, 1, Number.MAX_SAFE_INTEGER)) {
    return E.left('"count" must be an integer of at least 1');
  }
  if (probability !== undefined && !isNumberIn(probability, 0, 1)) {
    return E.left('"probability" must be a number from 0 to 1');
  }
  return pipe(
    E.Do,
    E.apS('operation', operationOf(body)),
    E.apS('fault', decodeFaultSpec(fault)),
    E.map(({ operation, fault: spec }) => ({ operation, fault: spec, count, probability })),
  );
};
