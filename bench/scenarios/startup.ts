import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

import { EMULATOR_SDK_CREDENTIALS } from '../../src/emulator/sdk-credentials';
import { BENCH_REGION } from '../load/bench-sessions';
import { BARE_HEALTH_SERVER, LOADED_MODULES_REPORT_PRELOAD, SERVICE_MAIN } from '../process/dist-paths';
import { freeLoopbackPort } from '../process/free-port';
import { NodeChild } from '../process/node-child';
import { productionNodeFlags } from '../../test/support/production-node-flags';
import { decodeCpuProfile } from '../profile/cpu-profile';
import { summariseProfile, type ProfileSummary } from '../profile/summarise-profile';
import { median } from '../report/median';

export interface StartupSettings {
  /** Starts of each subject, interleaved. */
  readonly starts: number;
  readonly timeoutMs: number;
}

export interface StartupTimes {
  readonly subject: StartupSubject;
  readonly startsMs: ReadonlyArray<number>;
  readonly medianMs: number;
}

/** What one package contributed to the modules loaded by the time the service served (and stopped). */
export interface LoadedPackage {
  readonly name: string;
  readonly modules: number;
  readonly kib: number;
}

/**
 * The service as a new replica starts (no compile cache yet: a new pod), and as a restarted one (the cache its first
 * start left), beside the bare server (which keeps no cache).
 */
export type StartupSubject =
  | 'service, new replica'
  | 'service, restarted (compile cache)'
  | 'bare grpc-js server with health'
  | 'bare grpc-js server with health and the SDK client';

export interface StartupResult {
  readonly service: StartupTimes;
  readonly restarted: StartupTimes;
  readonly bare: StartupTimes;
  /** The composed floor at start-up: the bare server that first builds the floors' SDK client. */
  readonly bareWithSdk: StartupTimes;
  /** The service's start, once more under node --cpu-prof: where its busy time went until it was stopped. */
  readonly profile: ProfileSummary;
  readonly loadedPackages: ReadonlyArray<LoadedPackage>;
}

const POLL_INTERVAL_MS = 1;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

function checkHealth(client: grpc.Client): Promise<string | undefined> {
  const method = healthService.Check;
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      { service: '' },
      { deadline: Date.now() + 1000 },
      (error: grpc.ServiceError | null, response?: object) =>
        resolve(
          error === null && response !== undefined && 'status' in response && typeof response.status === 'string'
            ? response.status
            : undefined,
        ),
    );
  });
}

/**
 * Polls until the child's port accepts connections, then asks grpc.health.v1.Health/Check until it answers SERVING:
 * the same for both subjects, so the poll's own cost falls on both alike. Bounded by `timeoutMs`.
 */
async function untilServing(child: NodeChild, port: number, timeoutMs: number): Promise<void> {
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + timeoutMs;
  const stillWaiting = (): void => {
    if (exited) throw new Error(`it exited before serving; output:\n${child.recentOutput()}`);
    if (Date.now() > deadline) throw new Error(`it was not SERVING within ${timeoutMs} ms`);
  };
  while (!(await accepting(port))) {
    stillWaiting();
    await pause(POLL_INTERVAL_MS);
  }
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    while ((await checkHealth(client)) !== 'SERVING') {
      stillWaiting();
      await pause(POLL_INTERVAL_MS);
    }
  } finally {
    client.close();
  }
}

interface StartSpec {
  readonly name: string;
  readonly script: string;
  readonly args: (port: number) => ReadonlyArray<string>;
  readonly env: (port: number) => Readonly<Record<string, string>>;
  /** node's own flags before the script: the image's for the service, none for the bare servers. */
  readonly nodeFlags: ReadonlyArray<string>;
}

/**
 * The service as production starts it: the aws backend (against the emulator), access logs at info, metrics on,
 * its compile cache in `compileCache`.
 */
const serviceStart = (emulatorEndpoint: string, compileCache: string): StartSpec => ({
  name: 'service (start-up)',
  script: SERVICE_MAIN,
  args: () => [],
  nodeFlags: productionNodeFlags(),
  env: (port) => ({
    NODE_COMPILE_CACHE: compileCache,
    RECONNECT_BACKEND: 'aws',
    AWS_REGION: BENCH_REGION,
    AWS_ENDPOINT_URL_GAMELIFTSTREAMS: emulatorEndpoint,
    AWS_ACCESS_KEY_ID: EMULATOR_SDK_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_SDK_CREDENTIALS.secretAccessKey,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: String(port),
    METRICS_PORT: '0',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
  }),
});

const bareStart: StartSpec = {
  name: 'bare health server',
  script: BARE_HEALTH_SERVER,
  args: (port) => [String(port)],
  env: () => ({}),
  nodeFlags: [],
};

const bareWithSdkStart: StartSpec = {
  name: 'bare health server with the SDK client',
  script: BARE_HEALTH_SERVER,
  args: (port) => [String(port), 'with-sdk-client'],
  env: () => ({}),
  nodeFlags: [],
};

