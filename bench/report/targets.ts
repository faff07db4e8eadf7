import type { CoalescingResult } from '../scenarios/coalescing';
import type { SoakResult } from '../scenarios/soak';
import { levelLabel, type LoadLevel } from '../scenarios/throughput';
import type { ThroughputSummary } from '../scenarios/throughput-summary';
import type { SubjectName } from '../subjects/measured-phase';

export type Verdict = 'PASS' | 'FAIL' | 'NOT RUN';

export interface TargetVerdict {
  readonly target: string;
  readonly limit: string;
  readonly measured: string;
  readonly verdict: Verdict;
  /** A row about the composed floor: what the target asks of code that does nothing, not a target of ours. */
  readonly reference: boolean;
}

/** The targets, checked here and only here: benchmarks report, tests never time anything. */
export const CPU_RATIO_LIMIT = 1.25;
export const LATENCY_CONCURRENCY = 16;
export const P50_ALLOWANCE_MS = 0.5;
export const P99_ALLOWANCE_MS = 2;
export const RSS_GROWTH_LIMIT = 0.1;

const verdictOf = (holds: boolean): Verdict => (holds ? 'PASS' : 'FAIL');
const us = (value: number): string => `${value.toFixed(0)} µs`;
const ms = (value: number): string => `${value.toFixed(2)} ms`;

function find(
  summaries: ReadonlyArray<ThroughputSummary>,
  subject: SubjectName,
  level: LoadLevel,
): ThroughputSummary | undefined {
  return summaries.find(
    (summary) =>
      summary.subject === subject &&
      summary.concurrency === level.concurrency &&
      summary.ratePerSecond === level.ratePerSecond,
  );
}

/** The distinct levels measured, in the order they were run. */
function levelsOf(summaries: ReadonlyArray<ThroughputSummary>): ReadonlyArray<LoadLevel> {
  const seen = new Map<string, LoadLevel>();
  for (const s of summaries) {
    const level: LoadLevel =
      s.ratePerSecond === undefined
        ? { concurrency: s.concurrency }
        : { concurrency: s.concurrency, ratePerSecond: s.ratePerSecond };
    seen.set(levelLabel(level), level);
  }
  return [...seen.values()];
}

/** The service against floor A + floor B; and, on the same terms, the composed floor (no service code at all). */
function cpuTargets(summaries: ReadonlyArray<ThroughputSummary>): TargetVerdict[] {
  const subjects: ReadonlyArray<SubjectName> = ['service', 'composed floor'];
  return levelsOf(summaries).flatMap((level) => {
    const a = find(summaries, 'floor A', level);
    const b = find(summaries, 'floor B', level);
    if (a === undefined || b === undefined) return [];
    const floors = a.cpuMicrosPerRequest + b.cpuMicrosPerRequest;
    return subjects.flatMap((subject) => {
      const measured = find(summaries, subject, level);
      if (measured === undefined) return [];
      const ratio = measured.cpuMicrosPerRequest / floors;
      return [
        {
          target: `CPU per request, ${levelLabel(level)}${referenceLabel(subject)}`,
          limit: `${subject} ≤ ${CPU_RATIO_LIMIT} × (floor A + floor B) = ${us(CPU_RATIO_LIMIT * floors)}`,
          measured: `${subject} ${us(measured.cpuMicrosPerRequest)} vs A ${us(a.cpuMicrosPerRequest)} + B ${us(b.cpuMicrosPerRequest)} = ${us(floors)}: ${ratio.toFixed(2)} ×`,
          verdict: verdictOf(ratio <= CPU_RATIO_LIMIT),
          reference: subject !== 'service',
        },
      ];
    });
  });
}

/** Rows about the composed floor are references: they say what the target asks of code that does nothing. */
const referenceLabel = (subject: SubjectName): string => (subject === 'service' ? '' : ` (reference: ${subject})`);

/**
 * The latency targets, at concurrency 16 as the issue states them (a closed loop: everything saturates the 2 cores,
 * so latency there is mostly queueing), and again paced below saturation, where it is what each call costs.
 */
function latencyTargets(summaries: ReadonlyArray<ThroughputSummary>): TargetVerdict[] {
  const levels = [
    ...new Set(summaries.filter((s) => s.concurrency === LATENCY_CONCURRENCY).map((s) => s.ratePerSecond)),
  ].map((ratePerSecond): LoadLevel =>
    ratePerSecond === undefined
      ? { concurrency: LATENCY_CONCURRENCY }
      : { concurrency: LATENCY_CONCURRENCY, ratePerSecond },
  );
  return levels.flatMap((level) => latencyTargetsAt(summaries, level));
}

/**
 * The service against floor B; and, on the same terms, the composed floor (no service code at all), which shows
 * whether any implementation could meet the target on this machine.
 */
