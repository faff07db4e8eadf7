import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import * as E from 'fp-ts/Either';

import type { ReconnectStreamSessionRequest } from '../src/gen/reconnect/v1/reconnect';
import { FloorHttpHandler } from './children/floor-b-protocol';
import { prepareSessions, unthrottleEmulator } from './load/bench-sessions';
import { signalRequestFor } from './load/workload';
import { RESULTS_DIRECTORY } from './process/dist-paths';
import { clockTicksPerSecond } from './process/proc-usage';
import { startEmulatorProcess, type EmulatorProcess } from './process/emulator-process';
import { describeMachine, machineLine } from './report/machine';
import {
  admittedCallTable,
  coalescingLine,
  composedFloorTable,
  cpuRatioTable,
  fleetStormTable,
  idleTable,
  podTables,
  profileTables,
  startupTables,
  soakTable,
  stormTable,
  targetsTable,
  throughputTable,
  watchLatencyTable,
} from './report/tables';
import { evaluateTargets } from './report/targets';
import { RedisServer } from '../test/support/redis-server';
import { runCoalescing, type CoalescingResult } from './scenarios/coalescing';
import {
  runAdmittedCalls,
  runFleetStorm,
  type AdmittedCallResult,
  type FleetStormResult,
  type FleetStormSettings,
} from './scenarios/fleet-storm';
import { runPod, type PodResult } from './scenarios/pod';
import { runProfile } from './scenarios/profile-run';
import { runSoak, type SoakResult } from './scenarios/soak';
import { runStartup, type StartupResult } from './scenarios/startup';
import { runStorm, type StormResult } from './scenarios/storm';
import { levelLabel, runThroughput, type ThroughputResult } from './scenarios/throughput';
import { runWatchLatency, type WatchLatencyResult, type WatchLatencySettings } from './scenarios/watch-latency';
import { maxConcurrency, runSettings, SCENARIOS, type RunSettings, type ScenarioName } from './settings';
import { startComposedFloor, startFloorA } from './subjects/floor-servers';
import { startFloorB } from './subjects/floor-b';
import type { MeasuredSubject } from './subjects/measured-phase';
import { startService } from './subjects/service';

const SERVICE_GROUP = 'sg-benchService1';
const FLOOR_B_GROUP = 'sg-benchFloorB01';

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** Every session slot of the service group, and the service's (and floor A's) request for a slot: offers never repeat. */
function serviceRequests(sessionIds: ReadonlyArray<string>): (slot: number) => ReconnectStreamSessionRequest {
  let sequence = 0;
  return (slot) => {
    sequence += 1;
    return {
      streamGroupIdentifier: SERVICE_GROUP,
      streamSessionIdentifier: sessionIds[slot] ?? 'no-session-for-this-slot',
      signalRequest: signalRequestFor('service', slot, sequence),
      // No client token: the service derives one, as it does for most callers.
      clientToken: undefined,
      userId: undefined,
    };
  };
}

interface Results {
  throughput?: ThroughputResult;
  pod?: PodResult;
  coalescing?: CoalescingResult;
  soak?: SoakResult;
  startup?: StartupResult;
  storm?: ReadonlyArray<StormResult>;
  fleetStorm?: ReadonlyArray<FleetStormResult>;
  admittedCalls?: ReadonlyArray<AdmittedCallResult>;
  watchLatency?: WatchLatencyResult;
}

/** A second service measured beside this build's: another build, other Node flags, or both. */
interface Baseline {
  readonly main: string | undefined;
  readonly nodeFlags: ReadonlyArray<string>;
}

async function stopAll(subjects: ReadonlyArray<MeasuredSubject>): Promise<void> {
  await Promise.all(subjects.map((subject) => subject.stop()));
}

