import * as grpc from '@grpc/grpc-js';

import { openCallTrackingInterceptor } from './interceptors';
import { HEALTH_CHECK_METHODS, type ServiceHealth } from './serving';

/**
 * The health port: grpc.health.v1 Check and Watch alone, in plaintext, on a port of their own (GRPC_HEALTH_PORT).
 * The kubelet's native gRPC probes cannot speak TLS (KEP-4939 adds it, alpha only), so a service that serves TLS
 * cannot be probed on its own port. This port answers from the same health as the service's port, so it turns
 * NOT_SERVING when draining begins; it tells nothing but that status, which health answers without credentials
 * anyway, and every other method (health List included, which needs a credential on the service's port) is
 * UNIMPLEMENTED here.
 */

/** Answers UNIMPLEMENTED, before any handler runs, to every method but the given ones. */
function onlyMethodsInterceptor(allowed: ReadonlySet<string>): grpc.ServerInterceptor {
  return (method, inner) => {
    if (allowed.has(method.path)) {
      return new grpc.ServerInterceptingCall(inner);
    }
    const call: grpc.ServerInterceptingCall = new grpc.ServerInterceptingCall(inner, {
      start: (next) =>
        next({
          onReceiveMetadata: () =>
            call.sendStatus({
              code: grpc.status.UNIMPLEMENTED,
              details: `the health port serves only ${[...allowed].join(' and ')}`,
            }),
        }),
    });
    return call;
  };
}

/** A server of health Check and Watch only; its Watch streams end with the service's at shutdown. */
export function createHealthPortServer(health: ServiceHealth): grpc.Server {
  const server = new grpc.Server({
    interceptors: [onlyMethodsInterceptor(HEALTH_CHECK_METHODS), openCallTrackingInterceptor(health.watches)],
  });
  health.addToServer(server);
  return server;
}

/** How long the health port's last answers (its Watch streams' ends) may take to reach their clients at shutdown. */
const HEALTH_PORT_CLOSE_MS = 1000;

/**
 * Closes the health port gracefully, so the statuses already sent (the Watch streams' UNAVAILABLE) reach their
 * clients, and forcibly should that take longer than a second. Never rejects.
 */
export function closeHealthPortServer(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, HEALTH_PORT_CLOSE_MS);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
