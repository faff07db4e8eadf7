import type { CoalescingResult } from '../scenarios/coalescing';
import type { FleetStormResult } from '../scenarios/fleet-storm';
import type { PodResult } from '../scenarios/pod';
import type { SoakResult } from '../scenarios/soak';
import type { StartupResult } from '../scenarios/startup';
import { levelLabel, type LoadLevel } from '../scenarios/throughput';
import type { ThroughputSummary } from '../scenarios/throughput-summary';
import type { WatchLatencyResult } from '../scenarios/watch-latency';
import type { SubjectName } from '../subjects/measured-phase';

export type Verdict = 'PASS' | 'FAIL' | 'NOT RUN';

export interface TargetVerdict {
  readonly target: string;
  readonly limit: string;
  readonly measured: string;
  readonly verdict: Verdict;
}

/** The performance issue's targets, checked here and only here: benchmarks report, tests never time anything. */
export const CPU_RATIO_LIMIT = 1.1;
export const CPU_LEVELS: ReadonlyArray<LoadLevel> = [
  { concurrency: 1 },
  { concurrency: 16 },
  { concurrency: 16, ratePerSecond: 200 },
];
export const LATENCY_LEVELS: ReadonlyArray<LoadLevel> = [
  { concurrency: 16, ratePerSecond: 20 },
  { concurrency: 16, ratePerSecond: 200 },
];
export const P50_ALLOWANCE_MS = 0.3;
export const P99_ALLOWANCE_MS = 1.5;
export const RSS_ALLOWANCE_MIB = 25;
export const RSS_GROWTH_LIMIT = 0.05;
export const STARTUP_RATIO_LIMIT = 2;
export const FLEET_RECONNECTED_PERCENT = 99.9;
/** The storm's last reconnect may come this long after sessions / rate (1,000 at 20/s: 51 s). */
export const FLEET_LAST_SUCCESS_ALLOWANCE_MS = 1000;
/** A drop reaches every subscriber within the poll interval plus this, at p99. */
export const WATCH_LATENCY_ALLOWANCE_MS = 1000;

const verdictOf = (holds: boolean): Verdict => (holds ? 'PASS' : 'FAIL');
const us = (value: number): string => `${value.toFixed(0)} µs`;
const ms = (value: number): string => `${value.toFixed(2)} ms`;
const signedMs = (value: number): string => `${value >= 0 ? '+' : ''}${value.toFixed(2)} ms`;
const notRun = (target: string, limit: string, why: string): TargetVerdict => ({
  target,
  limit,
  measured: why,
  verdict: 'NOT RUN',
});

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

/** The service's CPU per call against the composed floor's, measured in the same rounds. */
function cpuTargets(summaries: ReadonlyArray<ThroughputSummary>): TargetVerdict[] {
  return CPU_LEVELS.map((level) => {
    const target = `CPU per call, ${levelLabel(level)}`;
    const limit = `service ≤ ${CPU_RATIO_LIMIT} × composed floor`;
    const composed = find(summaries, 'composed floor', level);
    const service = find(summaries, 'service', level);
    if (composed === undefined || service === undefined) return notRun(target, limit, 'level not measured');
    const ratio = service.cpuMicrosPerRequest / composed.cpuMicrosPerRequest;
    return {
      target,
      limit: `${limit} = ${us(CPU_RATIO_LIMIT * composed.cpuMicrosPerRequest)}`,
      measured: `service ${us(service.cpuMicrosPerRequest)}, composed floor ${us(composed.cpuMicrosPerRequest)}: ${ratio.toFixed(2)} ×`,
      verdict: verdictOf(ratio <= CPU_RATIO_LIMIT),
    };
  });
}

/** What the service adds to a call's latency over the composed floor, at the paced loads it sees. */
function latencyTargets(summaries: ReadonlyArray<ThroughputSummary>): TargetVerdict[] {
  return LATENCY_LEVELS.flatMap((level) => {
    const composed = find(summaries, 'composed floor', level);
    const service = find(summaries, 'service', level);
    const p50 = `p50 latency added, ${levelLabel(level)}`;
    const p99 = `p99 latency added, ${levelLabel(level)}`;
    if (composed === undefined || service === undefined) {
      return [
        notRun(p50, `≤ +${P50_ALLOWANCE_MS} ms over the composed floor`, 'level not measured'),
        notRun(p99, `≤ +${P99_ALLOWANCE_MS} ms over the composed floor`, 'level not measured'),
      ];
    }
    return [
      {
        target: p50,
        limit: `≤ +${P50_ALLOWANCE_MS} ms over the composed floor`,
        measured: `service ${ms(service.p50Ms)}, composed floor ${ms(composed.p50Ms)}: ${signedMs(service.p50Ms - composed.p50Ms)}`,
        verdict: verdictOf(service.p50Ms <= composed.p50Ms + P50_ALLOWANCE_MS),
      },
      {
        target: p99,
        limit: `≤ +${P99_ALLOWANCE_MS} ms over the composed floor`,
        measured: `service ${ms(service.p99Ms)}, composed floor ${ms(composed.p99Ms)}: ${signedMs(service.p99Ms - composed.p99Ms)}`,
        verdict: verdictOf(service.p99Ms <= composed.p99Ms + P99_ALLOWANCE_MS),
      },
    ];
  });
}