/** Throughput, coalescing and soak share one emulator process; each subject is its own process. */
async function runAgainstEmulator(
  emulator: EmulatorProcess,
  settings: RunSettings,
  selected: ReadonlySet<ScenarioName>,
  results: Results,
  baseline: Baseline | undefined,
): Promise<void> {
  const slots = maxConcurrency(settings);
  await unthrottleEmulator(emulator.control);
  // One spare session beyond the slots, for the coalescing scenario.
  const serviceSessions = await prepareSessions(emulator.control, emulator.endpoint, SERVICE_GROUP, slots + 1);
  const coalescingSession = serviceSessions[slots] ?? '';
  const requestFor = serviceRequests(serviceSessions.slice(0, slots));
  if (selected.has('throughput') || selected.has('coalescing')) {
    const subjects: MeasuredSubject[] = [];
    try {
      const service = await startService(
        { emulatorEndpoint: emulator.endpoint, upstreamMaxSockets: slots },
        requestFor,
      );
      subjects.push(service);
      if (selected.has('throughput')) {
        const floorBSessions = await prepareSessions(emulator.control, emulator.endpoint, FLOOR_B_GROUP, slots);
        const floorA = await startFloorA(requestFor);
        subjects.push(floorA);
        const floorB = await startFloorB({
          endpoint: emulator.endpoint,
          groupId: FLOOR_B_GROUP,
          sessionIds: [...floorBSessions],
          maxSockets: slots,
          httpHandler: settings.floorHttpHandler,
        });
        subjects.push(floorB);
        const { throughput } = settings;
        log(
          `throughput: ${throughput.levels.map(levelLabel).join(', ')}; ${throughput.rounds} rounds of ${throughput.measureMs / 1000} s per subject ` +
            `(after ${throughput.initialWarmupMs / 1000} s of warm-up per subject, and ${throughput.warmupMs / 1000} s before each phase); ` +
            `the floors' SDK HTTP handler: ${settings.floorHttpHandler}`,
        );
        const composed = await startComposedFloor(
          { endpoint: emulator.endpoint, maxSockets: slots, httpHandler: settings.floorHttpHandler },
          requestFor,
        );
        subjects.push(composed);
        const measured: MeasuredSubject[] = [floorA, floorB, composed, service];
        if (baseline !== undefined) {
          const before = await startService(
            {
              emulatorEndpoint: emulator.endpoint,
              upstreamMaxSockets: slots,
              main: baseline.main,
              nodeFlags: baseline.nodeFlags,
              baseline: true,
            },
            requestFor,
          );
          subjects.push(before);
          measured.push(before);
        }
        results.throughput = await runThroughput(measured, throughput, log);
      }
      if (selected.has('coalescing')) {
        results.coalescing = await runCoalescing(
          emulator.control,
          service.caller,
          { groupId: SERVICE_GROUP, sessionId: coalescingSession },
          settings.coalescingRequests,
        );
        log(coalescingLine(results.coalescing));
      }
    } finally {
      await stopAll(subjects);
    }
  }
  if (selected.has('pod')) {
    const { pod } = settings;
    log(
      `pod: the service and the composed floor, each in a memory cgroup of the Deployment's ${pod.memoryLimitMiB} MiB limit; ` +
        `${pod.levels.map(levelLabel).join(', ')}; ${pod.rounds} rounds of ${pod.measureMs / 1000} s per subject`,
    );
    results.pod = await runPod(
      pod,
      async (placement) => {
        const service = await startService(
          { emulatorEndpoint: emulator.endpoint, upstreamMaxSockets: slots, cgroupProcsFile: placement.service },
          requestFor,
        );
        try {
          const composed = await startComposedFloor(
            { endpoint: emulator.endpoint, maxSockets: slots, httpHandler: settings.floorHttpHandler },
            requestFor,
            { cgroupProcsFile: placement.composed },
          );
          return [composed, service];
        } catch (error) {
          await service.stop();
          throw error;
        }
      },
      log,
    );
    if (results.pod._tag === 'Unavailable') log(`pod: not run: ${results.pod.why}`);
  }
  if (selected.has('soak') && settings.soak !== undefined) {
    const soakSettings = settings.soak;
    log(`soak: ${soakSettings.requests} calls at concurrency ${soakSettings.concurrency} against a fresh service`);
    const service = await startService({ emulatorEndpoint: emulator.endpoint, upstreamMaxSockets: slots }, requestFor);
    try {
      results.soak = await runSoak(service, requestFor, soakSettings);
    } finally {
      await service.stop();
    }
  }
  if (selected.has('startup')) {
    const { starts } = settings.startup;
    log(`start-up: the service and a bare grpc-js server with health, ${starts} starts each, alternating`);
    results.startup = await runStartup(emulator.endpoint, settings.startup);
  }
}

/** Every fleet storm side by side (with Redis and without, with user_id and without), then the admitted call. */
async function runFleetStorms(settings: FleetStormSettings, results: Results): Promise<void> {
  log(
    `fleet storm: ${settings.replicas} replicas, ${settings.sessions} sessions at ${settings.ratePerSecond}/s, ` +
      `deadlines ${settings.deadlineMs / 1000} s; then ${settings.admittedCalls} calls one at a time`,
  );
  const redis = await RedisServer.start();
  try {
    const storms: FleetStormResult[] = [];
    for (const withUserId of [false, true]) {
      for (const shared of [redis, undefined]) {
        storms.push(await runFleetStorm(settings, shared, withUserId));
      }
    }
    results.fleetStorm = storms;
    results.admittedCalls = await runAdmittedCalls(settings, redis);
  } finally {
    await redis.stop();
  }
}

