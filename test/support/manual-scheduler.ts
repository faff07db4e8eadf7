import type { Scheduler } from '../../src/domain/admission';

/** A clock that moves only when the test says, running due timers in order: admission without waiting. */
export class ManualScheduler implements Scheduler {
  private time = 0;
  private nextId = 0;
  private readonly timers = new Map<number, { readonly due: number; readonly callback: () => void }>();

  now(): number {
    return this.time;
  }

  schedule(callback: () => void, delayMs: number): () => void {
    const id = this.nextId++;
    this.timers.set(id, { due: this.time + delayMs, callback });
    return () => this.timers.delete(id);
  }

  pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves the clock forward, firing each timer that falls due, earliest first. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.timers.entries()]
        .filter(([, timer]) => timer.due <= end)
        .sort(([, a], [, b]) => a.due - b.due)[0];
      if (due === undefined) break;
      const [id, timer] = due;
      this.timers.delete(id);
      this.time = Math.max(this.time, timer.due);
      timer.callback();
    }
    this.time = end;
  }
}
