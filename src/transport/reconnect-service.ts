import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';

import { status, type handleUnaryCall, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';

import type { CallContext } from '../domain/call-context';
import type { StreamSessionReport } from '../domain/get-stream-session';
import type { CallEnded, FieldViolation, ServiceFailure } from '../domain/outcomes';
import type { ReconnectResult } from '../domain/reconnect';
import {
  GetStreamSessionRequest,
  ReconnectServiceService,
  ReconnectStreamSessionRequest,
  StreamSessionStatus,
  streamSessionStatusFromJSON,
  type GetStreamSessionResponse,
  type ReconnectServiceServer,
} from '../gen/reconnect/v1/reconnect';
import type { Logger } from '../logging/logger';
import { AnnotatedTrailers, AuthenticatedMetadata, REQUEST_ID_KEY, type AccessAnnotations } from './interceptors';
import { defectStatus, statusOf, statusTrailers, type StatusReport } from './outcome-status';

/**
 * reconnect.v1.ReconnectService on grpc-js: the wire form of each request checked strictly before anything decodes
 * it, one generic adapter per RPC, and each result encoded as its response. No logic of its own.
 */

// ---- The unary adapter: one use case, one grpc-js handler, exactly one answer.

/** A use case as the adapter runs it: the request and the call's context in, a TaskEither out. */
export type UnaryUseCase<Request, Result> = (
  request: Request,
  context: CallContext,
) => TE.TaskEither<ServiceFailure, Result>;

/** One unary RPC: the use case that serves it, and how its result goes on the wire and into the access line. */
export interface UnaryMethod<Request, Response, Result> {
  readonly useCase: UnaryUseCase<Request, Result>;
  readonly encode: (result: Result) => Response;
  readonly annotate: (result: Result) => AccessAnnotations;
}

export interface UnaryAdapterOptions {
  readonly logger: Logger;
  /** The deadline of a call whose caller set none. */
  readonly deadlineBudgetMs: number;
  /** The call's trace id when tracing is on: it links the access line to the trace. */
  readonly currentTraceId: () => string | undefined;
}

/** How close to the caller's deadline a cancel is taken for the deadline itself. */
const DEADLINE_CANCEL_TOLERANCE_MS = 250;

function deadlineMillis(call: ServerUnaryCall<unknown, unknown>): number {
  const deadline = call.getDeadline();
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

/**
 * Folds a TaskEither use case into a grpc-js unary handler. It answers exactly once, whatever happens: a result, a
 * failure (as its status), a thrown exception or a rejected promise (a defect: INTERNAL with a generic message, the
 * stack in the log). The caller's deadline (or the budget, when it set none) and the caller's cancellation become the
 * AbortSignal handed to the use case, aborted with the CallEnded they mean.
 */
export function unaryHandler<Request, Response, Result>(
  method: UnaryMethod<Request, Response, Result>,
  options: UnaryAdapterOptions,
): handleUnaryCall<Request, Response> {
  const { logger, deadlineBudgetMs, currentTraceId } = options;
  return (call: ServerUnaryCall<Request, Response>, callback: sendUnaryData<Response>) => {
    const startedAt = Date.now();
    const [requestIdValue] = call.metadata.get(REQUEST_ID_KEY);
    const requestId = typeof requestIdValue === 'string' ? requestIdValue : randomUUID();
    const caller = call.metadata instanceof AuthenticatedMetadata ? call.metadata.caller : undefined;
    const traceId = currentTraceId();
    const callerDeadline = deadlineMillis(call);
    const effectiveDeadline = Number.isFinite(callerDeadline) ? callerDeadline : startedAt + deadlineBudgetMs;
    const controller = new AbortController();
    const end = (ended: CallEnded): void => controller.abort(ended);
    const deadlineReached: CallEnded = { _tag: 'DeadlineExceeded', budgetMs: deadlineBudgetMs };
    const timer = setTimeout(() => end(deadlineReached), Math.max(0, effectiveDeadline - startedAt));
    let answered = false;

    // grpc-js emits 'cancelled' at the end of every call, answered or not; only an unanswered one is a cancel.
    const onCancelled = (): void => {
      if (!answered) {
        // A caller's client cancels when its own deadline passes, a moment before ours (its clock started
        // earlier): a cancel that close to the caller's deadline is that deadline.
        const nearDeadline =
          Number.isFinite(callerDeadline) && Date.now() >= effectiveDeadline - DEADLINE_CANCEL_TOLERANCE_MS;
        end(Date.now() >= effectiveDeadline || nearDeadline ? deadlineReached : { _tag: 'Cancelled' });
      }
    };
    call.on('cancelled', onCancelled);

    /** Exactly one answer: later attempts are logged and dropped. */
    const finish = (outcome: E.Either<StatusReport, Response>, annotations: AccessAnnotations): void => {
      if (answered) {
        logger.error({ method: call.getPath(), requestId }, 'a second answer for one call was suppressed');
        return;
      }
      answered = true;
      clearTimeout(timer);
      call.removeListener('cancelled', onCancelled);
      const trailers = new AnnotatedTrailers({ caller: caller?.name, traceId, ...annotations });
      if (E.isRight(outcome)) {
        callback(null, outcome.right, trailers);
        return;
      }
      // The details go in the error's metadata: a third callback argument would replace it.
      callback({
        code: outcome.left.code,
        details: outcome.left.message,
        metadata: statusTrailers(outcome.left, trailers),
      });
    };

    const onDefect = (defect: unknown): void => {
      logger.error({ method: call.getPath(), err: defect, requestId }, 'defect in the reconnect pipeline');
      finish(E.left(defectStatus(requestId)), {});
    };

    const onOutcome = (outcome: E.Either<ServiceFailure, Result>): void => {
      if (E.isRight(outcome)) {
        finish(E.right(method.encode(outcome.right)), method.annotate(outcome.right));
        return;
      }
      if (outcome.left._tag === 'UpstreamClientMisconfigured') {
        logger.error(
          { method: call.getPath(), requestId, sdkError: outcome.left.name },
          'the AWS SDK failed before calling GameLift Streams',
        );
      }
      finish(E.left(statusOf(outcome.left, requestId)), {});
    };

    if (caller === undefined) {
      // Only a call that reached its handler without passing the authentication interceptor: never served.
      onOutcome(E.left({ _tag: 'Unauthenticated', problem: 'MissingCredentials' }));
      return;
    }
    try {
      method
        .useCase(call.request, { signal: controller.signal, deadline: effectiveDeadline, caller })()
        .then((outcome) => {
          try {
            onOutcome(outcome);
          } catch (defect) {
            onDefect(defect);
          }
        }, onDefect);
    } catch (defect) {
      onDefect(defect);
    }
  };
}

// ---- Strict decoding: bad bytes are an invalid request, not a grpc-js INTERNAL.

/**
 * A request message that is not a well-formed instance of its protobuf type. The strict deserializers below return
 * it instead of throwing, so the handler can answer INVALID_ARGUMENT (grpc-js answers a throwing deserializer with
 * a bare INTERNAL) and no use case ever sees the message.
 */
class UndecodableRequest {
  constructor(readonly violations: ReadonlyArray<FieldViolation>) {}
}

/** Wire types of the protobuf encoding. */
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;
const MAX_VARINT_BYTES = 10;
const MAX_TAG = 0xffff_ffff;

/** The string fields of a request message, by field number, with their proto names. */
type StringFields = ReadonlyMap<number, string>;

const RECONNECT_STRING_FIELDS: StringFields = new Map([
  [1, 'stream_group_identifier'],
  [2, 'stream_session_identifier'],
  [3, 'signal_request'],
  [4, 'client_token'],
  [5, 'user_id'],
]);

const GET_STREAM_SESSION_STRING_FIELDS: StringFields = new Map([
  [1, 'stream_group_identifier'],
  [2, 'stream_session_identifier'],
]);

const malformed = (problem: string): FieldViolation => ({
  field: 'request',
  description: `is not a well-formed protobuf message: ${problem}`,
});

/**
 * Walks the message's wire format and returns what is wrong with it, or undefined. Stricter than the generated
 * decoder, which stops quietly at a zero tag, skips a known field sent with another wire type, and replaces invalid
 * UTF-8 with U+FFFD (so a corrupted offer would reach AWS). Unknown fields with a valid encoding are accepted, as
 * proto3 requires; groups (deprecated, never in these messages) are not. Messages never quote the bytes.
 */
function wireViolation(bytes: Uint8Array, stringFields: StringFields): FieldViolation | undefined {
  let position = 0;
  const readVarint = (): number | undefined => {
    let value = 0;
    for (let index = 0; index < MAX_VARINT_BYTES; index += 1) {
      const byte = bytes[position];
      if (byte === undefined) {
        return undefined;
      }
      position += 1;
      value += (byte & 0x7f) * 2 ** (7 * index);
      if ((byte & 0x80) === 0) {
        return value;
      }
    }
    return undefined;
  };
  while (position < bytes.length) {
    const tag = readVarint();
    if (tag === undefined || tag > MAX_TAG) {
      return malformed('a field tag is truncated or too long');
    }
    const fieldNumber = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (fieldNumber === 0) {
      return malformed('a field has number 0');
    }
    const stringField = stringFields.get(fieldNumber);
    if (stringField !== undefined && wireType !== LENGTH_DELIMITED) {
      return { field: stringField, description: `must be a string, but was sent with protobuf wire type ${wireType}` };
    }
    switch (wireType) {
      case VARINT:
        if (readVarint() === undefined) {
          return malformed('a varint is truncated or too long');
        }
        break;
      case FIXED64:
        position += 8;
        break;
      case FIXED32:
        position += 4;
        break;
      case LENGTH_DELIMITED: {
        const length = readVarint();
        if (length === undefined) {
          return malformed('a length is truncated or too long');
        }
        if (length > bytes.length - position) {
          return malformed('a length-delimited field is longer than the message');
        }
        if (stringField !== undefined && !isUtf8(bytes.subarray(position, position + length))) {
          return { field: stringField, description: 'must be valid UTF-8' };
        }
        position += length;
        break;
      }
      default:
        return malformed(`wire type ${wireType} is not allowed here`);
    }
    if (position > bytes.length) {
      return malformed('a fixed-size field is longer than the message');
    }
  }
  return undefined;
}

/** A deserializer that never throws: the decoded message, or an UndecodableRequest saying why there is none. */
function strictDeserializer<T>(
  decode: (bytes: Uint8Array) => T,
  stringFields: StringFields,
): (bytes: Buffer) => T | UndecodableRequest {
  return (bytes) => {
    const violation = wireViolation(bytes, stringFields);
    if (violation !== undefined) {
      return new UndecodableRequest([violation]);
    }
    try {
      return decode(bytes);
    } catch {
      return new UndecodableRequest([malformed('it could not be decoded')]);
    }
  };
}

/** reconnect.v1.ReconnectService as generated, with deserializers that turn bad bytes into INVALID_ARGUMENT. */
export const StrictReconnectServiceService = {
  ...ReconnectServiceService,
  reconnectStreamSession: {
    ...ReconnectServiceService.reconnectStreamSession,
    requestDeserialize: strictDeserializer(
      (bytes) => ReconnectStreamSessionRequest.decode(bytes),
      RECONNECT_STRING_FIELDS,
    ),
  },
  getStreamSession: {
    ...ReconnectServiceService.getStreamSession,
    requestDeserialize: strictDeserializer(
      (bytes) => GetStreamSessionRequest.decode(bytes),
      GET_STREAM_SESSION_STRING_FIELDS,
    ),
  },
} as const;

/** AWS spells statuses as our enum's names without the prefix; a status newer than the contract is UNSPECIFIED. */
function toStatusEnum(status: string | undefined): StreamSessionStatus {
  if (status === undefined) {
    return StreamSessionStatus.STREAM_SESSION_STATUS_UNSPECIFIED;
  }
  const known = streamSessionStatusFromJSON(`STREAM_SESSION_STATUS_${status}`);
  return known === StreamSessionStatus.UNRECOGNIZED ? StreamSessionStatus.STREAM_SESSION_STATUS_UNSPECIFIED : known;
}

function toGetStreamSessionResponse(report: StreamSessionReport): GetStreamSessionResponse {
  return {
    status: toStatusEnum(report.record.status),
    statusName: report.record.status ?? '',
    statusReason: report.record.statusReason ?? '',
    reconnectable: report.reconnectable,
    reconnectionWindowEndsAt: report.windowEndsAt,
    arn: report.record.arn ?? '',
    connectionTimeoutSeconds: report.record.connectionTimeoutSeconds ?? 0,
    lastUpdatedAt: report.record.lastUpdatedAt,
  };
}

/** A message the strict deserializer could not decode is an invalid request: no use case runs for it. */
function refusingUndecodable<Result>(useCase: UnaryUseCase<unknown, Result>): UnaryUseCase<unknown, Result> {
  return (request, context) =>
    request instanceof UndecodableRequest
      ? TE.left({ _tag: 'InvalidRequest', violations: request.violations })
      : useCase(request, context);
}

export interface ReconnectServiceUseCases {
  readonly reconnect: UnaryUseCase<unknown, ReconnectResult>;
  readonly getStreamSession: UnaryUseCase<unknown, StreamSessionReport>;
}

/** The grpc-js implementation of reconnect.v1.ReconnectService. */
export function reconnectServiceImplementation(
  useCases: ReconnectServiceUseCases,
  options: UnaryAdapterOptions,
): ReconnectServiceServer {
  return {
    reconnectStreamSession: unaryHandler(
      {
        useCase: refusingUndecodable(useCases.reconnect),
        encode: (result: ReconnectResult) => ({ signalResponse: result.signalResponse }),
        annotate: (result) => ({
          awsRequestId: result.awsRequestId,
          coalesced: result.coalesced,
          admissionWaitMs: Math.round(result.admissionWaitMs),
        }),
      },
      options,
    ),
    getStreamSession: unaryHandler(
      {
        useCase: refusingUndecodable(useCases.getStreamSession),
        encode: toGetStreamSessionResponse,
        annotate: () => ({}),
      },
      options,
    ),
    // The contract comes first; the feed behind it follows.
    watchStreamSessions: (call) =>
      call.emit('error', { code: status.UNIMPLEMENTED, details: 'WatchStreamSessions is not served yet' }),
  };
}
