/**
 * The production install, tested: what the image would hold, run as the image would run it. Not a mocha suite: it
 * needs the npm registry (npm ci in clean folders), root (to run the service as another user) and a few minutes, so
 * CI runs it on its own, on Node 24: `npm run test:production-install` (see docs/deploy.md).
 *
 * 1. Assembles the Dockerfile's last stage in a temporary folder (image-assembly.ts): the build stage builds from the
 *    files the Dockerfile copies, the dependency stage runs `npm ci --omit=dev`, the last stage copies what it names.
 * 2. Checks that no devDependency is in it, and that its node_modules is exactly the lockfile's production closure.
 * 3. Starts a standalone emulator, makes a CA, a server certificate and a callers file (a fresh token, stored as its
 *    SHA-256) with openssl and node:crypto, then starts the service from the assembled tree with the image's ENV, the
 *    aws backend pointed at the emulator (AWS_ENDPOINT_URL_GAMELIFTSTREAMS, fake keys), TLS and the callers file,
 *    as the image's USER (setpriv, when run as root) on a tree that user cannot write.
 * 4. Health SERVING on the health port; a call without a token refused; one reconnect through TLS with the token
 *    answered by the emulator; its metrics; then SIGTERM while a reconnect is in flight: health NOT_SERVING, the call
 *    finishes, the process exits 0.
 * 5. Nothing was written: the tree is unchanged, and (as root) no file anywhere is owned by the service's user but in
 *    its temporary folder; no secret in its output.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { chmod, chown, copyFile, lstat, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { GameLiftStreamsClient } from '@aws-sdk/client-gameliftstreams';
import * as grpc from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';

import { bearerMetadata, ReconnectClient } from '../../src/client/reconnect-client';
import { EmulatorControl } from '../../src/emulator/control-client';
import { emulatorSignalResponse } from '../../src/emulator/signal-answer';
import { RECONNECT_SERVICE_NAME } from '../../src/transport/grpc-server';
import { callersFileJson, randomToken } from '../support/callers-fixture';
import { ConditionWaiters } from '../support/condition-waiters';
import { startDisconnectedSession } from '../support/disconnected-sessions';
import { HealthClient } from '../support/health-client';
import { TestPki } from '../support/test-pki';
import { readDockerfile, REPOSITORY_ROOT } from './dockerfile';
import { assembleImage, type AssembledImage } from './image-assembly';

const run = promisify(execFile);

const GROUP_ID = 'sg-prodinst01';
const REGION = 'us-west-2';
/** Bounds every wait on the processes this starts: nothing here should take a fraction of it. */
const WAIT_MS = 60_000;

let passed = 0;
function ok(what: string): void {
  passed += 1;
  process.stdout.write(`ok ${passed} - ${what}\n`);
}

function check(condition: boolean, what: string, detail = ''): void {
  if (!condition) throw new Error(`${what}${detail === '' ? '' : `\n${detail}`}`);
  ok(what);
}

/** Resolves with `promise`, or rejects naming `what` once `ms` have passed. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

type LogEntry = Readonly<Record<string, unknown>>;

const isLogEntry = (value: unknown): value is LogEntry =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A child process whose stdout is JSON lines (pino), kept with its stderr and its exit. */
class Child {
  readonly entries: LogEntry[] = [];
  stdout = '';
  stderr = '';
  exit: { readonly code: number | null; readonly signal: NodeJS.Signals | null } | undefined;
  private pending = '';
  private readonly waiters = new ConditionWaiters();

  constructor(readonly process: ChildProcess) {
    process.stdout?.setEncoding('utf8');
    process.stdout?.on('data', (chunk: string) => {
      this.stdout += chunk;
      const lines = `${this.pending}${chunk}`.split('\n');
      this.pending = lines.pop() ?? '';
      for (const line of lines) this.record(line);
      this.waiters.changed();
    });
    process.stderr?.setEncoding('utf8');
    process.stderr?.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    // A program that cannot be started (ENOENT) ends the same way: as an exit, not an unhandled error.
    process.on('error', (error) => {
      this.stderr += `${error.message}\n`;
      this.exit ??= { code: null, signal: null };
      this.waiters.changed();
    });
    process.on('close', (code, signal) => {
      this.record(this.pending);
      this.exit = { code, signal };
      this.waiters.changed();
    });
  }

