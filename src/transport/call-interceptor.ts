import * as grpc from '@grpc/grpc-js';

import type { CallAuthentication } from './call-authentication';
import type { OpenCallTracker } from './open-call-tracker';

/** The method a call is for, as far as metrics label it. */
export type CallMethod = Pick<grpc.ServerMethodDefinition<unknown, unknown>, 'path' | 'requestStream' | 'responseStream'>;

/** One call being observed, from the moment the server sees it. */
export interface CallObservation {
  /** Called with every status sent on the call (normally one), as it passes the interceptor. */
  finished(code: grpc.status): void;
}

/** Told about every call the server sees (metrics). */
export interface CallObserver {
  callStarted(method: CallMethod): CallObservation;
}

export interface CallInterceptorParts {
  readonly observer: CallObserver;
  readonly authenticate: CallAuthentication;
  /** The calls of one method (the health Watch) that must be endable from outside their handler. */
  readonly openCalls: OpenCallTracker;
}

/**
 * The one interceptor around every call: observation, authentication and open-call tracking in a single
 * ServerInterceptingCall, because grpc-js passes each of a call's events (metadata, messages, half-close, status)
 * through every interceptor layer it has, one layer per interceptor.
 *
 * - The call is observed from the moment grpc-js hands it over, and every status it sends is observed, refusals
 *   included: an unauthenticated call is answered through this call's own `sendStatus`.
 * - Authentication reads the incoming metadata before it is passed on, so no handler sees an unauthenticated call,
 *   and a refused call's messages are never passed on either.
 * - Calls of the tracked method are remembered until their status is sent or grpc-js reports them ended.
 */
export function callInterceptor(parts: CallInterceptorParts): grpc.ServerInterceptor {
  const { observer, authenticate, openCalls } = parts;
  return (method, inner) => {
    const observation = observer.callStarted(method);
    const tracked = method.path === openCalls.methodPath;
    const call: grpc.ServerInterceptingCall = new grpc.ServerInterceptingCall(inner, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, passOn) => {
            const refusal = authenticate(method.path, metadata, inner);
            if (refusal === undefined) {
              passOn(metadata);
            } else {
              call.sendStatus(refusal);
            }
          },
          // grpc-js reports the end of every call, whoever ended it, as a cancel to the listeners.
          onCancel: tracked ? () => openCalls.closed(call) : undefined,
        }),
      sendStatus: (status, next) => {
        if (tracked) {
          openCalls.closed(call);
        }
        observation.finished(status.code);
        next(status);
      },
    });
    if (tracked) {
      openCalls.opened(call);
    }
    return call;
  };
}