function latencyTargetsAt(summaries: ReadonlyArray<ThroughputSummary>, level: LoadLevel): TargetVerdict[] {
  const b = find(summaries, 'floor B', level);
  if (b === undefined) return [];
  const subjects: ReadonlyArray<SubjectName> = ['service', 'composed floor'];
  return subjects.flatMap((subject) => {
    const measured = find(summaries, subject, level);
    if (measured === undefined) return [];
    return [
      {
        target: `p50 latency, ${levelLabel(level)}${referenceLabel(subject)}`,
        limit: `${subject} ≤ floor B + ${P50_ALLOWANCE_MS} ms = ${ms(b.p50Ms + P50_ALLOWANCE_MS)}`,
        measured: `${subject} ${ms(measured.p50Ms)}, floor B ${ms(b.p50Ms)} (+${ms(measured.p50Ms - b.p50Ms)})`,
        verdict: verdictOf(measured.p50Ms <= b.p50Ms + P50_ALLOWANCE_MS),
        reference: subject !== 'service',
      },
      {
        target: `p99 latency, ${levelLabel(level)}${referenceLabel(subject)}`,
        limit: `${subject} ≤ floor B + ${P99_ALLOWANCE_MS} ms = ${ms(b.p99Ms + P99_ALLOWANCE_MS)}`,
        measured: `${subject} ${ms(measured.p99Ms)}, floor B ${ms(b.p99Ms)} (+${ms(measured.p99Ms - b.p99Ms)})`,
        verdict: verdictOf(measured.p99Ms <= b.p99Ms + P99_ALLOWANCE_MS),
        reference: subject !== 'service',
      },
    ];
  });
}

function soakTarget(soak: SoakResult | undefined): TargetVerdict {
  const target = 'no leak: RSS growth in a soak';
  if (soak === undefined) {
    const limit = `< ${RSS_GROWTH_LIMIT * 100} % between the 20k and the 200k request mark`;
    return { target, limit, measured: 'soak not run (it runs with --full)', verdict: 'NOT RUN', reference: false };
  }
  const mib = (bytes: number | undefined): string =>
    bytes === undefined ? 'n/a' : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  const { baselineMark, requests, markWindow } = soak.settings;
  const measured =
    `${mib(soak.baselineRssBytes)} at ${baselineMark / 1000}k → ${mib(soak.finalRssBytes)} at ${requests / 1000}k ` +
    `(each the median of the samples in the ${markWindow / 1000}k calls up to the mark)` +
    (soak.rssGrowth === undefined
      ? ` (only ${soak.completed} calls completed)`
      : `: ${(soak.rssGrowth * 100).toFixed(1)} %`) +
    `; ${soak.failed} failed`;
  return {
    target,
    limit: `< ${RSS_GROWTH_LIMIT * 100} % between the ${baselineMark / 1000}k and the ${requests / 1000}k request mark`,
    measured,
    verdict: soak.rssGrowth === undefined ? 'FAIL' : verdictOf(soak.rssGrowth < RSS_GROWTH_LIMIT && soak.failed === 0),
    reference: false,
  };
}

function coalescingTarget(coalescing: CoalescingResult | undefined): TargetVerdict {
  if (coalescing === undefined) {
    return {
      target: 'coalescing',
      limit: 'identical concurrent reconnects → exactly 1 upstream call',
      measured: 'not run (--only)',
      verdict: 'NOT RUN',
      reference: false,
    };
  }
  return {
    target: 'coalescing',
    limit: `${coalescing.requests} identical concurrent reconnects → exactly 1 upstream call, all answered`,
    measured: `${coalescing.upstreamCalls} upstream call(s), ${coalescing.succeeded}/${coalescing.requests} answered, ${coalescing.distinctAnswers} distinct answer(s)`,
    verdict: verdictOf(coalescing.pass),
    reference: false,
  };
}

function noFailuresTarget(summaries: ReadonlyArray<ThroughputSummary>): TargetVerdict {
  const failed = summaries.reduce((sum, summary) => sum + summary.failed, 0);
  const completed = summaries.reduce((sum, summary) => sum + summary.completed, 0);
  return {
    target: 'every measured call succeeded',
    limit: '0 failures in the throughput phases',
    measured: summaries.length === 0 ? 'throughput not run (--only)' : `${failed} of ${completed} failed`,
    verdict: summaries.length === 0 ? 'NOT RUN' : verdictOf(failed === 0),
    reference: false,
  };
}

export function evaluateTargets(
  summaries: ReadonlyArray<ThroughputSummary>,
  coalescing: CoalescingResult | undefined,
  soak: SoakResult | undefined,
): ReadonlyArray<TargetVerdict> {
  return [
    ...cpuTargets(summaries),
    ...latencyTargets(summaries),
    soakTarget(soak),
    coalescingTarget(coalescing),
    noFailuresTarget(summaries),
  ];
}