/** One start, from spawning the process to its first SERVING answer, in ms; the process is stopped after. */
async function timeOneStart(
  spec: StartSpec,
  settings: StartupSettings,
  extra: { readonly nodeFlags?: ReadonlyArray<string>; readonly env?: Readonly<Record<string, string>> } = {},
): Promise<number> {
  const port = await freeLoopbackPort();
  const startedAt = performance.now();
  const child = NodeChild.start({
    name: spec.name,
    script: spec.script,
    args: spec.args(port),
    env: { ...spec.env(port), ...extra.env },
    nodeFlags: [...spec.nodeFlags, ...(extra.nodeFlags ?? [])],
  });
  try {
    await untilServing(child, port, settings.timeoutMs);
    return performance.now() - startedAt;
  } finally {
    await child.stop(5000);
  }
}

/** Groups loaded files by package (node_modules/<name> or <@scope/name>), the service's own as "service: dist". */
function byPackage(files: ReadonlyArray<{ readonly file: string; readonly bytes: number }>): LoadedPackage[] {
  const packages = new Map<string, { modules: number; bytes: number }>();
  for (const { file, bytes } of files) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
    const name = match?.[1] ?? 'service (dist/)';
    const entry = packages.get(name) ?? { modules: 0, bytes: 0 };
    entry.modules += 1;
    entry.bytes += bytes;
    packages.set(name, entry);
  }
  return [...packages]
    .map(([name, { modules, bytes }]) => ({ name, modules, kib: Math.round(bytes / 1024) }))
    .sort((a, b) => b.kib - a.kib);
}

async function loadedPackages(start: StartSpec, settings: StartupSettings): Promise<LoadedPackage[]> {
  const folder = await mkdtemp(join(tmpdir(), 'startup-modules-'));
  try {
    const report = join(folder, 'modules.txt');
    await timeOneStart(start, settings, {
      nodeFlags: ['--require', LOADED_MODULES_REPORT_PRELOAD],
      env: { LOADED_MODULES_REPORT: report },
    });
    const files = (await readFile(report, 'utf8')).split('\n').filter((file) => file.endsWith('.js'));
    const sized = await Promise.all(files.map(async (file) => ({ file, bytes: (await stat(file)).size })));
    return byPackage(sized);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

async function profiledStart(start: StartSpec, settings: StartupSettings): Promise<ProfileSummary> {
  const directory = await mkdtemp(join(tmpdir(), 'startup-profile-'));
  try {
    await mkdir(directory, { recursive: true });
    await timeOneStart(start, settings, {
      nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${directory}`],
    });
    const [name] = (await readdir(directory)).filter((file) => file.endsWith('.cpuprofile'));
    if (name === undefined) throw new Error('the profiled start wrote no CPU profile');
    return summariseProfile(decodeCpuProfile(await readFile(join(directory, name), 'utf8')));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/**
 * Start-up, side by side: the service (aws backend) as a new replica (an empty compile cache each time) and as a
 * restarted one (a cache its earlier starts filled), a bare grpc-js server with health, and the same server after it
 * built the floors' SDK client (the composed floor at start-up), each started
 * `settings.starts` times in rotation, timed from spawn to the first SERVING answer. Then one more new-replica start
 * of the service under --cpu-prof, and one that reports the modules it loaded.
 */
export async function runStartup(emulatorEndpoint: string, settings: StartupSettings): Promise<StartupResult> {
  const caches = await mkdtemp(join(tmpdir(), 'startup-compile-cache-'));
  try {
    const kept = join(caches, 'kept');
    let fresh = 0;
    const newReplica = (): StartSpec => {
      fresh += 1;
      return serviceStart(emulatorEndpoint, join(caches, `fresh-${fresh}`));
    };
    const starts: Record<StartupSubject, number[]> = {
      'service, new replica': [],
      'service, restarted (compile cache)': [],
      'bare grpc-js server with health': [],
      'bare grpc-js server with health and the SDK client': [],
    };
    const specOf = (subject: StartupSubject): StartSpec => {
      switch (subject) {
        case 'service, new replica':
          return newReplica();
        case 'service, restarted (compile cache)':
          return serviceStart(emulatorEndpoint, kept);
        case 'bare grpc-js server with health':
          return bareStart;
        case 'bare grpc-js server with health and the SDK client':
          return bareWithSdkStart;
      }
    };
    const subjects: ReadonlyArray<StartupSubject> = [
      'service, new replica',
      'service, restarted (compile cache)',
      'bare grpc-js server with health',
      'bare grpc-js server with health and the SDK client',
    ];
    // One of each first, unmeasured: the first start after a build reads every file from disk, and fills the cache.
    for (const subject of subjects) await timeOneStart(specOf(subject), settings);
    for (let start = 0; start < settings.starts; start += 1) {
      const shift = start % subjects.length;
      for (const subject of [...subjects.slice(shift), ...subjects.slice(0, shift)]) {
        starts[subject].push(await timeOneStart(specOf(subject), settings));
      }
    }
    const timesOf = (subject: StartupSubject): StartupTimes => ({
      subject,
      startsMs: starts[subject],
      medianMs: median(starts[subject]),
    });
    return {
      service: timesOf('service, new replica'),
      restarted: timesOf('service, restarted (compile cache)'),
      bare: timesOf('bare grpc-js server with health'),
      bareWithSdk: timesOf('bare grpc-js server with health and the SDK client'),
      profile: await profiledStart(newReplica(), settings),
      loadedPackages: await loadedPackages(newReplica(), settings),
    };
  } finally {
    await rm(caches, { recursive: true, force: true });
  }
}
