import { performance } from 'node:perf_hooks';

/** Wall-clock time for timestamps, monotonic time for rate limiting (immune to clock steps). */
export interface Clock {
  readonly nowMs: () => number;
  readonly monotonicMs: () => number;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
};