  /** The first entry matching, within the wait; fails at once if the process exits without it. */
  async logged(what: string, matches: (entry: LogEntry) => boolean): Promise<LogEntry> {
    await within(
      WAIT_MS,
      what,
      this.waiters.until(() => this.entries.some(matches) || this.exit !== undefined),
    );
    const found = this.entries.find(matches);
    if (found === undefined) {
      throw new Error(`exited (${JSON.stringify(this.exit)}) before ${what}\n${this.stdout}\n${this.stderr}`);
    }
    return found;
  }

  async exited(): Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }> {
    await within(
      WAIT_MS,
      'the process to exit',
      this.waiters.until(() => this.exit !== undefined),
    );
    return this.exit ?? { code: null, signal: null };
  }

  messages(): ReadonlyArray<string> {
    return this.entries.map((entry) => (typeof entry.msg === 'string' ? entry.msg : ''));
  }

  kill(): void {
    if (this.exit === undefined) this.process.kill('SIGKILL');
  }

  private record(line: string): void {
    if (line.trim() === '') return;
    try {
      const parsed: unknown = JSON.parse(line);
      this.entries.push(isLogEntry(parsed) ? parsed : { msg: line });
    } catch {
      this.entries.push({ msg: line });
    }
  }
}

const children: Child[] = [];
/** Folders to remove however the run ends (a signal included). */
const temporary: string[] = [];

/** Ends every child still running and removes the temporary folders (their write bits restored first). */
function cleanUp(): void {
  for (const child of children) child.kill();
  for (const folder of temporary.splice(0)) {
    try {
      execFileSync('chmod', ['-R', 'u+w', folder], { stdio: 'ignore' });
    } catch {
      // A folder already gone, or one never made read-only: removing it is what matters.
    }
    rmSync(folder, { recursive: true, force: true });
  }
}
function started(child: ChildProcess): Child {
  const wrapped = new Child(child);
  children.push(wrapped);
  return wrapped;
}

/** One file's state, to tell whether anything changed it. */
async function snapshot(root: string): Promise<ReadonlyMap<string, string>> {
  const states = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir)) {
      const file = path.join(dir, entry);
      const info = await lstat(file);
      states.set(file, `${info.mode}:${info.uid}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`);
      if (info.isDirectory()) await walk(file);
    }
  };
  await walk(root);
  return states;
}

function differences(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): ReadonlyArray<string> {
  const changed: string[] = [];
  for (const [file, state] of after) if (before.get(file) !== state) changed.push(file);
  for (const file of before.keys()) if (!after.has(file)) changed.push(`${file} (removed)`);
  return changed;
}

/** Every file on the machine owned by `uid` (proc, sys and dev left out; /dev/shm looked at too). */
async function ownedBy(uid: number): Promise<ReadonlySet<string>> {
  const find = async (args: ReadonlyArray<string>): Promise<ReadonlyArray<string>> => {
    try {
      const { stdout } = await run('find', [...args], { maxBuffer: 64 * 1024 * 1024, timeout: 10 * 60_000 });
      return stdout.split('\n').filter((line) => line !== '');
    } catch (error: unknown) {
      // find exits 1 when some directory was unreadable (a FUSE mount, a vanished temp folder); what it printed stands.
      const stdout = typeof error === 'object' && error !== null && 'stdout' in error ? String(error.stdout) : '';
      return stdout.split('\n').filter((line) => line !== '');
    }
  };
  const prune = ['(', '-path', '/proc', '-o', '-path', '/sys', '-o', '-path', '/dev', ')', '-prune', '-o'];
  const found = [
    ...(await find(['/', '-xdev', ...prune, '-uid', String(uid), '-print'])),
    ...(existsSync('/dev/shm') ? await find(['/dev/shm', '-xdev', '-uid', String(uid), '-print']) : []),
  ];
  return new Set(found);
}

interface LockEntry {
  readonly dev?: boolean;
  readonly optional?: boolean;
}

function isLockEntry(value: unknown): value is LockEntry {
  return typeof value === 'object' && value !== null;
}

