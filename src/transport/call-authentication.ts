import type * as grpc from '@grpc/grpc-js';
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

export interface CallAuthenticationOptions {
  readonly policy: AuthenticationPolicy;
  /** Full method paths callable without credentials (health checks, by default). */
  readonly exemptMethods: ReadonlySet<string>;
  readonly logger: Logger;
}

/** What authentication reads from the call besides its metadata. */
export type AuthenticatedConnection = Pick<grpc.ServerInterceptingCallInterface, 'getAuthContext' | 'getPeer'>;

/**
 * The authentication step of the server's call interceptor (call-interceptor.ts), run on a call's metadata before
 * any handler sees it. Returns the status to answer the call with, or undefined when the call may go on.
 */
export type CallAuthentication = (
  methodPath: string,
  metadata: grpc.Metadata,
  connection: AuthenticatedConnection,
) => grpc.StatusObject | undefined;

/**
 * Authenticates every call before any other work: a call with missing or unknown credentials is answered
 * UNAUTHENTICATED, its message never read and no handler run. The `authorization` value is removed from the
 * metadata once checked, so no later code (or log) ever sees the token.
 */
export function callAuthentication(options: CallAuthenticationOptions): CallAuthentication {
  return (methodPath, metadata, connection) => {
    metadata.remove(AUTHENTICATED_CALLER_KEY);
    if (options.exemptMethods.has(methodPath)) {
      metadata.remove('authorization');
      return undefined;
    }
    const caller = authenticate(options.policy, metadata, connection.getAuthContext().sslPeerCertificate);
    metadata.remove('authorization');
    if (E.isLeft(caller)) {
      const report = toStatusReport(caller.left);
      options.logger.warn({ method: methodPath, code: report.code, reason: report.details.errorInfo.reason, peer: connection.getPeer() }, report.message);
      return { code: report.code, details: report.message, metadata: statusDetailsTrailers(report) };
    }
    metadata.set(AUTHENTICATED_CALLER_KEY, caller.right.name);
    return undefined;
  };
}
