import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { freeLoopbackPort } from '../../bench/process/free-port';
import { ConditionWaiters } from './condition-waiters';

/** Debian's redis-server, which .ci/run installs. */
const REDIS_SERVER = '/usr/bin/redis-server';

export interface RedisServerOptions {
  /** Requires this password (`requirepass`). */
  readonly password?: string;
}

/**
 * A real Redis on a free loopback port, in a folder of its own that nothing persists to. It can be killed and started
 * again on the same port, as an outage and a restart that loses every key.
 */
export class RedisServer {
  private child: ChildProcess | undefined;
  private output = '';
  private exited = true;
  private readonly waiters = new ConditionWaiters();

  private constructor(
    readonly port: number,
    private readonly directory: string,
    private readonly options: RedisServerOptions,
  ) {}

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(await freeLoopbackPort(), await mkdtemp(path.join(tmpdir(), 'redis-')), options);
    await server.restart();
    return server;
  }

  /** redis://127.0.0.1:<port>, without the password. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (again), empty, and waits until it accepts connections. */
  async restart(): Promise<void> {
    const args = [
      '--bind',
      '127.0.0.1',
      '--port',
      String(this.port),
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.directory,
    ];
    if (this.options.password !== undefined) args.push('--requirepass', this.options.password);
    this.output = '';
    this.exited = false;
    const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const record = (chunk: Buffer): void => {
      this.output += chunk.toString('utf8');
      this.waiters.changed();
    };
    child.stdout?.on('data', record);
    child.stderr?.on('data', record);
    child.on('exit', () => {
      this.exited = true;
      this.waiters.changed();
    });
    await this.waiters.until(() => this.output.includes('Ready to accept connections') || this.exited);
    if (this.exited) {
      throw new Error(`redis-server did not start:\n${this.output}`);
    }
  }

  /** Kills the server at once (SIGKILL): every connection drops, every key is lost. */
  async kill(): Promise<void> {
    if (this.exited) return;
    this.child?.kill('SIGKILL');
    await this.waiters.until(() => this.exited);
  }

  async stop(): Promise<void> {
    await this.kill();
    await rm(this.directory, { recursive: true, force: true });
  }
}