/** Every package folder under node_modules, as the lockfile names them (`node_modules/a/node_modules/b`). */
async function installedPackages(app: string): Promise<ReadonlyArray<string>> {
  const found: string[] = [];
  const visit = async (modules: string): Promise<void> => {
    if (!existsSync(path.join(app, modules))) return;
    for (const entry of await readdir(path.join(app, modules))) {
      if (entry.startsWith('.')) continue;
      const names = entry.startsWith('@')
        ? (await readdir(path.join(app, modules, entry))).map((inner) => `${entry}/${inner}`)
        : [entry];
      for (const name of names) {
        const folder = path.posix.join(modules, name);
        found.push(folder);
        await visit(path.posix.join(folder, 'node_modules'));
      }
    }
  };
  await visit('node_modules');
  return found;
}

async function checkProductionDependencies(image: AssembledImage): Promise<void> {
  const manifest: unknown = JSON.parse(await readFile(path.join(REPOSITORY_ROOT, 'package.json'), 'utf8'));
  const lock: unknown = JSON.parse(await readFile(path.join(REPOSITORY_ROOT, 'package-lock.json'), 'utf8'));
  const devDependencies =
    typeof manifest === 'object' && manifest !== null && 'devDependencies' in manifest
      ? Object.keys(manifest.devDependencies ?? {})
      : [];
  const packages =
    typeof lock === 'object' && lock !== null && 'packages' in lock && typeof lock.packages === 'object'
      ? Object.entries(lock.packages ?? {})
      : [];
  check(devDependencies.length > 0 && packages.length > 0, 'package.json and package-lock.json are read');
  const production = new Set(
    packages.flatMap(([folder, entry]) => (folder !== '' && isLockEntry(entry) && entry.dev !== true ? [folder] : [])),
  );
  // A devDependency may be there only where a production dependency needs it too (the SDK needs @smithy/types):
  // then the lockfile does not mark it dev, and it is not ours to leave out.
  const present = devDependencies.filter((name) => existsSync(path.join(image.workdir, 'node_modules', name)));
  const ours = present.filter((name) => !production.has(`node_modules/${name}`));
  check(
    ours.length === 0,
    `no devDependency is installed for its own sake (${present.length === 0 ? 'none at all' : `only ${present.join(', ')}, which production dependencies need`})`,
    ours.join(', '),
  );
  const devOnly = new Set(
    packages.flatMap(([folder, entry]) => (folder !== '' && isLockEntry(entry) && entry.dev === true ? [folder] : [])),
  );
  const installed = await installedPackages(image.workdir);
  const foreign = installed.filter((folder) => !production.has(folder));
  check(
    foreign.length === 0 && installed.some((folder) => folder === 'node_modules/@grpc/grpc-js'),
    `node_modules holds the lockfile's production closure only (${installed.length} packages, none of the ${devOnly.size} dev-only)`,
    foreign.join('\n'),
  );
}

interface ServiceUser {
  readonly uid: number;
  readonly gid: number;
  /** The command prefix that runs a program as this user (setpriv), empty when running as oneself. */
  readonly prefix: ReadonlyArray<string>;
  /** Whether the ownership scan can tell this user's files from everyone else's. */
  readonly distinct: boolean;
}

/** util-linux's setpriv, by its full path: the service's PATH holds only the image's Node. */
function setpriv(): string {
  const found = (process.env.PATH ?? '/usr/bin:/bin')
    .split(':')
    .map((dir) => path.join(dir, 'setpriv'))
    .find((candidate) => existsSync(candidate));
  if (found === undefined) throw new Error('setpriv (util-linux) is not on PATH: it runs the service as its own user');
  return found;
}

