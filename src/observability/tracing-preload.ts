import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';

import type { Logger } from '../logging/logger';
import type * as Tracing from './tracing';
import { describeTracing, tracingSettingsFromEnv, type TracingSettings } from './tracing-settings';

/**
 * How long the process waits at exit for the last spans to reach the collector: a collector that does not answer
 * must not hold up a pod that is terminating. Spans still unexported then are dropped.
 */
const FLUSH_LIMIT_MS = 2000;

/** The process's tracing, started while this module loads: main.ts imports it before anything else. */
export interface ProcessTracing {
  readonly settings: TracingSettings;
  /** Logs one line saying whether traces are on and where they go. */
  announce(logger: Logger): void;
  /** At exit: exports the spans still buffered (bounded) and says so when tracing is on; never rejects. */
  stop(logger: Logger): Promise<void>;
  /** The trace id of the call being served, for its access line; never one with tracing off. */
  readonly currentTraceId: () => string | undefined;
}

function traceless(settings: TracingSettings): ProcessTracing {
  return {
    settings,
    announce: (logger) => logger.info({ traces: 'off' }, describeTracing(settings)),
    stop: () => Promise.resolve(),
    currentTraceId: () => undefined,
  };
}

function start(settings: TracingSettings): ProcessTracing {
  if (settings._tag === 'Off') {
    return traceless(settings);
  }
  // Required here rather than imported: with tracing off, no OpenTelemetry SDK is loaded and nothing is patched.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- synchronous on purpose: before grpc-js loads.
  const { startTracing } = require('./tracing') as typeof Tracing;
  const running = startTracing(FLUSH_LIMIT_MS);
  return {
    settings,
    currentTraceId: () => running.currentTraceId(),
    announce: (logger) => logger.info({ traces: 'on' }, describeTracing(settings)),
    stop: async (logger) => {
      const outcome = await running.stop();
      switch (outcome) {
        case 'flushed':
          logger.info('shutdown: traces exported');
          break;
        case 'failed':
          logger.warn('shutdown: the trace exporter failed to stop; buffered spans may be lost');
          break;
        case 'timed-out':
          logger.warn(
            { flushLimitMs: FLUSH_LIMIT_MS },
            'shutdown: traces not exported in time; the remaining spans are dropped',
          );
          break;
        default: {
          const unreachable: never = outcome;
          return unreachable;
        }
      }
    },
  };
}

/**
 * Decided from the OTEL_* variables, and started, when main.ts loads this module first: the instrumentations patch
 * @grpc/grpc-js and the AWS SDK only if they are registered before those modules are loaded. A bad variable
 * starts nothing and is reported by main.ts, which exits 1 as for any other bad setting.
 */
export const processTracing: E.Either<string, ProcessTracing> = pipe(tracingSettingsFromEnv(process.env), E.map(start));
