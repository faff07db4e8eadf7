/**
 * Every timer the emulator's state owns goes through one registry, so a reset or close can cancel all of them and
 * neither a process nor a mocha run is kept alive by a forgotten session timer.
 */
export interface ScheduledTimer {
  /** `undefined` for a timer asked for after close, which never fires. */
  readonly handle: NodeJS.Timeout | undefined;
}

export class TimerRegistry {
  private readonly pending = new Set<NodeJS.Timeout>();
  private closed = false;

  schedule(delayMs: number, callback: () => void): ScheduledTimer {
    if (this.closed) {
      return { handle: undefined };
    }
    const handle = setTimeout(() => {
      this.pending.delete(handle);
      callback();
    }, delayMs);
    handle.unref();
    this.pending.add(handle);
    return { handle };
  }

  cancel(timer: ScheduledTimer | undefined): void {
    if (timer?.handle === undefined) {
      return;
    }
    clearTimeout(timer.handle);
    this.pending.delete(timer.handle);
  }

  cancelAll(): void {
    for (const handle of this.pending) {
      clearTimeout(handle);
    }
    this.pending.clear();
  }

  /** Cancels everything and refuses new timers: a request still finishing after close cannot start one. */
  close(): void {
    this.closed = true;
    this.cancelAll();
  }

  get size(): number {
    return this.pending.size;
  }
}
