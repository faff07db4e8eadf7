export type DelayOutcome = 'elapsed' | 'cancelled';

/**
 * Latency faults hold a request open. They belong to the request, not to the emulated state, so a reset lets them
 * finish; only closing the server cancels them, and the request is then abandoned.
 */
export class InFlightDelays {
  private readonly pending = new Map<NodeJS.Timeout, (outcome: DelayOutcome) => void>();

  wait(delayMs: number): Promise<DelayOutcome> {
    return new Promise((resolve) => {
      const handle = setTimeout(() => {
        this.pending.delete(handle);
        resolve('elapsed');
      }, delayMs);
      handle.unref();
      this.pending.set(handle, resolve);
    });
  }

  cancelAll(): void {
    for (const [handle, resolve] of this.pending) {
      clearTimeout(handle);
      resolve('cancelled');
    }
    this.pending.clear();
  }
}