/** The highest RSS each process reached over every load it was measured at. */
function peakRssTarget(summaries: ReadonlyArray<ThroughputSummary>, target = 'peak RSS'): TargetVerdict {
  const limit = `service ≤ composed floor + ${RSS_ALLOWANCE_MIB} MiB`;
  const peak = (subject: SubjectName): number | undefined => {
    const peaks = summaries.filter((s) => s.subject === subject).map((s) => s.peakRssBytes);
    return peaks.length === 0 ? undefined : Math.max(...peaks);
  };
  const service = peak('service');
  const composed = peak('composed floor');
  if (service === undefined || composed === undefined) return notRun(target, limit, 'throughput not run (--only)');
  const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  return {
    target,
    limit: `${limit} = ${mib(composed + RSS_ALLOWANCE_MIB * 2 ** 20)}`,
    measured: `service ${mib(service)}, composed floor ${mib(composed)}: ${service >= composed ? '+' : ''}${mib(service - composed)}`,
    verdict: verdictOf(service <= composed + RSS_ALLOWANCE_MIB * 2 ** 20),
  };
}

/** Peak RSS again, with each process in a memory cgroup of the Deployment's limit, so V8 sizes its heap as in a pod. */
function podPeakRssTarget(pod: PodResult | undefined): TargetVerdict {
  const target = "peak RSS in the Deployment's memory limit";
  if (pod === undefined)
    return notRun(target, `service ≤ composed floor + ${RSS_ALLOWANCE_MIB} MiB`, 'not run (--only)');
  switch (pod._tag) {
    case 'Unavailable':
      return notRun(target, `service ≤ composed floor + ${RSS_ALLOWANCE_MIB} MiB`, pod.why);
    case 'Measured':
      return peakRssTarget(pod.throughput.summaries, `${target} (${pod.memoryLimitMiB} MiB cgroup each)`);
  }
}

function startupTarget(startup: StartupResult | undefined): TargetVerdict {
  const target = 'start-up of a new replica to health SERVING (aws backend), median';
  const limit = `service ≤ ${STARTUP_RATIO_LIMIT} × a bare grpc-js server with health`;
  if (startup === undefined) return notRun(target, limit, 'not run (--only)');
  const ratio = startup.service.medianMs / startup.bare.medianMs;
  return {
    target: `${target} of ${startup.service.startsMs.length}`,
    limit: `${limit} = ${(STARTUP_RATIO_LIMIT * startup.bare.medianMs).toFixed(0)} ms`,
    measured:
      `service ${startup.service.medianMs.toFixed(0)} ms, bare ${startup.bare.medianMs.toFixed(0)} ms: ${ratio.toFixed(2)} × ` +
      `(bare with the SDK client ${startup.bareWithSdk.medianMs.toFixed(0)} ms: ${(startup.bareWithSdk.medianMs / startup.bare.medianMs).toFixed(2)} ×; ` +
      `restarted service ${(startup.restarted.medianMs / startup.bare.medianMs).toFixed(2)} ×)`,
    verdict: verdictOf(ratio <= STARTUP_RATIO_LIMIT),
  };
}

