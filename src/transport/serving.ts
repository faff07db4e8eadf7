import * as grpc from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatusMap } from 'grpc-health-check';

import type { OpenCallTracker } from './interceptors';

/**
 * Taking the server in and out of service: grpc.health.v1 for the names we serve (SERVING from the start, since the
 * server is only bound once everything it needs is ready; NOT_SERVING once draining begins; any other name NOT_FOUND,
 * as the protocol asks), and the stop: drain, refuse new calls, let those in flight finish within a grace.
 */

/** The name health checkers use for the server as a whole. */
export const WHOLE_SERVER = '';

export const HEALTH_WATCH_PATH = '/grpc.health.v1.Health/Watch';

/** The health methods probes call, which need no credentials unless configured otherwise. */
export const HEALTH_CHECK_METHODS: ReadonlySet<string> = new Set(['/grpc.health.v1.Health/Check', HEALTH_WATCH_PATH]);

/** The open calls of one method, endable from outside their handler. */
interface EndableCalls extends OpenCallTracker {
  /** Ends every open call of the method with this status; calls that start afterwards are not affected. */
  endAll(code: grpc.status, details: string): void;
}

function trackOpenCalls(methodPath: string): EndableCalls {
  const open = new Set<grpc.ServerInterceptingCall>();
  return {
    methodPath,
    opened: (call) => void open.add(call),
    closed: (call) => void open.delete(call),
    endAll: (code, details) => {
      for (const call of [...open]) {
        call.sendStatus({ code, details });
      }
    },
  };
}

export interface ServiceHealth {
  /** Give to the server's open-call tracking interceptor, so open Watch streams can be ended at shutdown. */
  readonly watches: OpenCallTracker;
  addToServer(server: grpc.Server): void;
  /** Every name turns NOT_SERVING; Watch streams see the change. Idempotent. */
  markNotServing(): void;
  /** Ends the open Watch streams (after they saw NOT_SERVING), so they do not hold the server's shutdown. */
  endWatches(): void;
}

export function createServiceHealth(serviceNames: ReadonlyArray<string>): ServiceHealth {
  const names = [WHOLE_SERVER, ...serviceNames];
  const serving: ServingStatusMap = Object.fromEntries(names.map((name) => [name, 'SERVING']));
  const implementation = new HealthImplementation(serving);
  const watches = trackOpenCalls(HEALTH_WATCH_PATH);
  let draining = false;
  return {
    watches,
    addToServer: (server) => implementation.addToServer(server),
    markNotServing: () => {
      if (draining) {
        return;
      }
      draining = true;
      for (const name of names) {
        implementation.setStatus(name, 'NOT_SERVING');
      }
    },
    // UNAVAILABLE, not OK: a Watch never completes normally. Client-side health checking retries on any status but
    // UNIMPLEMENTED, and by then this server refuses new calls, so the client moves to another replica.
    endWatches: () => watches.endAll(grpc.status.UNAVAILABLE, 'the server is shutting down'),
  };
}

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
 * tryShutdown refuses new calls and waits for the open ones, but may never call back (grpc-node#1458: a client that
 * vanished mid-call), so a timer forces the shutdown and resolves the stop whatever grpc-js does.
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

/** What a stop does besides the server's own shutdown. */
export interface StopSteps {
  /** Ends the service's own long-lived streams (watches) as the stop begins, so they do not hold it. */
  readonly endStreams: () => void;
  /** Releases what the service holds once the server is down; must not reject. */
  readonly release: () => Promise<void>;
}

export function servingControls(server: grpc.Server, health: ServiceHealth, steps: StopSteps): ServingControls {
  let current: Stopping | undefined;
  const beginDrain = (): void => health.markNotServing();
  const startStop = (graceMs: number): Stopping => {
    if (current !== undefined) {
      return current;
    }
    beginDrain();
    // Watch streams have now seen NOT_SERVING; left open they would hold tryShutdown for the whole grace.
    health.endWatches();
    steps.endStreams();
    const shutdown = shutDown(server, graceMs);
    const released = shutdown.outcome.then(async (outcome) => {
      await steps.release();
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
