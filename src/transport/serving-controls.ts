import type * as grpc from '@grpc/grpc-js';

import type { ServiceHealth } from './health';

/** How a stop ended: every call in flight finished, or the grace ran out (or forceStop came) and the rest were cancelled. */
export type ShutdownOutcome = 'drained' | 'forced';

/** What a process (or a test) needs to take a serving gRPC server out of rotation and down. */
export interface ServingControls {
  /**
   * Health answers NOT_SERVING for every name while the server still accepts calls, so load balancers and probes
   * move traffic away before anything is refused. Idempotent.
   */
  beginDrain(): void;
  /**
   * Drains (if not yet), refuses new calls, lets calls in flight finish for up to graceMs, then cancels the rest and
   * releases what the service holds. Never rejects. A second call returns the first stop's outcome.
   */
  stop(graceMs: number): Promise<ShutdownOutcome>;
  /** Cancels every call in flight now; a stop in progress resolves 'forced'. Starts a stop if none is running. */
  forceStop(): void;
}

interface StopInProgress {
  readonly outcome: Promise<ShutdownOutcome>;
  force(): void;
}

/**
 * tryShutdown refuses new calls and waits for the open ones, but may never call back (grpc-node#1458: a client
 * that vanished mid-call), so a timer forces the shutdown and resolves the stop whatever grpc-js does.
 */
function shutDown(server: grpc.Server, graceMs: number): StopInProgress {
  let force = (): void => undefined;
  // A promise settles once: whichever of "every call finished" and "forced" comes first is the outcome.
  const outcome = new Promise<ShutdownOutcome>((resolve) => {
    const graceTimer = setTimeout(() => force(), graceMs);
    force = () => {
      clearTimeout(graceTimer);
      server.forceShutdown();
      resolve('forced');
    };
    server.tryShutdown(() => {
      clearTimeout(graceTimer);
      resolve('drained');
    });
  });
  return { outcome, force: () => force() };
}

/** The one stop of a server: the shutdown itself, and its outcome once the service's resources are released. */
interface Stopping {
  readonly shutdown: StopInProgress;
  readonly released: Promise<ShutdownOutcome>;
}

export function servingControls(server: grpc.Server, health: ServiceHealth, release: () => void): ServingControls {
  let current: Stopping | undefined;
  const beginDrain = (): void => health.markNotServing();
  const startStop = (graceMs: number): Stopping => {
    if (current !== undefined) {
      return current;
    }
    beginDrain();
    // Watch streams have now seen NOT_SERVING; left open they would hold tryShutdown for the whole grace.
    health.endWatches();
    const shutdown = shutDown(server, graceMs);
    const released = shutdown.outcome.then((outcome) => {
      release();
      return outcome;
    });
    current = { shutdown, released };
    return current;
  };
  return {
    beginDrain,
    stop: (graceMs) => startStop(graceMs).released,
    forceStop: () => startStop(0).shutdown.force(),
  };
}