async function runWatchLatencyScenario(settings: WatchLatencySettings, results: Results): Promise<void> {
  log(
    `watch latency: ${settings.replicas} replicas sharing Redis, ${settings.sessions} sessions dropping at ` +
      `${settings.dropsPerSecond}/s, polled every ${settings.pollIntervalMs} ms`,
  );
  const redis = await RedisServer.start();
  try {
    results.watchLatency = await runWatchLatency(settings, redis);
  } finally {
    await redis.stop();
  }
}

/** What --profile can profile: the service, or the composed floor to read the service's profile against. */
const PROFILE_SUBJECTS = ['service', 'composed'] as const;
type ProfileSubject = (typeof PROFILE_SUBJECTS)[number];

function profileSubjectOf(value: string | undefined): ProfileSubject {
  const subject = PROFILE_SUBJECTS.find((known) => known === (value ?? 'service'));
  if (subject === undefined) throw new Error(`--subject must be one of ${PROFILE_SUBJECTS.join(', ')}`);
  return subject;
}

async function profileOnly(settings: RunSettings, subject: ProfileSubject): Promise<void> {
  const emulator = await startEmulatorProcess();
  try {
    await unthrottleEmulator(emulator.control);
    const slots = settings.profile.concurrency;
    const sessions = await prepareSessions(emulator.control, emulator.endpoint, SERVICE_GROUP, slots);
    const requestFor = serviceRequests(sessions);
    const start = (nodeFlags: ReadonlyArray<string>): Promise<MeasuredSubject> =>
      subject === 'service'
        ? startService({ emulatorEndpoint: emulator.endpoint, upstreamMaxSockets: slots, nodeFlags }, requestFor)
        : startComposedFloor(
            { endpoint: emulator.endpoint, maxSockets: slots, httpHandler: settings.floorHttpHandler },
            requestFor,
            { nodeFlags },
          );
    const pace = settings.profile.ratePerSecond === undefined ? '' : ` paced at ${settings.profile.ratePerSecond}/s`;
    log(
      `profile: the ${subject === 'service' ? 'service' : 'composed floor'} under node --cpu-prof at concurrency ${slots}${pace} for ${settings.profile.measureMs / 1000} s`,
    );
    const profiled = await runProfile(start, settings.profile, join(RESULTS_DIRECTORY, 'profiles'));
    log(
      `profiled phase: ${profiled.phase.requestsPerSecond.toFixed(0)} req/s, ${profiled.phase.cpuMicrosPerRequest.toFixed(0)} µs CPU/req ` +
        `(with the profiler's own cost), ${profiled.phase.failed} failed; profile: ${profiled.profileFile}`,
    );
    log(profileTables(profiled.summary));
    await mkdir(RESULTS_DIRECTORY, { recursive: true });
    const file = join(RESULTS_DIRECTORY, `${new Date().toISOString().replace(/[:.]/g, '-')}-profile-${subject}.json`);
    await writeFile(file, JSON.stringify({ machine: describeMachine(), subject, profile: profiled }, null, 2));
    log(`results written to ${file}`);
  } finally {
    await emulator.child.stop(5000);
  }
}

/** --floor-http-handler: the floors' SDK client on the SDK's default handler (node), or on the service's (undici). */
function floorHttpHandlerOf(value: string | undefined): FloorHttpHandler {
  const decoded = FloorHttpHandler.decode(value ?? 'node');
  if (E.isLeft(decoded))
    throw new Error(`--floor-http-handler must be one of ${Object.keys(FloorHttpHandler.keys).join(', ')}`);
  return decoded.right;
}

