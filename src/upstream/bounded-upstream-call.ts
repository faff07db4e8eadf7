import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';

import type { CallTiming } from '../domain/call-context';
import { fromAbortCause, isAbortCause, type AbortCause, type ReconnectError, type ReconnectTarget } from '../domain/reconnect-error';
import { classifySdkError } from './classify-sdk-error';
import type { UpstreamObserver, UpstreamOperation } from './upstream-observer';

export interface BoundedCallOptions {
  readonly operation: UpstreamOperation;
  readonly observer: UpstreamObserver;
  readonly target: ReconnectTarget;
  /** The longest the AWS call may take from the moment it starts, SDK retries included. */
  readonly budgetMs: number;
  /** Strings that must never leave the process inside an AWS message. */
  readonly secrets: ReadonlyArray<string>;
}

/**
 * Runs one SDK call as a TaskEither: not at all when the call is already aborted; aborted when the caller's
 * signal fires or the budget runs out; every failure classified into a ReconnectError.
 */
export function boundedUpstreamCall<Output>(
  send: (abortSignal: AbortSignal) => Promise<Output>,
  context: CallTiming,
  options: BoundedCallOptions,
): TE.TaskEither<ReconnectError, Output> {
  return () => {
    if (context.signal.aborted) {
      const reason: unknown = context.signal.reason;
      return Promise.resolve(E.left(isAbortCause(reason) ? fromAbortCause(reason) : { _tag: 'Cancelled' }));
    }
    const controller = new AbortController();
    const budgetCause: AbortCause = { _tag: 'DeadlineReached', budgetMs: options.budgetMs };
    const budgetTimer = setTimeout(() => controller.abort(budgetCause), options.budgetMs);
    const forwardAbort = (): void => controller.abort(context.signal.reason);
    const startedAt = performance.now();
    context.signal.addEventListener('abort', forwardAbort, { once: true });
    return TE.tryCatch(
      () => send(controller.signal),
      (error) => classifySdkError(error, { target: options.target, signal: controller.signal, secrets: options.secrets }),
    )().then((outcome) => {
      clearTimeout(budgetTimer);
      context.signal.removeEventListener('abort', forwardAbort);
      const seconds = (performance.now() - startedAt) / 1000;
      options.observer.observe(options.operation, E.isRight(outcome) ? 'Success' : outcome.left._tag, seconds);
      return outcome;
    });
  };
}
