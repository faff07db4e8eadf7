import * as grpc from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';

import type { Logger } from '../logging/logger';
import { authenticate, type AuthenticationPolicy } from '../security/authenticate';
import { statusDetailsTrailers } from './error-details';
import { toStatusReport } from './status-mapping';

/**
 * Carries the authenticated caller's name from the interceptor to the handlers. The interceptor removes any
 * value a client sent under this key before setting its own, so it cannot be forged.
 */
export const AUTHENTICATED_CALLER_KEY = 'x-reconnect-authenticated-caller';

export interface AuthenticationInterceptorOptions {
  readonly policy: AuthenticationPolicy;
  /** Full method paths callable without credentials (health checks, by default). */
  readonly exemptMethods: ReadonlySet<string>;
  readonly logger: Logger;
}

/**
 * Authenticates every call before any other work: a call with missing or unknown credentials is answered
 * UNAUTHENTICATED from here, its message never read and no handler run. The `authorization` value is removed
 * from the metadata once checked, so no later code (or log) ever sees the token.
 */
export function authenticationInterceptor(options: AuthenticationInterceptorOptions): grpc.ServerInterceptor {
  return (methodDescriptor, call) =>
    new grpc.ServerInterceptingCall(call, {
      start: (next) => {
        const listener = new grpc.ServerListenerBuilder()
          .withOnReceiveMetadata((metadata, passOn) => {
            metadata.remove(AUTHENTICATED_CALLER_KEY);
            if (options.exemptMethods.has(methodDescriptor.path)) {
              metadata.remove('authorization');
              passOn(metadata);
              return;
            }
            const caller = authenticate(options.policy, metadata, call.getAuthContext().sslPeerCertificate);
            metadata.remove('authorization');
            if (E.isLeft(caller)) {
              const report = toStatusReport(caller.left);
              options.logger.warn({ method: methodDescriptor.path, code: report.code, reason: report.details.errorInfo.reason, peer: call.getPeer() }, report.message);
              call.sendStatus({ code: report.code, details: report.message, metadata: statusDetailsTrailers(report) });
              return;
            }
            metadata.set(AUTHENTICATED_CALLER_KEY, caller.right.name);
            passOn(metadata);
          })
          .build();
        next(listener);
      },
    });
}