/** The storms a fleet sharing Redis runs: the most the quota allows, in time, with no throttle. */
function fleetStormTargets(storms: ReadonlyArray<FleetStormResult> | undefined): TargetVerdict[] {
  const shared = (storms ?? []).filter((storm) => storm.redis);
  if (shared.length === 0) {
    return [
      notRun(
        'fleet storm, budgets shared through Redis',
        `≥ ${FLEET_RECONNECTED_PERCENT} % reconnected, the last within sessions / rate + 1 s, 0 throttles`,
        'not run (--only)',
      ),
    ];
  }
  return shared.map((storm) => {
    const lastWithinMs = (storm.sessions / storm.ratePerSecond) * 1000 + FLEET_LAST_SUCCESS_ALLOWANCE_MS;
    const throttles = storm.connectionThrottles + storm.getSessionThrottles;
    return {
      target: `fleet storm: ${storm.replicas} replicas, ${storm.sessions} sessions at ${storm.ratePerSecond}/s, Redis, ${storm.userId ? 'with' : 'without'} user_id`,
      limit: `≥ ${FLEET_RECONNECTED_PERCENT} % reconnected, the last within ${(lastWithinMs / 1000).toFixed(0)} s, 0 throttles`,
      measured: `${storm.reconnectedPercent.toFixed(1)} %, the last after ${(storm.timeToLastSuccessMs / 1000).toFixed(1)} s (the first after ${(storm.timeToFirstSuccessMs / 1000).toFixed(2)} s, then ${storm.reconnectsPerSecondAfterFirst.toFixed(2)}/s), ${throttles} throttled`,
      verdict: verdictOf(
        storm.reconnectedPercent >= FLEET_RECONNECTED_PERCENT &&
          storm.timeToLastSuccessMs <= lastWithinMs &&
          throttles === 0,
      ),
    };
  });
}

function soakTarget(soak: SoakResult | undefined): TargetVerdict {
  const target = 'no leak: RSS growth in a soak';
  if (soak === undefined) {
    const limit = `< ${RSS_GROWTH_LIMIT * 100} % between the 20k and the 200k request mark`;
    return { target, limit, measured: 'soak not run (it runs with --full)', verdict: 'NOT RUN' };
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
  };
}

function coalescingTarget(coalescing: CoalescingResult | undefined): TargetVerdict {
  if (coalescing === undefined) {
    return {
      target: 'coalescing',
      limit: 'identical concurrent reconnects → exactly 1 upstream call',
      measured: 'not run (--only)',
      verdict: 'NOT RUN',
    };
  }
  return {
    target: 'coalescing',
    limit: `${coalescing.requests} identical concurrent reconnects → exactly 1 upstream call, all answered`,
    measured: `${coalescing.upstreamCalls} upstream call(s), ${coalescing.succeeded}/${coalescing.requests} answered, ${coalescing.distinctAnswers} distinct answer(s)`,
    verdict: verdictOf(coalescing.pass),
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
  };
}

export interface MeasuredResults {
  readonly summaries: ReadonlyArray<ThroughputSummary>;
  readonly pod: PodResult | undefined;
  readonly coalescing: CoalescingResult | undefined;
  readonly soak: SoakResult | undefined;
  readonly startup: StartupResult | undefined;
  readonly fleetStorm: ReadonlyArray<FleetStormResult> | undefined;
  readonly watchLatency: WatchLatencyResult | undefined;
}

function watchLatencyTarget(result: WatchLatencyResult | undefined): TargetVerdict {
  const target = 'watch: a drop reaches every subscriber (3 replicas, Redis)';
  if (result === undefined) {
    return notRun(target, `p99 ≤ poll interval + ${WATCH_LATENCY_ALLOWANCE_MS} ms, none missed`, 'not run (--only)');
  }
  const limitMs = result.pollIntervalMs + WATCH_LATENCY_ALLOWANCE_MS;
  return {
    target: `watch: ${result.sessions} sessions in one group dropping at ${result.dropsPerSecond}/s reach ${result.replicas} subscribers on ${result.replicas} replicas`,
    limit: `p99 ≤ ${limitMs} ms, none missed or repeated, 0 throttles`,
    measured: `p99 ${result.latency.p99Ms.toFixed(0)} ms (p50 ${result.latency.p50Ms.toFixed(0)} ms), ${result.missed} missed, ${result.repeated} repeated, ${result.listThrottles + result.otherThrottles} throttled`,
    verdict: verdictOf(
      result.latency.count > 0 &&
        result.latency.p99Ms <= limitMs &&
        result.missed === 0 &&
        result.repeated === 0 &&
        result.listThrottles + result.otherThrottles === 0 &&
        result.streamsEndedEarly.length === 0,
    ),
  };
}

export function evaluateTargets(results: MeasuredResults): ReadonlyArray<TargetVerdict> {
  return [
    ...cpuTargets(results.summaries),
    ...latencyTargets(results.summaries),
    peakRssTarget(results.summaries),
    podPeakRssTarget(results.pod),
    soakTarget(results.soak),
    startupTarget(results.startup),
    ...fleetStormTargets(results.fleetStorm),
    watchLatencyTarget(results.watchLatency),
    coalescingTarget(results.coalescing),
    noFailuresTarget(results.summaries),
  ];
}
