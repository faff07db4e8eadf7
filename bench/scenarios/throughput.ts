import { setTimeout as sleep } from 'node:timers/promises';

import { readProcessUsage } from '../process/proc-usage';
import type { MeasuredSubject, PhaseMeasurement, SubjectName } from '../subjects/measured-phase';
import { summarise, type ThroughputSummary } from './throughput-summary';

/** One load level: a closed loop at `concurrency`, or paced at `ratePerSecond` with at most `concurrency` in flight. */
export interface LoadLevel {
  readonly concurrency: number;
  readonly ratePerSecond?: number;
}

export const levelLabel = (level: LoadLevel): string =>
  level.ratePerSecond === undefined ? `c=${level.concurrency}` : `c=${level.concurrency} @ ${level.ratePerSecond}/s`;

export interface ThroughputSettings {
  readonly levels: ReadonlyArray<LoadLevel>;
  readonly rounds: number;
  /**
   * Once per subject before anything is measured, at concurrency 16. A fresh process costs about twice as much CPU
   * per call for its first 8-10 s: V8 is still compiling the SDK's and grpc-js's hot paths on background threads,
   * whose CPU time counts as the process's (measured: 2,400 µs per call in the service's first seconds, 1,000 µs
   * after). The per-phase warm-up (`warmupMs`) then only refills pools and caches after the previous phase.
   */
  readonly initialWarmupMs: number;
  /**
   * After the warm-up, every subject sits idle this long and its CPU is read: what a process spends on its own
   * timers and housekeeping, which at 20 calls/s is spread over few calls and weighs on their CPU per call.
   */
  readonly idleMs: number;
  readonly warmupMs: number;
  readonly warmupRequests: number;
  readonly measureMs: number;
  /** A paced phase lasts long enough for this many calls (at 20/s, 200 calls take 10 s), so its p99 means something. */
  readonly minPacedCalls: number;
  /** Per phase; with measureMs, it bounds every phase in count and time. */
  readonly maxRequests: number;
}

/** CPU a subject spent while no call was made, per second. */
export interface IdleCpu {
  readonly subject: SubjectName;
  readonly cpuMsPerSecond: number;
}

export interface ThroughputResult {
  readonly settings: ThroughputSettings;
  readonly idle: ReadonlyArray<IdleCpu>;
  readonly phases: ReadonlyArray<PhaseMeasurement>;
  readonly summaries: ReadonlyArray<ThroughputSummary>;
}

const IDLE_SETTLE_MS = 2000;

const measureMsAt = (level: LoadLevel, settings: ThroughputSettings): number =>
  level.ratePerSecond === undefined
    ? settings.measureMs
    : Math.max(settings.measureMs, (settings.minPacedCalls / level.ratePerSecond) * 1000);

/** Round r starts with subject r mod n, so no subject always runs first (right after another one's load) or last. */
function rotated<A>(items: ReadonlyArray<A>, by: number): ReadonlyArray<A> {
  const shift = by % Math.max(1, items.length);
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/**
 * Floor A, floor B and the service at the same concurrencies, in interleaved rounds: every subject is measured
 * once per round, so a noisy stretch of the shared machine touches all of them rather than one, and the summary
 * takes each subject's median round. Only one subject is under load at a time; the others sit idle.
 */
export async function runThroughput(
  subjects: ReadonlyArray<MeasuredSubject>,
  settings: ThroughputSettings,
  log: (line: string) => void,
): Promise<ThroughputResult> {
  const phases: PhaseMeasurement[] = [];
  const summaries: ThroughputSummary[] = [];
  for (const subject of subjects) {
    await subject.measure({
      concurrency: 16,
      warmupMs: settings.initialWarmupMs,
      warmupRequests: settings.maxRequests,
      measureMs: 0,
      maxRequests: 0,
    });
  }
  // V8 may still be compiling what the warm-up made hot, on background threads; that is not idle work.
  await sleep(IDLE_SETTLE_MS);
  const idleFrom = subjects.map((subject) => readProcessUsage(subject.pid).cpuMs);
  await sleep(settings.idleMs);
  const idle = subjects.map((subject, index) => ({
    subject: subject.name,
    cpuMsPerSecond: ((readProcessUsage(subject.pid).cpuMs - (idleFrom[index] ?? 0)) * 1000) / settings.idleMs,
  }));
  for (const { subject, cpuMsPerSecond } of idle) log(`  idle ${subject}: ${cpuMsPerSecond.toFixed(1)} ms CPU/s`);
  for (const level of settings.levels) {
    const atThisLevel: PhaseMeasurement[] = [];
    for (let round = 0; round < settings.rounds; round += 1) {
      for (const subject of rotated(subjects, round)) {
        const measured = await subject.measure({
          ...level,
          warmupMs: settings.warmupMs,
          warmupRequests: settings.warmupRequests,
          measureMs: measureMsAt(level, settings),
          maxRequests: settings.maxRequests,
        });
        atThisLevel.push(measured);
        log(
          `  ${levelLabel(level)} round ${round + 1}/${settings.rounds} ${measured.subject}: ${measured.requestsPerSecond.toFixed(0)} req/s, ` +
            `p50 ${measured.latency.p50Ms.toFixed(2)} ms, p99 ${measured.latency.p99Ms.toFixed(2)} ms, ` +
            `${measured.cpuMicrosPerRequest.toFixed(0)} µs CPU/req, ${measured.failed} failed`,
        );
      }
    }
    phases.push(...atThisLevel);
    for (const subject of subjects) {
      const summary = summarise(atThisLevel.filter((phase) => phase.subject === subject.name));
      if (summary !== undefined) summaries.push(summary);
    }
  }
  return { settings, idle, phases, summaries };
}
