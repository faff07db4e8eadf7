import type { PodResult } from '../scenarios/pod';
import type { IdleCpu } from '../scenarios/throughput';
import type { CoalescingResult } from '../scenarios/coalescing';
import type { AdmittedCallResult, FleetStormResult } from '../scenarios/fleet-storm';
import type { SoakResult } from '../scenarios/soak';
import type { StartupResult } from '../scenarios/startup';
import type { StormResult } from '../scenarios/storm';
import type { ThroughputSummary } from '../scenarios/throughput-summary';
import type { WatchLatencyResult } from '../scenarios/watch-latency';
import type { ProfileSummary, TimeShare } from '../profile/summarise-profile';
import type { TargetVerdict } from './targets';

/** Markdown tables of one run, printed and pasted as they are into BENCHMARKS.md. */

const fixed = (value: number, digits: number): string => value.toFixed(digits);
const levelOf = (summary: ThroughputSummary): string =>
  summary.ratePerSecond === undefined
    ? `c=${summary.concurrency}`
    : `c=${summary.concurrency} @ ${summary.ratePerSecond}/s`;
const signed = (value: number, digits: number): string => `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);

function table(header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string {
  const line = (cells: ReadonlyArray<string>): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function throughputTable(summaries: ReadonlyArray<ThroughputSummary>): string {
  return table(
    [
      'scenario',
      'load',
      'req/s',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'CPU µs/req',
      'CPU cores',
      'peak RSS MiB',
      'failed',
    ],
    summaries.map((s) => [
      s.subject,
      levelOf(s),
      fixed(s.requestsPerSecond, 0),
      fixed(s.p50Ms, 2),
      fixed(s.p90Ms, 2),
      fixed(s.p99Ms, 2),
      fixed(s.maxMs, 1),
      fixed(s.cpuMicrosPerRequest, 0),
      fixed(s.cpuCores, 2),
      mib(s.peakRssBytes),
      `${s.failed}/${s.completed}`,
    ]),
  );
}

/** Per concurrency: the service's CPU per call against the sum of the floors, the ratio the CPU target is about. */
export function cpuRatioTable(summaries: ReadonlyArray<ThroughputSummary>): string {
  const levels = [...new Set(summaries.map(levelOf))];
  const cpu = (subject: string, level: string): number =>
    summaries.find((s) => s.subject === subject && levelOf(s) === level)?.cpuMicrosPerRequest ?? Number.NaN;
  const withBaseline = summaries.some((s) => s.subject === 'service (baseline)');
  return table(
    [
      'load',
      'floor A µs',
      'floor B µs',
      'A + B µs',
      'service µs',
      'service − (A + B) µs',
      'service / (A + B)',
      ...(withBaseline ? ['baseline µs', 'baseline / (A + B)'] : []),
    ],
    levels.map((c) => {
      const floors = cpu('floor A', c) + cpu('floor B', c);
      const service = cpu('service', c);
      const baseline = cpu('service (baseline)', c);
      return [
        c,
        fixed(cpu('floor A', c), 0),
        fixed(cpu('floor B', c), 0),
        fixed(floors, 0),
        fixed(service, 0),
        fixed(service - floors, 0),
        fixed(service / floors, 2),
        ...(withBaseline ? [fixed(baseline, 0), fixed(baseline / floors, 2)] : []),
      ];
    }),
  );
}

/**
 * Per load: the service beside the composed floor (floor A's server making floor B's call), so what the service's
 * own work costs is read against the least any implementation costs with the same processes and hops.
 */
export function composedFloorTable(summaries: ReadonlyArray<ThroughputSummary>): string {
  const levels = [...new Set(summaries.map(levelOf))];
  const of = (subject: string, level: string): ThroughputSummary | undefined =>
    summaries.find((s) => s.subject === subject && levelOf(s) === level);
  const rows = levels.flatMap((level) => {
    const b = of('floor B', level);
    const composed = of('composed floor', level);
    const service = of('service', level);
    if (composed === undefined || service === undefined) return [];
    // Floor B is not measured everywhere (the pod scenario runs only the composed floor and the service).
    const floorB = (value: number | undefined): string => (value === undefined ? '–' : fixed(value, 2));
    return [
      [
        level,
        `${floorB(b?.p50Ms)} / ${fixed(composed.p50Ms, 2)} / ${fixed(service.p50Ms, 2)}`,
        `${floorB(b?.p99Ms)} / ${fixed(composed.p99Ms, 2)} / ${fixed(service.p99Ms, 2)}`,
        `${fixed(composed.requestsPerSecond, 0)} / ${fixed(service.requestsPerSecond, 0)}`,
        `${fixed(composed.cpuMicrosPerRequest, 0)} / ${fixed(service.cpuMicrosPerRequest, 0)}`,
        fixed(service.cpuMicrosPerRequest - composed.cpuMicrosPerRequest, 0),
        fixed(service.cpuMicrosPerRequest / composed.cpuMicrosPerRequest, 2),
      ],
    ];
  });
  return table(
    [
      'load',
      'p50 ms: B / composed / service',
      'p99 ms: B / composed / service',
      'req/s: composed / service',
      'CPU µs/req: composed / service',
      'service − composed µs',
      'service / composed',
    ],
    rows,
  );
}

/** Each subject's CPU while idle, after its warm-up: what it spends per second whatever the load. */
export function idleTable(idle: ReadonlyArray<IdleCpu>): string {
  return table(
    ['idle, after the warm-up', 'CPU ms per second'],
    idle.map(({ subject, cpuMsPerSecond }) => [subject, fixed(cpuMsPerSecond, 1)]),
  );
}

/** The pod scenario: every subject at each load, then the service beside the composed floor, both in the pod's limit. */
export function podTables(pod: Extract<PodResult, { _tag: 'Measured' }>): string {
  const { summaries } = pod.throughput;
  return `In a ${pod.memoryLimitMiB} MiB memory cgroup each (the Deployment's limit):\n\n${throughputTable(summaries)}\n\n${composedFloorTable(summaries)}\n\n${idleTable(pod.throughput.idle)}`;
}

