import type { ClosedLoopResult } from '../load/closed-loop';

/** How long one subject is loaded at one concurrency, after a warm-up that is not measured. */
export interface PhaseSettings {
  readonly concurrency: number;
  /** Paced load (calls per second, at most `concurrency` in flight); unset for a closed loop. */
  readonly ratePerSecond?: number;
  readonly warmupMs: number;
  readonly warmupRequests: number;
  readonly measureMs: number;
  readonly maxRequests: number;
}

/**
 * 'composed floor' is floor A's server making floor B's call: the least any implementation of the service costs.
 * 'service (baseline)' is another build of the service (--baseline), measured in the same run for a before/after.
 */
export type SubjectName = 'floor A' | 'floor B' | 'composed floor' | 'service' | 'service (baseline)';

/**
 * One measured phase of one subject. CPU is the measured process's own user + system time over the measured
 * loop (every thread: V8, GC, libuv), whatever it spent it on; RSS is that process's.
 */
export interface PhaseMeasurement extends ClosedLoopResult {
  readonly subject: SubjectName;
  readonly cpuMs: number;
  readonly cpuMicrosPerRequest: number;
  readonly rssBytes: number;
  readonly peakRssBytes: number;
}

/** A process under measurement: floor A, floor B or the service. */
export interface MeasuredSubject {
  readonly name: SubjectName;
  readonly pid: number;
  measure(phase: PhaseSettings): Promise<PhaseMeasurement>;
  stop(): Promise<void>;
}

export const cpuMicrosPerRequest = (cpuMs: number, completed: number): number =>
  completed === 0 ? 0 : (cpuMs * 1000) / completed;
