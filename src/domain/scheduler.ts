/** Time and timers, injected so admission can be tested with a manual clock instead of waiting. */
export interface Scheduler {
  now(): number;
  /** Runs `callback` after `delayMs`; the returned function cancels it. */
  schedule(callback: () => void, delayMs: number): () => void;
}

export const realScheduler: Scheduler = {
  now: () => Date.now(),
  schedule: (callback, delayMs) => {
    const timer = setTimeout(callback, delayMs);
    // A pending admission timer must not keep a stopping process alive; the calls it serves do that.
    timer.unref();
    return () => clearTimeout(timer);
  },
};
