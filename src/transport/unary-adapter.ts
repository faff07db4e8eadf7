import { Metadata, status as GrpcCode, type handleUnaryCall, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { trace } from '@opentelemetry/api';
import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';

import type { CallContext } from '../domain/call-context';
import type { Caller } from '../domain/caller';
import type { AbortCause, ReconnectError } from '../domain/reconnect-error';
import type { Logger } from '../logging/logger';
import { REQUEST_ID_KEY, requestIdOf } from '../observability/request-id';
import { statusDetailsTrailers } from './error-details';
import { defectStatusReport, toStatusReport, type StatusReport } from './status-mapping';

export interface UnaryAdapterOptions {
  readonly method: string;
  readonly logger: Logger;
  /** The deadline of a call whose caller set none. */
  readonly deadlineBudgetMs: number;
  /** The caller the call interceptor's authentication established for this call's metadata. */
  readonly resolveCaller: (metadata: Metadata) => Caller | undefined;
}

/** What the access line says about a result beyond its status (never a signal string). */
export interface ResultDetails {
  readonly awsRequestId?: string | undefined;
  readonly coalesced?: boolean;
  readonly admissionWaitMs?: number;
}

export interface ResultReporting<Result> {
  /** The fields of the access line for a successful result. */
  readonly describe: (result: Result) => ResultDetails;
  /** Told about every successful result (metrics). */
  readonly observe: (result: Result) => void;
}

/** How close to the caller's deadline a cancel is taken for the deadline itself. */
const DEADLINE_CANCEL_TOLERANCE_MS = 250;

/** Client-side outcomes are routine; everything else deserves an operator's attention. */
const ROUTINE_CODES: ReadonlySet<GrpcCode> = new Set([
  GrpcCode.OK,
  GrpcCode.INVALID_ARGUMENT,
  GrpcCode.NOT_FOUND,
  GrpcCode.FAILED_PRECONDITION,
  GrpcCode.PERMISSION_DENIED,
  GrpcCode.UNAUTHENTICATED,
  GrpcCode.CANCELLED,
]);

function awsRequestIdOf(error: ReconnectError): string | undefined {
  if ('upstream' in error) return error.upstream.requestId;
  return error._tag === 'UpstreamUnmodelled' ? error.requestId : undefined;
}

/** The use case as the adapter sees it: a request and the call's context in, a TaskEither out. */
export type UnaryUseCase<Request, Result> = (
  request: Request,
  context: CallContext,
) => TE.TaskEither<ReconnectError, Result>;

function deadlineMillis(call: ServerUnaryCall<unknown, unknown>): number {
  const deadline = call.getDeadline();
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

/**
 * Folds a TaskEither use case into a grpc-js unary handler. It answers exactly once, whatever happens: a
 * success, a ReconnectError (mapped to its status), a thrown exception or a rejected promise (a defect: INTERNAL
 * with a generic message, the stack in the log). The caller's deadline (or the budget, when it set none) and the
 * caller's cancellation become the AbortSignal handed to the use case; the upstream port caps its own call at the
 * budget, so a call may wait in the admission queue up to the caller's deadline.
 */
export function unaryHandler<Request, Response, Result>(
  useCase: UnaryUseCase<Request, Result>,
  encode: (result: Result) => Response,
  options: UnaryAdapterOptions,
  reporting: ResultReporting<Result>,
): handleUnaryCall<Request, Response> {
  const { logger, method, deadlineBudgetMs } = options;
  return (call: ServerUnaryCall<Request, Response>, callback: sendUnaryData<Response>) => {
    const startedAt = Date.now();
    const requestId = requestIdOf(call.metadata);
    // The RPC's server span, when tracing is on: its trace id links the access line to the trace.
    const spanContext = trace.getActiveSpan()?.spanContext();
    const traceId = spanContext !== undefined && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
    const caller = options.resolveCaller(call.metadata);
    const callerDeadline = deadlineMillis(call);
    const effectiveDeadline = Number.isFinite(callerDeadline) ? callerDeadline : startedAt + deadlineBudgetMs;
    const controller = new AbortController();
    const abort = (cause: AbortCause): void => controller.abort(cause);
    const deadlineCause: AbortCause = { _tag: 'DeadlineReached', budgetMs: deadlineBudgetMs };
    const timer = setTimeout(() => abort(deadlineCause), Math.max(0, effectiveDeadline - startedAt));
    let answered = false;

    // grpc-js emits 'cancelled' at the end of every call, answered or not; only an unanswered one is a cancel.
    const onCancelled = (): void => {
      if (!answered) {
        // A caller's client cancels when its own deadline passes, a moment before ours (its clock started
        // earlier): a cancel that close to the caller's deadline is that deadline.
        const nearDeadline = Number.isFinite(callerDeadline) && Date.now() >= effectiveDeadline - DEADLINE_CANCEL_TOLERANCE_MS;
        abort(Date.now() >= effectiveDeadline || nearDeadline ? deadlineCause : { _tag: 'CallerCancelled' });
      }
    };
    call.on('cancelled', onCancelled);

    /** One access line per RPC, and exactly one answer: later attempts are logged and dropped. */
    const finish = (outcome: E.Either<StatusReport, Response>, details: ResultDetails): void => {
      if (answered) {
        logger.error({ method, requestId }, 'a second answer for one call was suppressed');
        return;
      }
      answered = true;
      clearTimeout(timer);
      call.removeListener('cancelled', onCancelled);
      const code = E.isRight(outcome) ? GrpcCode.OK : outcome.left.code;
      const access = {
        method,
        code,
        codeName: GrpcCode[code],
        durationMs: Date.now() - startedAt,
        caller: caller?.name,
        requestId,
        traceId,
        reason: E.isLeft(outcome) ? outcome.left.details.errorInfo.reason : undefined,
        ...details,
      };
      const level = code === GrpcCode.INTERNAL ? 'error' : ROUTINE_CODES.has(code) ? 'info' : 'warn';
      logger[level](access, E.isRight(outcome) ? 'rpc OK' : outcome.left.message);
      const responseMetadata = new Metadata();
      responseMetadata.set(REQUEST_ID_KEY, requestId);
      call.sendMetadata(responseMetadata);
      if (E.isRight(outcome)) {
        callback(null, outcome.right);
        return;
      }
      // The trailer goes in the error's metadata: a third callback argument would replace it.
      callback({ code, details: outcome.left.message, metadata: statusDetailsTrailers(outcome.left) });
    };

    const onDefect = (defect: unknown): void => {
      logger.error({ method, err: defect, requestId }, 'defect in the reconnect pipeline');
      finish(E.left(defectStatusReport(requestId)), {});
    };

    const onOutcome = (outcome: E.Either<ReconnectError, Result>): void => {
      if (E.isLeft(outcome)) {
        if (outcome.left._tag === 'UpstreamClientMisconfigured') {
          logger.error({ method, requestId, sdkError: outcome.left.name }, 'the AWS SDK failed before calling GameLift Streams');
        }
        finish(E.left(toStatusReport(outcome.left, requestId)), { awsRequestId: awsRequestIdOf(outcome.left) });
        return;
      }
      reporting.observe(outcome.right);
      finish(E.right(encode(outcome.right)), reporting.describe(outcome.right));
    };

    if (caller === undefined) {
      // Only when the callers file was reloaded without this caller between interception and here.
      onOutcome(E.left({ _tag: 'Unauthenticated', problem: 'UnknownCredentials' }));
      return;
    }
    try {
      useCase(call.request, { signal: controller.signal, deadline: effectiveDeadline, caller })().then(
        (outcome) => {
          try {
            onOutcome(outcome);
          } catch (defect) {
            onDefect(defect);
          }
        },
        onDefect,
      );
    } catch (defect) {
      onDefect(defect);
    }
  };
}
