import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';

import type { CallTiming, FlightTiming } from '../domain/call-context';
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

/** The signal one AWS call runs under: it fires when the context's does, or when the call's budget runs out. */
interface CallSignal {
  readonly signal: AbortSignal;
  readonly abort: (cause: AbortCause) => void;
  /** Stops following the context's signal, once the call has ended. */
  readonly release: () => void;
}

/**
 * The context's own signal when the context may fire it (a coalesced flight's: see FlightTiming), which spares an
 * AbortController per call (creating one's signal is the costly part); otherwise a new one that follows it.
 */
function callSignal(context: CallTiming | FlightTiming): CallSignal {
  if ('abort' in context) {
    return { signal: context.signal, abort: context.abort, release: () => undefined };
  }
  const controller = new AbortController();
  const forwardAbort = (): void => controller.abort(context.signal.reason);
  context.signal.addEventListener('abort', forwardAbort, { once: true });
  return {
    signal: controller.signal,
    abort: (cause) => controller.abort(cause),
    release: () => context.signal.removeEventListener('abort', forwardAbort),
  };
}

/**
 * Runs one SDK call as a TaskEither: not at all when the call is already aborted; aborted when the caller's
 * signal fires or the budget runs out; every failure classified into a ReconnectError.
 */
export function boundedUpstreamCall<Output>(
  send: (abortSignal: AbortSignal) => Promise<Output>,
  context: CallTiming | FlightTiming,
  options: BoundedCallOptions,
): TE.TaskEither<ReconnectError, Output> {
  return () => {
    if (context.signal.aborted) {
      const reason: unknown = context.signal.reason;
      return Promise.resolve(E.left(isAbortCause(reason) ? fromAbortCause(reason) : { _tag: 'Cancelled' }));
    }
    const { signal, abort, release } = callSignal(context);
    const budgetCause: AbortCause = { _tag: 'DeadlineReached', budgetMs: options.budgetMs };
    const budgetTimer = setTimeout(() => abort(budgetCause), options.budgetMs);
    const startedAt = performance.now();
    return TE.tryCatch(
      () => send(signal),
      (error) => classifySdkError(error, { target: options.target, signal, secrets: options.secrets }),
    )().then((outcome) => {
      clearTimeout(budgetTimer);
      release();
      const seconds = (performance.now() - startedAt) / 1000;
      options.observer.observe(options.operation, E.isRight(outcome) ? 'Success' : outcome.left._tag, seconds);
      return outcome;
    });
  };
}
