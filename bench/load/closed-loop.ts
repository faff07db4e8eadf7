import { LatencyHistogram, type LatencySummary } from './latency-histogram';

/** What one call ended with: success, or the name of the failure (a gRPC code name, an AWS error name). */
export type CallOutcome = { readonly ok: true } | { readonly ok: false; readonly failure: string };

/** One call of the loop. `slot` is the worker (0..concurrency-1), `sequence` is unique within the run. */
export type LoadCall = (slot: number, sequence: number) => Promise<CallOutcome>;

export interface ClosedLoopSettings {
  readonly concurrency: number;
  /** The loop stops starting calls after this many... */
  readonly maxRequests: number;
  /** ...or after this long, whichever comes first; calls in flight then finish (each has its own deadline). */
  readonly maxDurationMs: number;
  /**
   * Paced: call i is due at start + i / rate, and no earlier (an open-loop schedule, still capped at `concurrency`
   * in flight). Unset: each worker starts its next call as soon as its last one ends.
   */
  readonly ratePerSecond?: number;
  /** Called after every `progressEvery` completed calls (for soak RSS samples); cheap work only. */
  readonly onProgress?: (completed: number) => void;
  readonly progressEvery?: number;
}

export interface ClosedLoopResult {
  readonly concurrency: number;
  readonly ratePerSecond: number | undefined;
  readonly completed: number;
  readonly failed: number;
  readonly failuresByName: Readonly<Record<string, number>>;
  readonly elapsedMs: number;
  readonly requestsPerSecond: number;
  /** Latency of the successful calls only: a fast failure would flatter the percentiles. */
  readonly latency: LatencySummary;
}

/**
 * A closed loop: `concurrency` workers, each starting its next call when its previous one ends, so exactly that
 * many calls are in flight; or, with `ratePerSecond`, calls on a fixed schedule with at most that many in flight.
 * Bounded in count and in time. A call that rejects is counted as a failure, never thrown.
 */
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runClosedLoop(settings: ClosedLoopSettings, call: LoadCall): Promise<ClosedLoopResult> {
  const histogram = new LatencyHistogram();
  const failuresByName: Record<string, number> = {};
  let started = 0;
  let completed = 0;
  let failed = 0;
  const startedAt = process.hrtime.bigint();
  const stopAt = startedAt + BigInt(settings.maxDurationMs) * 1_000_000n;
  const progressEvery = settings.progressEvery ?? 0;

  const worker = async (slot: number): Promise<void> => {
    while (started < settings.maxRequests && process.hrtime.bigint() < stopAt) {
      const sequence = started;
      started += 1;
      let callStartedAt = process.hrtime.bigint();
      if (settings.ratePerSecond !== undefined) {
        const dueAt = startedAt + BigInt(Math.round((sequence * 1e9) / settings.ratePerSecond));
        if (dueAt > callStartedAt) {
          // Early: wait for the schedule, and time the call from when it starts (a late timer is the driver's delay).
          await sleep(Number(dueAt - callStartedAt) / 1e6);
          callStartedAt = process.hrtime.bigint();
          if (callStartedAt >= stopAt) break;
        } else {
          // Late (every worker was busy): the wait for a free worker counts, as it would for a real caller.
          callStartedAt = dueAt;
        }
      }
      let outcome: CallOutcome;
      try {
        outcome = await call(slot, sequence);
      } catch (defect) {
        outcome = { ok: false, failure: defect instanceof Error ? defect.name : 'rejected' };
      }
      if (outcome.ok) {
        histogram.recordNanoseconds(process.hrtime.bigint() - callStartedAt);
      } else {
        failed += 1;
        failuresByName[outcome.failure] = (failuresByName[outcome.failure] ?? 0) + 1;
      }
      completed += 1;
      if (progressEvery > 0 && completed % progressEvery === 0) settings.onProgress?.(completed);
    }
  };

  await Promise.all(Array.from({ length: settings.concurrency }, (_, slot) => worker(slot)));
  const elapsedMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
  const latency = histogram.summary();
  histogram.destroy();
  return {
    concurrency: settings.concurrency,
    ratePerSecond: settings.ratePerSecond,
    completed,
    failed,
    failuresByName,
    elapsedMs,
    requestsPerSecond: elapsedMs > 0 ? (completed * 1000) / elapsedMs : 0,
    latency,
  };
}
