/** The GameLift Streams operations this service calls. */
export type UpstreamOperation = 'CreateStreamSessionConnection' | 'GetStreamSession';

/** Told about every AWS call once it ends: what it was, how it ended (`Success` or a ReconnectError tag), how long. */
export interface UpstreamObserver {
  observe(operation: UpstreamOperation, outcome: string, seconds: number): void;
}

export const ignoreUpstream: UpstreamObserver = { observe: () => undefined };
