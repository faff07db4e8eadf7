import { randomUUID } from 'node:crypto';

import type { handleUnaryCall, sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';

import type { CallContext } from '../domain/call-context';
import type { StreamSessionReport } from '../domain/get-stream-session';
import type { CallEnded, ServiceFailure } from '../domain/outcomes';
import type { ReconnectResult } from '../domain/reconnect';
import type { WatchStreams } from '../domain/watch';
import {
  GetStreamSessionRequest,
  ReconnectServiceService,
  ReconnectStreamSessionRequest,
  WatchStreamSessionsRequest,
  type GetStreamSessionResponse,
  type ReconnectServiceServer,
} from '../gen/reconnect/v1/reconnect';
import type { Logger } from '../logging/logger';
import { AnnotatedTrailers, AuthenticatedMetadata, REQUEST_ID_KEY, type AccessAnnotations } from './interceptors';
import { defectStatus, statusOf, statusTrailers, type StatusReport } from './outcome-status';
import { toStatusEnum } from './status-enum';
import {
  GET_STREAM_SESSION_FIELDS,
  RECONNECT_FIELDS,
  strictDeserializer,
  UndecodableRequest,
  WATCH_STREAM_SESSIONS_FIELDS,
} from './strict-decoding';
import { watchStreamHandler, type WatchStreamOptions } from './watch-stream';

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

/** reconnect.v1.ReconnectService as generated, with deserializers that turn bad bytes into INVALID_ARGUMENT. */
export const StrictReconnectServiceService = {
  ...ReconnectServiceService,
  reconnectStreamSession: {
    ...ReconnectServiceService.reconnectStreamSession,
    requestDeserialize: strictDeserializer((bytes) => ReconnectStreamSessionRequest.decode(bytes), RECONNECT_FIELDS),
  },
  getStreamSession: {
    ...ReconnectServiceService.getStreamSession,
    requestDeserialize: strictDeserializer((bytes) => GetStreamSessionRequest.decode(bytes), GET_STREAM_SESSION_FIELDS),
  },
  watchStreamSessions: {
    ...ReconnectServiceService.watchStreamSessions,
    requestDeserialize: strictDeserializer(
      (bytes) => WatchStreamSessionsRequest.decode(bytes),
      WATCH_STREAM_SESSIONS_FIELDS,
    ),
  },
} as const;

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
  readonly watches: WatchStreams;
}

/** The grpc-js implementation of reconnect.v1.ReconnectService. */
export function reconnectServiceImplementation(
  useCases: ReconnectServiceUseCases,
  options: UnaryAdapterOptions,
  watchOptions: WatchStreamOptions,
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
    watchStreamSessions: watchStreamHandler(useCases.watches, watchOptions),
  };
}
