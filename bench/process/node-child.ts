import { spawn, type ChildProcess } from 'node:child_process';

/** Variables of the surrounding shell that would change what a child does; the benchmark states its own. */
const OWN_PREFIXES = [
  'RECONNECT_',
  'GRPC_',
  'EMULATOR_',
  'AWS_',
  'LOG_',
  'METRICS_',
  'OTEL_',
  'NODE_OPTIONS',
  'NODE_COMPILE_CACHE',
];

export interface NodeChildOptions {
  readonly script: string;
  readonly args?: ReadonlyArray<string>;
  /** Flags for node itself (e.g. --cpu-prof), before the script. */
  readonly nodeFlags?: ReadonlyArray<string>;
  readonly env?: Readonly<Record<string, string>>;
  /** An IPC channel, for the benchmark's own children that talk to the parent in messages. */
  readonly ipc?: boolean;
  /** Name in error messages. */
  readonly name: string;
  /** A cgroup's cgroup.procs file: the child joins it before node starts, so V8 sizes its heap to the cgroup's limit. */
  readonly cgroupProcsFile?: string;
}

/**
 * A `node` child process whose stdout lines can be awaited and whose stop is bounded in time. Its output is
 * kept only up to a limit: a chatty child must not grow the parent's memory during a long run.
 */
export class NodeChild {
  private static readonly KEPT_OUTPUT_CHARS = 64 * 1024;
  /** Children still running: killed if the benchmark exits without stopping them (a crash), so none is orphaned. */
  private static readonly running = new Set<NodeChild>();
  private static cleanupRegistered = false;
  private output = '';
  private lineWaiters: Array<() => void> = [];
  private readonly messages: unknown[] = [];
  private messageWaiters: Array<() => void> = [];
  private exit: { readonly code: number | null; readonly signal: NodeJS.Signals | null } | undefined;
  readonly exited: Promise<void>;

  private constructor(
    readonly process: ChildProcess,
    private readonly name: string,
  ) {
    const keep = (chunk: string): void => {
      if (this.output.length < NodeChild.KEPT_OUTPUT_CHARS) this.output += chunk.slice(0, NodeChild.KEPT_OUTPUT_CHARS);
      for (const waiter of this.lineWaiters) waiter();
    };
    process.stdout?.setEncoding('utf8');
    process.stdout?.on('data', keep);
    process.stderr?.setEncoding('utf8');
    process.stderr?.on('data', keep);
    process.on('message', (message: unknown) => {
      this.messages.push(message);
      for (const waiter of this.messageWaiters) waiter();
    });
    NodeChild.running.add(this);
    this.exited = new Promise((resolve) => {
      process.on('exit', (code, signal) => {
        NodeChild.running.delete(this);
        this.exit = { code, signal };
        for (const waiter of [...this.lineWaiters, ...this.messageWaiters]) waiter();
        resolve();
      });
    });
  }

  static start(options: NodeChildOptions): NodeChild {
    if (!NodeChild.cleanupRegistered) {
      NodeChild.cleanupRegistered = true;
      process.once('exit', () => NodeChild.killAll());
    }
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !OWN_PREFIXES.some((prefix) => name.startsWith(prefix))),
    );
    const nodeArgs = [...(options.nodeFlags ?? []), options.script, ...(options.args ?? [])];
    // The shell writes its own pid (node's, once it execs) into the cgroup, before node reads its memory limit.
    const [command, args] =
      options.cgroupProcsFile === undefined
        ? [process.execPath, nodeArgs]
        : ['/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', options.cgroupProcsFile, process.execPath, ...nodeArgs]];
    const child = spawn(command, args, {
      env: { ...inherited, ...options.env },
      stdio: options.ipc === true ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    });
    return new NodeChild(child, options.name);
  }

  /** Resolves when `waiters` are next told of an event (output, a message, the exit), or after `ms`. */
  private static nextEvent(waiters: Array<() => void>, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      waiters.push(done);
    });
  }

  private static killAll(): void {
    for (const child of NodeChild.running) child.process.kill('SIGKILL');
  }

  get pid(): number {
    const pid = this.process.pid;
    if (pid === undefined) throw new Error(`${this.name} has no pid: it did not start`);
    return pid;
  }

  /** Resolves with the first output line `parse` accepts; rejects when the child exits first or time runs out. */
  async firstLine<A>(parse: (line: string) => A | undefined, timeoutMs: number): Promise<A> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const line of this.output.split('\n')) {
        const parsed = parse(line);
        if (parsed !== undefined) return parsed;
      }
      if (this.exit !== undefined) {
        throw new Error(
          `${this.name} exited (${JSON.stringify(this.exit)}) before it was ready; output:\n${this.output}`,
        );
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`${this.name} was not ready within ${timeoutMs} ms; output:\n${this.output}`);
      await NodeChild.nextEvent(this.lineWaiters, remaining);
      this.lineWaiters = [];
    }
  }

  /** Sends a message over the IPC channel (only for children started with `ipc`). */
  send(message: object): void {
    if (this.process.send === undefined) throw new Error(`${this.name} has no IPC channel`);
    this.process.send(message);
  }

  /**
   * The next IPC message from the child, decoded; rejects when the child exits first, time runs out, or the
   * message is not what `decode` expects (a protocol mismatch between parent and child is a bug, not a result).
   */
  async nextMessage<A>(decode: (message: unknown) => A | undefined, timeoutMs: number): Promise<A> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.messages.length > 0) {
        const message = this.messages.shift();
        const decoded = decode(message);
        if (decoded === undefined)
          throw new Error(`${this.name} sent an unexpected message: ${JSON.stringify(message)}`);
        return decoded;
      }
      if (this.exit !== undefined) {
        throw new Error(
          `${this.name} exited (${JSON.stringify(this.exit)}) without answering; output:\n${this.output}`,
        );
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new Error(`${this.name} did not answer within ${timeoutMs} ms; output:\n${this.output}`);
      await NodeChild.nextEvent(this.messageWaiters, remaining);
      this.messageWaiters = [];
    }
  }

  /** Everything the child wrote so far (bounded), for error messages. */
  recentOutput(): string {
    return this.output;
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Safe to call on an exited child. */
  async stop(graceMs: number): Promise<void> {
    if (this.exit !== undefined) return;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (this.exit === undefined) this.process.kill('SIGKILL');
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
