import { absurd } from 'fp-ts/function';

import type { RunningService } from './app';
import type { ShutdownSettings } from './config';
import type { Logger } from './logging/logger';

export interface StopSignalOptions {
  readonly settings: ShutdownSettings;
  readonly logger: Logger;
  /** Ends the process with this code (main flushes the log first); injected so the sequence has one exit point. */
  readonly exit: (code: number) => void;
}

/** What to stop once the service serves. */
export interface ServedProcess {
  readonly service: RunningService;
  /** Closes what the process started besides the service (the embedded emulator); must not reject. */
  readonly releaseUpstream: () => Promise<void>;
}

export interface StopSignals {
  /** Hands the serving service over; a signal that came during start-up stops it at once. */
  serve(served: ServedProcess): void;
}

/**
 * How long after the grace the process may still take to close the emulator and flush its logs before it exits
 * anyway: nothing in the sequence should take that long, but a stuck close must not keep a pod terminating.
 */
export const LAST_RESORT_MARGIN_MS = 5000;

/** A wait that a second signal can cut short. */
function interruptibleDelay(ms: number): { readonly elapsed: Promise<void>; interrupt(): void } {
  let interrupt = (): void => undefined;
  const elapsed = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    interrupt = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return { elapsed, interrupt: () => interrupt() };
}

/**
 * Listens for SIGTERM and SIGINT from the moment it is called, which main does before anything is bound, so no
 * signal can kill the process without the sequence: health NOT_SERVING → wait drainDelayMs while load balancers
 * notice (calls still accepted) → stop accepting calls and let those in flight finish for the rest of the grace →
 * cancel what is left → close the embedded emulator → exit 0. A signal during start-up is kept and runs the sequence
 * as soon as the service serves. A second signal cancels the calls in flight at once and goes straight on.
 */
export function listenForStopSignals(options: StopSignalOptions): StopSignals {
  const { settings, logger, exit } = options;
  let served: ServedProcess | undefined;
  let pending: NodeJS.Signals | undefined;
  let drainDelay: ReturnType<typeof interruptibleDelay> | undefined;
  let stopping = false;

  const shutDown = async ({ service, releaseUpstream }: ServedProcess, signal: NodeJS.Signals): Promise<void> => {
    const lastResort = setTimeout(() => {
      logger.error({ signal }, 'shutdown: did not finish in time; exiting anyway');
      exit(1);
    }, settings.graceMs + LAST_RESORT_MARGIN_MS);
    lastResort.unref();

    logger.info(
      { signal, graceMs: settings.graceMs, drainDelayMs: settings.drainDelayMs },
      'shutdown: health is NOT_SERVING; still accepting calls while load balancers notice',
    );
    service.beginDrain();
    drainDelay = interruptibleDelay(settings.drainDelayMs);
    await drainDelay.elapsed;

    const remainingGraceMs = settings.graceMs - settings.drainDelayMs;
    const stopped = service.stop(remainingGraceMs);
    logger.info({ remainingGraceMs }, 'shutdown: no longer accepting calls; waiting for the calls in flight');
    const outcome = await stopped;
    switch (outcome) {
      case 'drained':
        logger.info('shutdown: every call in flight finished');
        break;
      case 'forced':
        logger.warn('shutdown: cancelled the calls still in flight');
        break;
      default:
        return absurd(outcome);
    }
    await releaseUpstream();
    logger.info('shutdown: stopped');
    // Exit explicitly: an idle keep-alive socket or a library timer must not keep a stopped process alive.
    exit(0);
  };

  const begin = (target: ServedProcess, signal: NodeJS.Signals): void => {
    stopping = true;
    // Nothing in the sequence rejects; should a defect make it, the process still exits rather than linger.
    shutDown(target, signal).catch((defect: unknown) => {
      logger.error({ err: defect }, 'shutdown: failed');
      exit(1);
    });
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (served === undefined) {
      if (pending !== undefined) {
        logger.warn({ signal }, 'shutdown: second signal during start-up; exiting now');
        exit(1);
        return;
      }
      pending = signal;
      logger.info({ signal }, 'shutdown: signal during start-up; stopping as soon as the service serves');
      return;
    }
    if (stopping) {
      logger.warn({ signal }, 'shutdown: second signal; cancelling the calls in flight now');
      drainDelay?.interrupt();
      served.service.forceStop();
      return;
    }
    begin(served, signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  return {
    serve: (target) => {
      served = target;
      if (pending !== undefined) {
        begin(target, pending);
      }
    },
  };
}