function serviceUser(spec: string): ServiceUser {
  const [uidText = '', gidText = uidText] = spec.split(':');
  const uid = Number.parseInt(uidText, 10);
  const gid = Number.parseInt(gidText, 10);
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid === 0) {
    throw new Error(`the image's USER ${spec} is not a numeric non-root uid:gid`);
  }
  if (process.getuid?.() === 0) {
    return {
      uid,
      gid,
      prefix: [setpriv(), `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--no-new-privs', '--inh-caps=-all'],
      distinct: true,
    };
  }
  // Not root: run as oneself, on a tree whose write bits are removed (which binds an unprivileged owner too).
  return { uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1, prefix: [], distinct: false };
}

async function makeReadOnly(root: string): Promise<void> {
  await run('chmod', ['-R', 'a-w', root]);
}

/** As the service's user: try to create a file; resolves to whether that worked. */
async function canWrite(user: ServiceUser, node: string, file: string): Promise<boolean> {
  const argv = [...user.prefix, node, '-e', 'require("node:fs").writeFileSync(process.argv[1], "x")', file];
  const [program = '', ...args] = argv;
  try {
    await run(program, args, { timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

function metricsText(port: number): Promise<{ readonly status: number; readonly body: string }> {
  return new Promise((resolve, reject) => {
    const request = get({ host: '127.0.0.1', port, path: '/metrics', timeout: 10_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error('GET /metrics timed out')));
    request.on('error', reject);
  });
}

const isServingLine = (entry: LogEntry): boolean =>
  typeof entry.msg === 'string' && entry.msg.includes('serving gRPC') && typeof entry.grpcPort === 'number';

const portIn = (entry: LogEntry, field: string): number => {
  const value = entry[field];
  if (typeof value !== 'number') throw new Error(`the serving line names no ${field}: ${JSON.stringify(entry)}`);
  return value;
};

async function startEmulator(): Promise<{ readonly endpoint: string }> {
  const emulator = started(
    spawn(process.execPath, [path.join(REPOSITORY_ROOT, 'dist', 'src', 'emulator', 'main.js')], {
      env: { PATH: process.env.PATH, EMULATOR_HOST: '127.0.0.1', EMULATOR_PORT: '0', EMULATOR_REGION: REGION },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const listening = await emulator.logged('the emulator to listen', (entry) => typeof entry.endpoint === 'string');
  return { endpoint: String(listening.endpoint) };
}

async function main(): Promise<void> {
  check(process.versions.node.split('.')[0] === '24', `runs on Node 24 (${process.version})`);
  const work = await mkdtemp(path.join(os.tmpdir(), 'reconnect-production-'));
  temporary.push(work);
  // The service's user must reach the tree, its secrets and its temporary folder, but nothing else of ours.
  await chmod(work, 0o755);
  const pki = await TestPki.create();
  temporary.push(pki.directory);
  try {
    const stages = readDockerfile();
    const users = stages[stages.length - 1]?.instructions.flatMap((step) => (step.kind === 'USER' ? [step.user] : []));
    const user = serviceUser(users?.[users.length - 1] ?? '0:0');
    // The baseline of the ownership scan runs while the image is assembled: a full scan takes a while.
    const baseline = user.distinct ? ownedBy(user.uid) : Promise.resolve(new Set<string>());
    process.stdout.write("# assembling the Dockerfile's stages (npm ci, npm run build, npm ci --omit=dev)\n");
    const image = await assembleImage(stages, {
      context: REPOSITORY_ROOT,
      work: path.join(work, 'build'),
      node: process.execPath,
      log: (line) => process.stdout.write(`# ${line.split('\n').join('\n# ')}\n`),
    });
    ok(`the image's stages assembled from the Dockerfile (${stages.length} stages)`);
    check(existsSync(path.join(image.workdir, 'dist', 'src', 'main.js')), 'the tree holds the built service');
    check(!existsSync(path.join(image.workdir, 'dist', 'test')), 'the tree holds no test, bench or example code');
    await checkProductionDependencies(image);

    check(
      !user.distinct || image.user === `${user.uid}:${user.gid}`,
      `the service runs as the image's USER ${image.user}${user.distinct ? '' : ' (not root: as oneself)'}`,
    );
    // Nothing of the service's own may be written outside this folder (the pod's /tmp emptyDir).
    const serviceTmp = path.join(work, 'service-tmp');
    await mkdir(serviceTmp, { mode: 0o700 });
    if (user.distinct) await chown(serviceTmp, user.uid, user.gid);

    // Secrets, as a Secret volume mounts them: root's, readable by the service (the key by it alone).
    const secrets = path.join(work, 'secrets');
    await mkdir(secrets, { mode: 0o755 });
    const ca = await pki.authority('production-install-ca');
    const server = await pki.leaf(ca, {
      commonName: 'localhost',
      subjectAltNames: ['IP:127.0.0.1', 'DNS:localhost'],
      usage: 'serverAuth',
    });
    const certFile = path.join(secrets, 'tls.crt');
    const keyFile = path.join(secrets, 'tls.key');
    await copyFile(server.certFile, certFile);
    await chmod(certFile, 0o444);
    await copyFile(server.keyFile, keyFile);
    if (user.distinct) await chown(keyFile, user.uid, user.gid);
    await chmod(keyFile, 0o400);
    const token = randomToken();
    const callersFile = path.join(secrets, 'callers.json');
    await writeFile(callersFile, callersFileJson([{ name: 'matchmaker', token, streamGroups: [GROUP_ID] }]));
    await chmod(callersFile, 0o444);
    const awsKeyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const awsSecret = randomBytes(24).toString('base64url');

    const emulator = await startEmulator();
    const control = new EmulatorControl(emulator.endpoint);
    const group = await control.createStreamGroup({ id: GROUP_ID })();
    check(E.isRight(group), `the standalone emulator serves at ${emulator.endpoint}`);

    if (!user.distinct) await makeReadOnly(image.root);
    check(
      !(await canWrite(user, image.argv[0] ?? '', path.join(image.workdir, 'written-by-the-service'))),
      `the service's user cannot write the tree (${user.distinct ? `uid ${user.uid}, files root's` : 'write bits removed'})`,
    );
    for (let dir = path.dirname(image.root); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, 'node_modules'))) {
        throw new Error(`${dir}/node_modules would be found by the tree's require(): the run would prove nothing`);
      }
    }
    const before = await snapshot(image.root);

    // The container's environment: the image's ENV, then the deployment's, nothing inherited from this shell.
    const environment: NodeJS.ProcessEnv = {
      ...image.environment,
      PATH: path.dirname(image.argv[0] ?? ''),
      HOME: '/nonexistent',
      TMPDIR: serviceTmp,
      // On loopback here (the image's 0.0.0.0 is for a pod), on ports the service picks and logs.
      GRPC_HOST: '127.0.0.1',
      METRICS_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      GRPC_HEALTH_PORT: '0',
      METRICS_PORT: '0',
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL_GAMELIFTSTREAMS: emulator.endpoint,
      AWS_ACCESS_KEY_ID: awsKeyId,
      AWS_SECRET_ACCESS_KEY: awsSecret,
      GRPC_TLS_CERT_FILE: certFile,
      GRPC_TLS_KEY_FILE: keyFile,
      RECONNECT_CALLERS_FILE: callersFile,
      RECONNECT_SHUTDOWN_DRAIN_DELAY_MS: '1000',
    };
    const [program = '', ...args] = [...user.prefix, ...image.argv];
    const service = started(
      spawn(program, args, { cwd: image.workdir, env: environment, stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    const serving = await service.logged('the serving line', isServingLine);
    check(
      String(serving.msg).includes(`backed by Amazon GameLift Streams in ${REGION}`) &&
        String(serving.msg).includes(`TLS, bearer tokens from ${callersFile}`),
      'it serves with the aws backend, TLS and the callers file',
      String(serving.msg),
    );
    const grpcAddress = `127.0.0.1:${portIn(serving, 'grpcPort')}`;
    const healthProbe = new HealthClient(`127.0.0.1:${portIn(serving, 'healthPort')}`);
    const tls = grpc.credentials.createSsl(ca.cert);
    const stranger = new ReconnectClient(grpcAddress, tls);
    const matchmaker = new ReconnectClient(grpcAddress, tls, { metadata: bearerMetadata(token) });
    const aws = new GameLiftStreamsClient({
      region: REGION,
      endpoint: emulator.endpoint,
      credentials: { accessKeyId: awsKeyId, secretAccessKey: awsSecret },
    });
    try {
      for (const name of ['', RECONNECT_SERVICE_NAME]) {
        const status = await healthProbe.check(name)();
        check(E.isRight(status) && status.right === 'SERVING', `health "${name}" is SERVING on the health port`);
      }
      const session = await startDisconnectedSession(aws, control, { groupId: GROUP_ID });
      const offer = JSON.stringify({ type: 'offer', sdp: `v=0 production-install ${session.id}` });
      const request = {
        streamGroupIdentifier: GROUP_ID,
        streamSessionIdentifier: session.id,
        signalRequest: offer,
        clientToken: undefined,
      };
      const refused = await stranger.reconnectStreamSession(request, { deadlineMs: 10_000 })();
      check(
        E.isLeft(refused) && refused.left.code === grpc.status.UNAUTHENTICATED,
        'a call without a token is UNAUTHENTICATED',
      );
      const answered = await matchmaker.reconnectStreamSession(request, { deadlineMs: 10_000 })();
      check(
        E.isRight(answered) && answered.right.signalResponse === emulatorSignalResponse(offer),
        'one reconnect, over TLS with the bearer token, is answered by the emulator through the AWS SDK',
        JSON.stringify(answered),
      );
      const metrics = await metricsText(portIn(serving, 'metricsPort'));
      check(
        metrics.status === 200 &&
          /grpc_server_handled_total\{[^}]*grpc_method="ReconnectStreamSession"[^}]*grpc_code="OK"[^}]*\} 1\b/.test(
            metrics.body,
          ),
        'the metrics endpoint counts it',
      );

      // The drain: a reconnect the emulator holds for a while is in flight when SIGTERM comes.
      const held = await startDisconnectedSession(aws, control, { groupId: GROUP_ID });
      const heldOffer = JSON.stringify({ type: 'offer', sdp: `v=0 production-install ${held.id}` });
      const fault = await control.injectFault({
        operation: 'CreateStreamSessionConnection',
        fault: { kind: 'latency', ms: 3000 },
        count: 1,
      })();
      check(E.isRight(fault), 'the emulator will hold the next reconnect for 3 s');
      const watch = healthProbe.watch(RECONNECT_SERVICE_NAME);
      await within(WAIT_MS, 'the health Watch to start', watch.untilSeen(1));
      const inFlight = matchmaker.reconnectStreamSession(
        { ...request, streamSessionIdentifier: held.id, signalRequest: heldOffer },
        { deadlineMs: 20_000 },
      )();
      await within(
        WAIT_MS,
        'the held reconnect to reach the emulator',
        (async () => {
          for (let attempt = 0; attempt < 200; attempt += 1) {
            const seen = await control.requests('CreateStreamSessionConnection')();
            if (E.isRight(seen) && seen.right.requests.length >= 2) return;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          throw new Error('the held reconnect never reached the emulator');
        })(),
      );
      service.process.kill('SIGTERM');
      const statuses = await within(WAIT_MS, 'health to turn NOT_SERVING', watch.untilSeen(2));
      check(
        statuses[1] === 'NOT_SERVING',
        'on SIGTERM, health turns NOT_SERVING on the health port',
        statuses.join(', '),
      );
      const finished = await within(WAIT_MS, 'the call in flight', inFlight);
      check(
        E.isRight(finished) && finished.right.signalResponse === emulatorSignalResponse(heldOffer),
        'the reconnect in flight at SIGTERM finishes',
        JSON.stringify(finished),
      );
      const exit = await service.exited();
      check(
        exit.code === 0 && exit.signal === null,
        'the service drains and exits 0',
        `${JSON.stringify(exit)}\n${service.stderr}`,
      );
      check(
        service.messages().includes('shutdown: every call in flight finished') &&
          service.messages().includes('shutdown: stopped'),
        'its log says every call in flight finished',
        service.messages().join('\n'),
      );
      const output = `${service.stdout}${service.stderr}`;
      const key = await readFile(server.keyFile, 'utf8');
      check(
        [token, awsSecret, key.split('\n')[1] ?? key].every((secret) => !output.includes(secret)),
        'its output holds no token, AWS secret or private key',
      );
    } finally {
      healthProbe.close();
      stranger.close();
      matchmaker.close();
      aws.destroy();
    }

    const changed = differences(before, await snapshot(image.root));
    check(changed.length === 0, 'nothing in the tree was written, changed or removed', changed.join('\n'));
    if (user.distinct) {
      const before = await baseline;
      const written = [...(await ownedBy(user.uid))].filter(
        (file) => !before.has(file) && file !== serviceTmp && !file.startsWith(`${serviceTmp}/`) && file !== keyFile,
      );
      check(
        written.length === 0,
        `no file anywhere is owned by uid ${user.uid} outside its temporary folder`,
        written.join('\n'),
      );
    } else {
      process.stdout.write("# not root: no scan of the whole file system for the service's files\n");
    }
    const leftInTmp = await readdir(serviceTmp);
    process.stdout.write(
      `# the service wrote ${leftInTmp.length === 0 ? 'nothing' : leftInTmp.join(', ')} in its temporary folder\n`,
    );
  } finally {
    cleanUp();
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanUp();
    process.stdout.write(`${passed} passed, 1 failed\n`);
    process.exit(1);
  });
}

main().then(
  () => {
    process.stdout.write(`${passed} passed, 0 failed\n`);
    process.exit(0);
  },
  (error: unknown) => {
    process.stdout.write(
      `not ok ${passed + 1} - ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.stdout.write(`${passed} passed, 1 failed\n`);
    process.exit(1);
  },
);
