import type { RunningService } from './app';
import type { ShutdownSettings } from './config';
import type { Logger } from './logging/logger';

export interface ShutdownDependencies {
  readonly service: RunningService;
  readonly settings: ShutdownSettings;
  /** Closes what the process started besides the service (the embedded emulator); must not reject. */
  readonly releaseUpstream: () => Promise<void>;
  readonly logger: Logger;
  /** Ends the process with this code (main flushes the log first); injected so the sequence has one exit point. */
  readonly exit: (code: number) => void;
}

/**
 * How long after the grace the process may still take to close the emulator and flush its logs before it exits
 * anyway: nothing in the sequence should take that long, but a stuck close must not keep a pod terminating.
 */
const LAST_RESORT_MARGIN_MS = 5000;

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
 * On SIGTERM or SIGINT: health NOT_SERVING → wait drainDelayMs while load balancers notice (calls still accepted)
 * → stop accepting calls and let those in flight finish for the rest of the grace → cancel what is left → close
 * the embedded emulator → exit 0. A second signal cancels the calls in flight at once and goes straight on.
 */
export function stopOnSignals(dependencies: ShutdownDependencies): void {
  const { service, settings, releaseUpstream, logger, exit } = dependencies;
  let drainDelay: ReturnType<typeof interruptibleDelay> | undefined;

  const shutDown = async (signal: NodeJS.Signals): Promise<void> => {
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
      default: {
        const unreachable: never = outcome;
        return unreachable;
      }
    }
    await releaseUpstream();
    logger.info('shutdown: stopped');
    // Exit explicitly: an idle keep-alive socket or a library timer must not keep a stopped process alive.
    exit(0);
  };

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'shutdown: second signal; cancelling the calls in flight now');
      drainDelay?.interrupt();
      service.forceStop();
      return;
    }
    stopping = true;
    // Nothing in the sequence rejects; should a defect make it, the process still exits rather than linger.
    shutDown(signal).catch((defect: unknown) => {
      logger.error({ err: defect }, 'shutdown: failed');
      exit(1);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