function selectedScenarios(only: string | undefined): ReadonlySet<ScenarioName> {
  if (only === undefined) return new Set(SCENARIOS);
  const names = only.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !SCENARIOS.some((scenario) => scenario === name));
  if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.join(', ')}`);
  return new Set(SCENARIOS.filter((scenario) => names.includes(scenario)));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      full: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      only: { type: 'string' },
      baseline: { type: 'string' },
      'baseline-node-flags': { type: 'string' },
      concurrency: { type: 'string' },
      rate: { type: 'string' },
      subject: { type: 'string' },
      'floor-http-handler': { type: 'string' },
    },
  });
  const full = values.full === true;
  const settings = runSettings(full, floorHttpHandlerOf(values['floor-http-handler']));
  const machine = describeMachine();
  log(`machine: ${machineLine(machine)}; /proc clock ticks ${clockTicksPerSecond()}/s`);
  if (values.profile === true) {
    const concurrency = values.concurrency === undefined ? settings.profile.concurrency : Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1024)
      throw new Error('--concurrency must be an integer from 1 to 1024');
    const ratePerSecond = values.rate === undefined ? undefined : Number(values.rate);
    if (ratePerSecond !== undefined && !(ratePerSecond > 0 && ratePerSecond <= 100_000))
      throw new Error('--rate must be a number of calls per second up to 100000');
    const profile =
      ratePerSecond === undefined
        ? { ...settings.profile, concurrency }
        : { ...settings.profile, concurrency, ratePerSecond };
    await profileOnly({ ...settings, profile }, profileSubjectOf(values.subject));
    return;
  }
  if (values.subject !== undefined || values.rate !== undefined || values.concurrency !== undefined) {
    throw new Error('--subject, --rate and --concurrency go with --profile');
  }
  const selected = selectedScenarios(values.only);
  const baselineFlags = values['baseline-node-flags']?.split(/\s+/).filter((flag) => flag !== '') ?? [];
  const baseline: Baseline | undefined =
    values.baseline !== undefined || baselineFlags.length > 0
      ? { main: values.baseline === undefined ? undefined : resolve(values.baseline), nodeFlags: baselineFlags }
      : undefined;
  const startedAt = Date.now();
  const results: Results = {};
  if ((['throughput', 'pod', 'coalescing', 'soak', 'startup'] as const).some((name) => selected.has(name))) {
    const emulator = await startEmulatorProcess();
    try {
      await runAgainstEmulator(emulator, settings, selected, results, baseline);
    } finally {
      await emulator.child.stop(5000);
    }
  }
  if (selected.has('storm')) {
    const storm = settings.storm;
    log(`storm: ${storm.sessions} sessions at ${storm.ratePerSecond}/s, deadlines ${storm.deadlineMs / 1000} s`);
    results.storm = [await runStorm(storm, true), await runStorm(storm, false)];
  }
  if (selected.has('fleet-storm')) await runFleetStorms(settings.fleetStorm, results);
  if (selected.has('watch-latency')) await runWatchLatencyScenario(settings.watchLatency, results);
  const summaries = results.throughput?.summaries ?? [];
  const targets = evaluateTargets({
    summaries,
    coalescing: results.coalescing,
    pod: results.pod,
    soak: results.soak,
    startup: results.startup,
    fleetStorm: results.fleetStorm,
    watchLatency: results.watchLatency,
  });
  log('');
  if (summaries.length > 0)
    log(
      `${throughputTable(summaries)}\n\n${cpuRatioTable(summaries)}\n\n${composedFloorTable(summaries)}\n\n${idleTable(results.throughput?.idle ?? [])}\n`,
    );
  if (results.pod?._tag === 'Measured') log(`${podTables(results.pod)}\n`);
  if (results.soak !== undefined) log(`${soakTable(results.soak)}\n`);
  if (results.startup !== undefined) log(`${startupTables(results.startup)}\n`);
  if (results.storm !== undefined) log(`${stormTable(results.storm)}\n`);
  if (results.fleetStorm !== undefined) log(`${fleetStormTable(results.fleetStorm)}\n`);
  if (results.admittedCalls !== undefined) log(`${admittedCallTable(results.admittedCalls)}\n`);
  if (results.watchLatency !== undefined) log(`${watchLatencyTable(results.watchLatency)}\n`);
  log(`${targetsTable(targets)}\n`);
  const elapsedSeconds = Math.round((Date.now() - startedAt) / 1000);
  await mkdir(RESULTS_DIRECTORY, { recursive: true });
  const file = join(RESULTS_DIRECTORY, `${new Date().toISOString().replace(/[:.]/g, '-')}${full ? '-full' : ''}.json`);
  await writeFile(
    file,
    JSON.stringify(
      {
        machine,
        full,
        elapsedSeconds,
        settings,
        targets,
        ...results,
        storm: results.storm && { settings: settings.storm, results: results.storm },
      },
      null,
      2,
    ),
  );
  log(`run took ${elapsedSeconds} s; results written to ${file}`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
