import { createClient } from '@redis/client';
import * as E from 'fp-ts/Either';

import { FLEET_SCRIPTS } from './scripts';

/**
 * The fleet's connection to Redis, through node-redis (@redis/client, the core of npm `redis` v6: Redis's own,
 * maintained client, with EVALSHA script support that falls back to EVAL on NOSCRIPT). Every call has a deadline of
 * its own, and nothing waits in an offline queue: a call Redis cannot take now fails now, and the fleet admits on
 * its own meanwhile. Nothing here throws or rejects, and no message carries the URL (it may hold a password).
 */

export interface RedisLinkSettings {
  readonly url: string;
  /** From RECONNECT_REDIS_PASSWORD_FILE; a password in the URL is used as it is. */
  readonly password: string | undefined;
  readonly callTimeoutMs: number;
}

/** Told about every call's outcome and duration (metrics), and about every failure (the fleet's mode). */
export interface RedisObserver {
  called(command: string, outcome: 'ok' | 'failed', seconds: number): void;
}

/** How long Redis is given to connect, and the longest pause between attempts while it is unreachable. */
const CONNECT_TIMEOUT_MS = 2000;
const MAX_RECONNECT_DELAY_MS = 500;

function createFleetClient(settings: RedisLinkSettings) {
  return createClient({
    url: settings.url,
    ...(settings.password === undefined ? {} : { password: settings.password }),
    disableOfflineQueue: true,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries: number) => Math.min(MAX_RECONNECT_DELAY_MS, 50 * 2 ** Math.min(retries, 4)),
    },
    scripts: FLEET_SCRIPTS,
  });
}

export type FleetClient = ReturnType<typeof createFleetClient>;

/** An error as far as it may be told: its code or name, never its message (which may name the host and user). */
function reasonOf(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    if ('code' in error && typeof error.code === 'string') return error.code;
    if ('name' in error && typeof error.name === 'string') return error.name;
  }
  return 'UnknownRedisError';
}

export class RedisLink {
  private readonly client: FleetClient;
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly settings: RedisLinkSettings,
    private readonly observer: RedisObserver,
  ) {
    this.client = createFleetClient(settings);
    // Without a listener, an 'error' event (every failed reconnect attempt) would end the process.
    this.client.on('error', () => undefined);
    this.client.on('ready', () => this.loadScripts());
  }

  /**
   * Redis forgets its scripts when it restarts or fails over. Sent the moment each connection is ready, ahead of any
   * call on it, they are loaded before the first EVALSHA arrives: otherwise every call of a storm that reaches a fresh
   * Redis at once would miss (NOSCRIPT) and go again with its whole script, a second round trip each. Best effort: a
   * script that did not load is still sent whole on its first use.
   */
  private loadScripts(): void {
    for (const script of Object.values(FLEET_SCRIPTS)) {
      void this.client.scriptLoad(script.SCRIPT).catch(() => undefined);
    }
  }

  /** Starts connecting, and keeps reconnecting in the background whenever the connection is lost. */
  connect(): void {
    this.connecting ??= this.client.connect().then(
      () => undefined,
      () => undefined,
    );
  }

  /** One call to Redis, within its deadline: its result, or why there is none. */
  call<T>(command: string, run: (client: FleetClient) => Promise<T>): Promise<E.Either<string, T>> {
    const startedAt = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<E.Either<string, T>>((resolve) => {
      timer = setTimeout(() => resolve(E.left('timeout')), this.settings.callTimeoutMs);
    });
    const answered = this.client.isReady
      ? run(this.client).then(
          (value) => E.right(value),
          (error: unknown) => E.left(reasonOf(error)),
        )
      : Promise.resolve(E.left('not connected'));
    return Promise.race([answered, late]).then((outcome) => {
      clearTimeout(timer);
      this.observer.called(command, E.isRight(outcome) ? 'ok' : 'failed', (performance.now() - startedAt) / 1000);
      return outcome;
    });
  }

  /** Closes the connection at once, and stops reconnecting; a call in flight fails. */
  close(): void {
    if (this.client.isOpen) {
      this.client.destroy();
    }
  }
}
