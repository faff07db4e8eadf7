import { deploymentMemoryLimitMiB } from '../test/support/deployment-memory-limit';
import type { FloorHttpHandler } from './children/floor-b-protocol';
import type { FleetStormSettings } from './scenarios/fleet-storm';
import type { PodSettings } from './scenarios/pod';
import type { SoakSettings } from './scenarios/soak';
import type { StartupSettings } from './scenarios/startup';
import type { StormSettings } from './scenarios/storm';
import type { ThroughputSettings } from './scenarios/throughput';
import type { WatchLatencySettings } from './scenarios/watch-latency';
import type { PhaseSettings } from './subjects/measured-phase';

export const SCENARIOS = [
  'throughput',
  'coalescing',
  'soak',
  'startup',
  'storm',
  'fleet-storm',
  'watch-latency',
  'pod',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface RunSettings {
  readonly throughput: ThroughputSettings;
  /** The service and the composed floor, each in a memory cgroup of the Deployment's limit, as in a pod. */
  readonly pod: PodSettings;
  readonly coalescingRequests: number;
  /** Undefined: no soak (the default run); the 200k-call soak takes minutes. */
  readonly soak: SoakSettings | undefined;
  readonly startup: StartupSettings;
  readonly storm: StormSettings;
  /** Three replicas sharing AWS's real quota, with and without Redis, with and without user_id. */
  readonly fleetStorm: FleetStormSettings;
  /** WatchStreamSessions across three replicas sharing Redis: how soon each drop reaches every subscriber. */
  readonly watchLatency: WatchLatencySettings;
  readonly profile: PhaseSettings;
  /** The floors' SDK HTTP handler (floor B and the composed floor): the SDK's default unless asked otherwise. */
  readonly floorHttpHandler: FloorHttpHandler;
}

/**
 * The closed loops at 1, 16 and 64 calls in flight, where every subject runs as fast as the 2 cores let it (so
 * each at its own throughput); and paced loads that every subject sustains, where all run at the same throughput:
 * AWS's 20 calls/s (the rate one budget admits) and 200 calls/s, each with up to 16 in flight (latency is then what
 * a call costs, not how long it queued) and, with --full, 500 calls/s with up to 64 in flight (CPU per call
 * compared at equal throughput, nearer the limit here).
 */
const LEVELS = [
  { concurrency: 1 },
  { concurrency: 16 },
  { concurrency: 64 },
  { concurrency: 16, ratePerSecond: 20 },
  { concurrency: 16, ratePerSecond: 200 },
] as const;
const FULL_LEVELS = [...LEVELS, { concurrency: 64, ratePerSecond: 500 }] as const;

/** The levels of the pod scenario: the CPU targets' loads, and c=64 where the peak RSS is reached. */
const POD_LEVELS = [
  { concurrency: 1 },
  { concurrency: 16 },
  { concurrency: 64 },
  { concurrency: 16, ratePerSecond: 200 },
] as const;

/** How long and how often each subject is measured, the same in the throughput and pod scenarios. */
function roundsOf(full: boolean): Omit<ThroughputSettings, 'levels'> {
  return {
    rounds: full ? 5 : 3,
    initialWarmupMs: full ? 10_000 : 8000,
    idleMs: full ? 20_000 : 10_000,
    warmupMs: full ? 1000 : 500,
    warmupRequests: 5_000,
    measureMs: full ? 5000 : 1500,
    minPacedCalls: full ? 500 : 200,
    maxRequests: 200_000,
  };
}

export function runSettings(full: boolean, floorHttpHandler: FloorHttpHandler = 'node'): RunSettings {
  return {
    throughput: { levels: full ? FULL_LEVELS : LEVELS, ...roundsOf(full) },
    pod: {
      // The Deployment's container limit: Node sizes V8's heap from it in production.
      memoryLimitMiB: deploymentMemoryLimitMiB(),
      levels: POD_LEVELS,
      ...roundsOf(full),
    },
    coalescingRequests: 100,
    soak: full
      ? {
          concurrency: 16,
          requests: 200_000,
          baselineMark: 20_000,
          sampleEvery: 2_000,
          markWindow: 10_000,
          maxDurationMs: 15 * 60_000,
        }
      : undefined,
    startup: { starts: 10, timeoutMs: 30_000 },
    storm: full
      ? { sessions: 1000, ratePerSecond: 20, deadlineMs: 120_000 }
      : { sessions: 200, ratePerSecond: 100, deadlineMs: 20_000 },
    fleetStorm: {
      replicas: 3,
      sessions: full ? 1000 : 200,
      ratePerSecond: 20,
      deadlineMs: full ? 120_000 : 60_000,
      admittedCalls: full ? 1000 : 300,
      warmUpCallsPerReplica: full ? 2000 : 500,
    },
    watchLatency: {
      replicas: 3,
      sessions: full ? 1000 : 200,
      dropsPerSecond: 20,
      ratePerSecond: 20,
      listRatePerSecond: 5,
      pollIntervalMs: 1000,
      settleMs: 15_000,
    },
    profile: { concurrency: 16, warmupMs: 2000, warmupRequests: 10_000, measureMs: 15_000, maxRequests: 200_000 },
    floorHttpHandler,
  };
}

export const maxConcurrency = (settings: RunSettings): number =>
  Math.max(
    ...settings.throughput.levels.map((level) => level.concurrency),
    ...settings.pod.levels.map((level) => level.concurrency),
    settings.soak?.concurrency ?? 1,
    settings.profile.concurrency,
  );