export function targetsTable(verdicts: ReadonlyArray<TargetVerdict>): string {
  return table(
    ['target', 'limit', 'measured', 'verdict'],
    verdicts.map((v) => [v.target, v.limit, v.measured, `**${v.verdict}**`]),
  );
}

export function coalescingLine(result: CoalescingResult): string {
  return (
    `coalescing: ${result.requests} identical concurrent reconnects → ${result.upstreamCalls} upstream call(s); ` +
    `${result.succeeded} answered (${result.distinctAnswers} distinct answer), ${JSON.stringify(result.failuresByCode)} failed, in ${result.elapsedMs} ms`
  );
}

/** The soak's RSS at every window's end (each sample, not the window's median: the wobble shows). */
export function soakTable(soak: SoakResult): string {
  return table(
    ['calls completed', 'RSS MiB'],
    soak.samples
      .filter((sample) => sample.completed % soak.settings.markWindow === 0)
      .map((sample) => [String(sample.completed), (sample.rssBytes / 2 ** 20).toFixed(1)]),
  );
}

export function stormTable(results: ReadonlyArray<StormResult>): string {
  return table(
    [
      'admission',
      'sessions',
      'reconnected',
      '%',
      'time to last success',
      'upstream calls',
      'upstream throttles',
      'failures',
    ],
    results.map((r) => [
      r.admission ? 'on' : 'off',
      String(r.sessions),
      String(r.reconnected),
      fixed(r.reconnectedPercent, 1),
      `${fixed(r.timeToLastSuccessMs / 1000, 1)} s`,
      String(r.upstreamCalls),
      String(r.upstreamThrottles),
      JSON.stringify(r.failuresByCode),
    ]),
  );
}

export function fleetStormTable(results: ReadonlyArray<FleetStormResult>): string {
  return table(
    [
      'Redis',
      'user_id',
      'replicas',
      'sessions',
      'reconnected',
      '%',
      'time to last success',
      'first success',
      'reconnects/s after it',
      'CreateStreamSessionConnection calls / throttled',
      'GetStreamSession calls / throttled',
      'failures',
    ],
    results.map((r) => [
      r.redis ? 'shared' : 'none',
      r.userId ? 'yes' : 'no',
      String(r.replicas),
      String(r.sessions),
      String(r.reconnected),
      fixed(r.reconnectedPercent, 1),
      `${fixed(r.timeToLastSuccessMs / 1000, 1)} s`,
      `${fixed(r.timeToFirstSuccessMs / 1000, 2)} s`,
      fixed(r.reconnectsPerSecondAfterFirst, 2),
      `${r.connectionCalls} / ${r.connectionThrottles}`,
      `${r.getSessionCalls} / ${r.getSessionThrottles}`,
      JSON.stringify(r.failuresByCode),
    ]),
  );
}

