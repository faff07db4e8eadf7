import * as grpc from '@grpc/grpc-js';

/**
 * Remembers the open calls of one method so they can be ended from outside their handler. The health Watch stream
 * never ends by itself, and grpc-js's tryShutdown waits for every open call: without this, any client watching
 * health would hold every shutdown for its whole grace and then be cancelled.
 */
export interface OpenCallTracker {
  readonly interceptor: grpc.ServerInterceptor;
  /** Ends every open call of the method with this status; calls that start afterwards are not affected. */
  endAll(code: grpc.status, details: string): void;
}

export function trackOpenCalls(methodPath: string): OpenCallTracker {
  const open = new Set<grpc.ServerInterceptingCall>();
  const interceptor: grpc.ServerInterceptor = (method, call) => {
    if (method.path !== methodPath) {
      return new grpc.ServerInterceptingCall(call);
    }
    const tracked: grpc.ServerInterceptingCall = new grpc.ServerInterceptingCall(call, {
      // grpc-js reports the end of every call, whoever ended it, as a cancel to the listeners.
      start: (next) => next({ onCancel: () => open.delete(tracked) }),
      sendStatus: (status, next) => {
        open.delete(tracked);
        next(status);
      },
    });
    open.add(tracked);
    return tracked;
  };
  return {
    interceptor,
    endAll: (code, details) => {
      for (const call of [...open]) {
        call.sendStatus({ code, details });
      }
    },
  };
}
