import type * as grpc from '@grpc/grpc-js';

/**
 * Remembers the open calls of one method so they can be ended from outside their handler. The health Watch stream
 * never ends by itself, and grpc-js's tryShutdown waits for every open call: without this, any client watching
 * health would hold every shutdown for its whole grace and then be cancelled. The server's call interceptor
 * (call-interceptor.ts) reports the calls of the method as they open and close.
 */
export interface OpenCallTracker {
  /** The full path of the method whose calls are tracked. */
  readonly methodPath: string;
  opened(call: grpc.ServerInterceptingCall): void;
  /** May be reported more than once for a call (its status, then grpc-js's cancel). */
  closed(call: grpc.ServerInterceptingCall): void;
  /** Ends every open call of the method with this status; calls that start afterwards are not affected. */
  endAll(code: grpc.status, details: string): void;
}

export function trackOpenCalls(methodPath: string): OpenCallTracker {
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