/** The disconnect feed across a fleet: drop-to-subscriber latency, and what the whole fleet polled for it. */
export function watchLatencyTable(r: WatchLatencyResult): string {
  const seconds = r.durationMs / 1000;
  return table(
    [
      'replicas',
      'sessions',
      'drops/s',
      'poll interval',
      'p50',
      'p90',
      'p99',
      'max',
      'missed',
      'repeated',
      'reconnected',
      'ListStreamSessions calls (per s) / throttled',
      'other throttles',
      'streams ended early',
    ],
    [
      [
        String(r.replicas),
        String(r.sessions),
        String(r.dropsPerSecond),
        `${r.pollIntervalMs} ms`,
        `${fixed(r.latency.p50Ms, 0)} ms`,
        `${fixed(r.latency.p90Ms, 0)} ms`,
        `${fixed(r.latency.p99Ms, 0)} ms`,
        `${fixed(r.latency.maxMs, 0)} ms`,
        String(r.missed),
        String(r.repeated),
        String(r.reconnected),
        `${r.listCalls} (${fixed(r.listCalls / seconds, 1)}) / ${r.listThrottles}`,
        String(r.otherThrottles),
        r.streamsEndedEarly.length === 0 ? 'none' : r.streamsEndedEarly.join('; '),
      ],
    ],
  );
}

/** A call admitted at once, with the budgets shared through Redis and without; the last row is the difference. */
export function admittedCallTable(results: ReadonlyArray<AdmittedCallResult>): string {
  const shared = results.find((r) => r.redis);
  const alone = results.find((r) => !r.redis);
  const added =
    shared === undefined || alone === undefined
      ? []
      : [
          [
            'what Redis adds',
            '',
            signed(shared.latency.p50Ms - alone.latency.p50Ms, 2),
            signed(shared.latency.p99Ms - alone.latency.p99Ms, 2),
            '',
          ],
        ];
  return table(
    ['budgets', 'calls', 'p50 ms', 'p99 ms', 'failed'],
    [
      ...results.map((r) => [
        r.redis ? 'shared through Redis' : 'each replica alone',
        String(r.latency.count),
        fixed(r.latency.p50Ms, 2),
        fixed(r.latency.p99Ms, 2),
        String(r.failed),
      ]),
      ...added,
    ],
  );
}

/** Start-up side by side, then what the service loaded (by package) and where its start's CPU went. */
export function startupTables(startup: StartupResult): string {
  const times = [startup.service, startup.restarted, startup.bare, startup.bareWithSdk].map((t) => [
    t.subject,
    String(t.startsMs.length),
    fixed(t.medianMs, 0),
    fixed(Math.min(...t.startsMs), 0),
    fixed(Math.max(...t.startsMs), 0),
  ]);
  const packages = startup.loadedPackages.slice(0, 15).map((p) => [p.name, String(p.modules), String(p.kib)]);
  const shares = (rows: ReadonlyArray<TimeShare>): ReadonlyArray<ReadonlyArray<string>> =>
    rows.map((row) => [row.name, String(row.ms), `${row.percent.toFixed(1)} %`]);
  return [
    table(['start-up to health SERVING', 'starts', 'median ms', 'min ms', 'max ms'], times),
    '',
    table(['package loaded by the service (by source size)', 'modules', 'KiB'], packages),
    '',
    `the service's start under --cpu-prof: ${startup.profile.busyMs} ms busy of ${startup.profile.wallMs} ms`,
    '',
    table(['where (self time)', 'ms', '% of busy'], shares(startup.profile.byCategory.slice(0, 12))),
    '',
    table(
      ['function (total time, callees included)', 'ms', '% of busy'],
      shares(startup.profile.topTotal.slice(0, 20)),
    ),
  ].join('\n');
}

export function profileTables(summary: ProfileSummary): string {
  const shares = (rows: ReadonlyArray<TimeShare>): ReadonlyArray<ReadonlyArray<string>> =>
    rows.map((row) => [row.name, String(row.ms), `${row.percent.toFixed(1)} %`]);
  return [
    `profile: ${summary.wallMs} ms of wall time, ${summary.busyMs} ms busy (not idle)`,
    '',
    table(['where (self time)', 'ms', '% of busy'], shares(summary.byCategory)),
    '',
    table(['function (self time)', 'ms', '% of busy'], shares(summary.topSelf)),
    '',
    table(['function (total time, callees included)', 'ms', '% of busy'], shares(summary.topTotal)),
  ].join('\n');
}
