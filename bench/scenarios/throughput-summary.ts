import { median } from '../report/median';
import type { PhaseMeasurement, SubjectName } from '../subjects/measured-phase';

/**
 * One subject at one concurrency over every round: medians of the per-round values (the machine is shared and
 * noisy, and a median ignores one disturbed round), the worst max, and the totals.
 */
export interface ThroughputSummary {
  readonly subject: SubjectName;
  readonly concurrency: number;
  readonly ratePerSecond: number | undefined;
  readonly rounds: number;
  readonly completed: number;
  readonly failed: number;
  readonly failuresByName: Readonly<Record<string, number>>;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly cpuMicrosPerRequest: number;
  /** CPU time over wall time of the measured process: 1.0 is one full core. */
  readonly cpuCores: number;
  readonly peakRssBytes: number;
}

export function summarise(phases: ReadonlyArray<PhaseMeasurement>): ThroughputSummary | undefined {
  const [first] = phases;
  if (first === undefined) return undefined;
  const failuresByName: Record<string, number> = {};
  for (const phase of phases) {
    for (const [name, count] of Object.entries(phase.failuresByName))
      failuresByName[name] = (failuresByName[name] ?? 0) + count;
  }
  return {
    subject: first.subject,
    concurrency: first.concurrency,
    ratePerSecond: first.ratePerSecond,
    rounds: phases.length,
    completed: phases.reduce((sum, phase) => sum + phase.completed, 0),
    failed: phases.reduce((sum, phase) => sum + phase.failed, 0),
    failuresByName,
    requestsPerSecond: median(phases.map((phase) => phase.requestsPerSecond)),
    p50Ms: median(phases.map((phase) => phase.latency.p50Ms)),
    p90Ms: median(phases.map((phase) => phase.latency.p90Ms)),
    p99Ms: median(phases.map((phase) => phase.latency.p99Ms)),
    maxMs: Math.max(...phases.map((phase) => phase.latency.maxMs)),
    cpuMicrosPerRequest: median(phases.map((phase) => phase.cpuMicrosPerRequest)),
    cpuCores: median(phases.map((phase) => phase.cpuMs / phase.elapsedMs)),
    peakRssBytes: Math.max(...phases.map((phase) => phase.peakRssBytes)),
  };
}
