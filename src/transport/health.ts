import * as grpc from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatusMap } from 'grpc-health-check';

import { trackOpenCalls, type OpenCallTracker } from './open-call-tracker';

/** The name health checkers use for the server as a whole. */
export const WHOLE_SERVER = '';

const WATCH_PATH = '/grpc.health.v1.Health/Watch';

/**
 * grpc.health.v1.Health for the names we serve: SERVING from the start (the server is only bound once everything
 * it needs is ready), NOT_SERVING once draining begins. Any other name is NOT_FOUND, as the protocol asks.
 */
export interface ServiceHealth {
  /** Give to the server's call interceptor, so open Watch streams can be ended at shutdown. */
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
  const watches = trackOpenCalls(WATCH_PATH);
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
