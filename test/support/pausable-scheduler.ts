import { realScheduler, type Scheduler } from '../../src/domain/admission';

/**
 * The real clock, for a process that can be paused: while paused, nothing it scheduled runs (a process stopped, or
 * dead as far as anyone can tell); on resume what fell due meanwhile runs at once. Its clock goes on meanwhile.
 */
export class PausableScheduler implements Scheduler {
  private paused = false;
  private readonly held = new Set<() => void>();
  private readonly outstanding = new Set<() => void>();

  now(): number {
    return realScheduler.now();
  }

  schedule(callback: () => void, delayMs: number): () => void {
    const run = (): void => {
      if (!this.outstanding.has(run)) return;
      if (this.paused) {
        this.held.add(run);
        return;
      }
      this.outstanding.delete(run);
      callback();
    };
    this.outstanding.add(run);
    const cancel = realScheduler.schedule(run, delayMs);
    return () => {
      this.outstanding.delete(run);
      this.held.delete(run);
      cancel();
    };
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const due = [...this.held];
    this.held.clear();
    for (const run of due) run();
  }

  /** Timers scheduled and neither run nor cancelled. */
  pendingTimers(): number {
    return this.outstanding.size;
  }
}
