import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

import { ConditionWaiters } from './condition-waiters';
import { productionNodeFlags } from './production-node-flags';

/** One JSON log line of the child, as pino wrote it. */
export type LogEntry = Readonly<Record<string, unknown>>;

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The compiled entry point, as `npm start` runs it; this file is compiled to dist/test/support/. */
const MAIN = path.resolve(__dirname, '..', '..', 'src', 'main.js');

/** Variables of the surrounding shell that would change what the child does; the test states its own. */
const OWN_PREFIXES = ['RECONNECT_', 'GRPC_', 'EMULATOR_', 'AWS_', 'LOG_LEVEL', 'LOG_FORMAT', 'METRICS_', 'OTEL_'];

const isLogEntry = (value: unknown): value is LogEntry =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Matches the log entries whose message starts with `prefix`: to wait for one step of the process. */
export const logMessageStartingWith =
  (prefix: string) =>
  (entry: LogEntry): boolean =>
    typeof entry.msg === 'string' && entry.msg.startsWith(prefix);

const isServingLine = (entry: LogEntry): boolean =>
  typeof entry.msg === 'string' && entry.msg.includes('serving gRPC') && typeof entry.grpcPort === 'number';

/** `node dist/src/main.js` in a child process, on ports it picks itself (0) and reports in its first log line. */
export class ServiceProcess {
  readonly logs: LogEntry[] = [];
  private stdout = '';
  private stderr = '';
  private exit: ProcessExit | undefined;
  private readonly waiters = new ConditionWaiters();

  private constructor(private readonly child: ChildProcess) {
    let pending = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      this.stdout += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        this.record(line);
      }
      this.waiters.changed();
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    // 'close', not 'exit': only then has everything the child wrote to stdout been read.
    child.on('close', (code, signal) => {
      this.record(pending);
      this.exit = { code, signal };
      this.waiters.changed();
    });
  }

  /** Starts the process and waits for the line saying where it serves; fails if it exits first. */
  static async start(env: Readonly<Record<string, string>>): Promise<ServiceProcess> {
    const started = ServiceProcess.launch(env);
    await started.untilLogged(isServingLine);
    return started;
  }

  /** Starts the process and returns at once; `nodeFlags` go before the script (a `--require` probe, say). */
  static launch(env: Readonly<Record<string, string>>, nodeFlags: ReadonlyArray<string> = []): ServiceProcess {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !OWN_PREFIXES.some((prefix) => name.startsWith(prefix))),
    );
    // The image's node flags first, so the process runs as production runs it; a test's own flags after them.
    const child = spawn(process.execPath, [...productionNodeFlags(), ...nodeFlags, MAIN], {
      env: {
        ...inherited,
        GRPC_HOST: '127.0.0.1',
        GRPC_PORT: '0',
        EMULATOR_HOST: '127.0.0.1',
        EMULATOR_PORT: '0',
        METRICS_PORT: '0',
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ServiceProcess(child);
  }

  get grpcAddress(): string {
    const serving = this.logs.find(isServingLine);
    return `127.0.0.1:${String(serving?.grpcPort)}`;
  }

  /** Where the process serves GET /metrics, as its first log line says. */
  get metricsPort(): number | undefined {
    const serving = this.logs.find(isServingLine);
    return typeof serving?.metricsPort === 'number' ? serving.metricsPort : undefined;
  }

  get emulatorEndpoint(): string {
    const serving = this.logs.find(isServingLine);
    return typeof serving?.emulatorEndpoint === 'string' ? serving.emulatorEndpoint : 'no emulator endpoint logged';
  }

  /** Everything the child wrote so far, exactly as written: to search it for what must never be printed. */
  output(): { readonly stdout: string; readonly stderr: string } {
    return { stdout: this.stdout, stderr: this.stderr };
  }

  /** The log messages, in the order they were written. */
  messages(): ReadonlyArray<string> {
    return this.logs.map((entry) => (typeof entry.msg === 'string' ? entry.msg : ''));
  }

  /** Resolves with the first log entry matching; rejects if the process exits without writing one. */
  async untilLogged(matches: (entry: LogEntry) => boolean): Promise<LogEntry> {
    await this.waiters.until(() => this.logs.some(matches) || this.exit !== undefined);
    const found = this.logs.find(matches);
    if (found === undefined) {
      throw new Error(
        `the service exited (${JSON.stringify(this.exit)}) without that log line; stderr:\n${this.stderr}`,
      );
    }
    return found;
  }

  async exited(): Promise<ProcessExit> {
    await this.waiters.until(() => this.exit !== undefined);
    return this.exit ?? { code: null, signal: null };
  }

  /** The exit, or 'still running' when the process has not exited within `ms`: a wait that cannot hang a test. */
  async exitedWithin(ms: number): Promise<ProcessExit | 'still running'> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'still running'>((resolve) => {
      timer = setTimeout(() => resolve('still running'), ms);
    });
    try {
      return await Promise.race([this.exited(), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Cleans up after a failed test; a process that already exited is left alone. */
  kill(): void {
    if (this.exit === undefined) {
      this.child.kill('SIGKILL');
    }
  }

  private record(line: string): void {
    if (line.trim() === '') {
      return;
    }
    try {
      const parsed: unknown = JSON.parse(line);
      this.logs.push(isLogEntry(parsed) ? parsed : { msg: line });
    } catch {
      // Not pino's output (a Node warning, say): kept as text so a failure can show it.
      this.logs.push({ msg: line });
    }
  }
}
