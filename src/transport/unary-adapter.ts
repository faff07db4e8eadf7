import { randomUUID } from 'node:crypto';

import type { handleUnaryCall, Metadata, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';

import type { CallContext } from '../domain/call-context';
import type { Caller } from '../domain/caller';
import type { AbortCause, ReconnectError } from '../domain/reconnect-error';
import type { Logger } from '../logging/logger';
import { statusDetailsTrailers } from './error-details';
import { defectStatusReport, toStatusReport, type StatusReport } from './status-mapping';

export interface UnaryAdapterOptions {
  readonly method: string;
  readonly logger: Logger;
  /** The deadline of a call whose caller set none. */
  readonly deadlineBudgetMs: number;
  /** The caller the authentication interceptor established for this call's metadata. */
  readonly resolveCaller: (metadata: Metadata) => Caller | undefined;
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
): handleUnaryCall<Request, Response> {
  const { logger, method, deadlineBudgetMs } = options;
  return (call: ServerUnaryCall<Request, Response>, callback: sendUnaryData<Response>) => {
    const startedAt = Date.now();
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
        abort(Date.now() >= effectiveDeadline ? deadlineCause : { _tag: 'CallerCancelled' });
      }
    };
    call.on('cancelled', onCancelled);

    const finish = (outcome: E.Either<StatusReport, Response>, level: 'info' | 'warn' | 'error'): void => {
      if (answered) {
        logger.error({ method }, 'a second answer for one call was suppressed');
        return;
      }
      answered = true;
      clearTimeout(timer);
      call.removeListener('cancelled', onCancelled);
      const durationMs = Date.now() - startedAt;
      if (E.isRight(outcome)) {
        logger.debug({ method, code: 0, durationMs }, 'call answered');
        callback(null, outcome.right);
        return;
      }
      const report = outcome.left;
      const { reason } = report.details.errorInfo;
      logger[level]({ method, code: report.code, reason, requestId: report.details.requestInfo?.requestId, durationMs }, report.message);
      // The trailer goes in the error's metadata: a third callback argument would replace it.
      callback({ code: report.code, details: report.message, metadata: statusDetailsTrailers(report) });
    };

    const onDefect = (defect: unknown): void => {
      const requestId = randomUUID();
      logger.error({ method, err: defect, requestId }, 'defect in the reconnect pipeline');
      finish(E.left(defectStatusReport(requestId)), 'error');
    };

    const onOutcome = (outcome: E.Either<ReconnectError, Result>): void => {
      if (E.isLeft(outcome)) {
        const report = toStatusReport(outcome.left);
        const level = outcome.left._tag === 'UpstreamClientMisconfigured' ? 'error' : 'warn';
        if (outcome.left._tag === 'UpstreamClientMisconfigured') {
          logger.error({ method, sdkError: outcome.left.name }, 'the AWS SDK failed before calling GameLift Streams');
        }
        finish(E.left(report), level);
        return;
      }
      finish(E.right(encode(outcome.right)), 'info');
    };

    const caller = options.resolveCaller(call.metadata);
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
