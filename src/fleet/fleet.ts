import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import * as E from 'fp-ts/Either';

import { BudgetRegistry, type Scheduler, type UpstreamOperation } from '../domain/admission';
import type { LeaseOutcome, ReconnectLeases } from '../domain/reconnect';
import type { SessionKey } from '../domain/request';
import type { StartGroupPoller, StreamGroupFeeds } from '../domain/watch-feed';
import type { Logger } from '../logging/logger';
import { FleetAdmission, type FleetBudgetSettings, type FleetLink } from './fleet-admission';
import { FleetFeeds, type FleetFeedsSettings } from './fleet-feeds';
import { FleetKeys } from './fleet-keys';
import type { FleetClient, RedisLink, RedisObserver } from './redis-link';

/**
 * A replica's part in the fleet: the budgets it shares with every replica through Redis, the reconnect leases, and
 * what it does when Redis cannot be reached. While Redis is unreachable it admits on its own at rate / the most
 * replicas that may run (RECONNECT_FLEET_MAX_REPLICAS), so the fleet stays within the quota even then; once Redis
 * answers again it keeps to that share for a cool-down, which every shared budget leaves room for, long enough for the
 * other replicas to notice too, then books what it admitted on its own against the shared budgets and shares again.
 */

/** How the budgets are shared now. */
export type FleetSharing = 'shared' | 'degraded' | 'cooling';

export interface FleetObserver extends RedisObserver {
  /** The fleet's mode changed (metrics count the changes). */
  modeChanged(mode: FleetSharing): void;
}

export interface FleetSettings {
  readonly url: string;
  readonly passwordFile: string | undefined;
  readonly keyPrefix: string;
  readonly callTimeoutMs: number;
  readonly maxReplicas: number;
  readonly cooldownMs: number;
  readonly rates: Readonly<Record<UpstreamOperation, number>>;
  readonly burst: number;
  readonly queueLimit: number;
  readonly reserveMs: number;
}

/** A replica renews its lease this often; one that has not for LIVE_LEASE_MS is quiet, and its waiters leave. */
const HEARTBEAT_MS = 1000;
const LIVE_LEASE_MS = 3000;
/** A quiet replica counts as admitting on its own (partitioned from Redis, or dead) for this long after. */
const STALE_MS = 60_000;
/** Keys nobody touches for this long expire. */
const KEY_TTL_MS = 10 * 60_000;
/** While Redis is unreachable, it is asked again this often. */
const PROBE_MS = 500;

export class Fleet {
  /** This process, in the fleet's shared state: random, so that a restarted process is a new replica. */
  private readonly processId = randomUUID().slice(0, 18);
  /**
   * Bumped each time the replica stops sharing: the waiters it registered before stay in the shared queue when Redis
   * could not be told they left, and they must not hold the queue. Its old name is dropped from the live set when it
   * shares again, so the other replicas' scripts clear those waiters as soon as they reach the head.
   */
  private generation = 0;
  readonly budgets: BudgetRegistry;
  readonly leases: ReconnectLeases;
  private readonly admissions: FleetAdmission[] = [];
  private readonly fleetLink: FleetLink;
  private readonly feedSets: FleetFeeds[] = [];
  private readonly keys: FleetKeys;
  private link: RedisLink | undefined;
  private current: FleetSharing = 'degraded';
  private coolingSince = 0;
  private readonly timers: Array<() => void> = [];
  private probeTimer: (() => void) | undefined;
  private leaseSequence = 0;

  constructor(
    private readonly settings: FleetSettings,
    private readonly logger: Logger,
    private readonly observer: FleetObserver,
    private readonly scheduler: Scheduler,
  ) {
    this.keys = new FleetKeys(settings.keyPrefix);
    const budgetSettings: FleetBudgetSettings = {
      burst: settings.burst,
      queueLimit: settings.queueLimit,
      reserveMs: settings.reserveMs,
      maxReplicas: settings.maxReplicas,
      liveLeaseMs: LIVE_LEASE_MS,
      staleMs: STALE_MS,
      keyTtlMs: KEY_TTL_MS,
    };
    const link: FleetLink = {
      replicaId: () => this.replicaId,
      keys: this.keys,
      sharing: () => this.current === 'shared',
      call: (command, run) => this.call(command, run),
      settings: budgetSettings,
    };
    this.fleetLink = link;
    this.budgets = new BudgetRegistry((key) => {
      const admission = new FleetAdmission(key, settings.rates[key.operation], link, scheduler);
      this.admissions.push(admission);
      return admission;
    });
    this.leases = { acquire: (session, digest, deadline) => this.acquireLease(session, digest, deadline) };
  }

  /**
   * The watch feeds of this replica: shared through Redis while the fleet shares, each group polled by one replica at
   * a time with `startPoller`; served by `fallback` (the process's own feeds) while it does not. Their Redis calls are
   * the fleet's, so a failure turns the whole replica alone. `stop` closes them first, so their leases are let go.
   */
  feeds(
    startPoller: StartGroupPoller,
    fallback: StreamGroupFeeds,
    settings: FleetFeedsSettings,
    onDefect: (defect: unknown) => void,
  ): FleetFeeds {
    const feeds = new FleetFeeds(
      this.fleetLink,
      startPoller,
      fallback,
      settings,
      onDefect,
      this.logger,
      this.scheduler,
    );
    this.feedSets.push(feeds);
    return feeds;
  }

  mode(): FleetSharing {
    return this.current;
  }

  /** This replica's name in the shared state now: the process, and how many times it stopped sharing. */
  get replicaId(): string {
    return `${this.processId}.${this.generation}`;
  }

  /**
   * Reads the password file, connects, and asks Redis once: when it answers, the replica starts sharing; when not,
   * it starts admitting on its own and keeps asking. Fails only when the password file cannot be read.
   */
  async start(): Promise<E.Either<string, void>> {
    let password: string | undefined;
    if (this.settings.passwordFile !== undefined) {
      try {
        password = (await readFile(this.settings.passwordFile, 'utf8')).trim();
      } catch (error: unknown) {
        const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unreadable';
        return E.left(`cannot read the Redis password file ${this.settings.passwordFile} (${code})`);
      }
    }
    // Loaded only for a fleet: a process without RECONNECT_REDIS_URL never loads the Redis client, the largest
    // library the service has, so it starts sooner.
    const { RedisLink } = await import('./redis-link');
    this.link = new RedisLink(
      { url: this.settings.url, password, callTimeoutMs: this.settings.callTimeoutMs },
      this.observer,
    );
    this.link.connect();
    const answered = await this.untilAnswered();
    if (answered) {
      this.become('shared');
      this.logger.info(
        { replica: this.replicaId, maxReplicas: this.settings.maxReplicas },
        'fleet admission: budgets shared through Redis',
      );
    } else {
      this.degrade('no answer at start-up');
    }
    this.every(HEARTBEAT_MS, () => this.heartbeat());
    return E.right(undefined);
  }

  /**
   * Closes its watch feeds, stops every timer, leaves the fleet (so the replica does not count as quiet), and closes
   * the connection.
   */
  async stop(): Promise<void> {
    for (const feeds of this.feedSets) await feeds.close();
    for (const cancel of this.timers.splice(0)) cancel();
    this.probeTimer?.();
    if (this.current === 'shared') {
      await this.call('leave-fleet', (client) => client.zRem(this.keys.live, this.replicaId));
    }
    this.link?.close();
  }

  private every(intervalMs: number, tick: () => void): void {
    let cancel = (): void => undefined;
    const schedule = (): void => {
      cancel = this.scheduler.schedule(() => {
        tick();
        schedule();
      }, intervalMs);
    };
    schedule();
    this.timers.push(() => cancel());
  }

  /** Whether Redis answers a PING within a few attempts (it may still be connecting). */
  private async untilAnswered(): Promise<boolean> {
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const pong = await this.link?.call('ping', (client) => client.ping());
      if (pong !== undefined && E.isRight(pong)) return true;
      await new Promise((resolve) => this.scheduler.schedule(() => resolve(undefined), 100));
    }
    return false;
  }

  private async call<T>(command: string, run: (client: FleetClient) => Promise<T>): Promise<E.Either<string, T>> {
    if (this.link === undefined) return E.left('not started');
    const outcome = await this.link.call(command, run);
    if (E.isLeft(outcome) && this.current !== 'degraded') {
      this.degrade(`${command}: ${outcome.left}`);
    }
    return outcome;
  }

  private become(mode: FleetSharing): void {
    const was = this.current;
    this.current = mode;
    this.observer.modeChanged(mode);
    // After the mode is set, so that a subscriber the feeds move resubscribes onto the shared feed.
    if (mode === 'shared' && was !== 'shared') {
      for (const feeds of this.feedSets) feeds.sharingAgain();
    }
  }

  private degrade(reason: string): void {
    this.generation += 1;
    this.become('degraded');
    this.logger.warn(
      { reason, maxReplicas: this.settings.maxReplicas },
      'fleet admission degraded: Redis unreachable; each budget admits rate / RECONNECT_FLEET_MAX_REPLICAS on this replica',
    );
    for (const admission of this.admissions) admission.moveWaitersAlone();
    this.probeTimer?.();
    const probe = (): void => {
      this.probeTimer = this.scheduler.schedule(() => {
        this.probeTimer = undefined;
        void this.link
          ?.call('ping', (client) => client.ping())
          .then((pong) => {
            if (this.current !== 'degraded') return;
            if (E.isLeft(pong)) probe();
            else void this.startCooling().then((cooling) => cooling || probe());
          });
      }, PROBE_MS);
    };
    probe();
  }

  /** Whether the cool-down began; when Redis failed again meanwhile, it did not. */
  private async startCooling(): Promise<boolean> {
    const cooled = await this.cool();
    if (E.isLeft(cooled)) return false;
    this.coolingSince = this.scheduler.now();
    this.become('cooling');
    this.logger.info(
      { cooldownMs: this.settings.cooldownMs },
      'fleet admission: Redis answers again; keeping to the outage share while the fleet cools down',
    );
    const check = (): void => {
      this.probeTimer = this.scheduler.schedule(() => {
        this.probeTimer = undefined;
        if (this.current !== 'cooling') return;
        const cooledDown = this.scheduler.now() - this.coolingSince >= this.settings.cooldownMs;
        const drained = this.admissions.every((admission) => !admission.waitingAlone());
        void (cooledDown && drained
          ? this.finishCooling()
          : this.cool().then((outcome) => E.isRight(outcome) && check()));
      }, PROBE_MS);
    };
    check();
    return true;
  }

  /**
   * Says (again) that this replica is cooling down, for a little longer than the next check; and that its names of
   * earlier generations are gone, so that no waiter they left in a shared queue holds it.
   */
  private cool(): Promise<E.Either<string, unknown>> {
    const earlier = Array.from({ length: this.generation }, (_, generation) => `${this.processId}.${generation}`);
    return this.call('cool', (client) =>
      client.cool(
        this.keys.cooling,
        this.keys.live,
        this.replicaId,
        earlier,
        this.settings.cooldownMs + 2 * PROBE_MS,
        LIVE_LEASE_MS,
        KEY_TTL_MS,
      ),
    );
  }

  private async finishCooling(): Promise<void> {
    for (const admission of this.admissions) {
      if (E.isLeft(await admission.settle())) return;
    }
    if (E.isLeft(await this.call('end-cooling', (client) => client.zRem(this.keys.cooling, this.replicaId)))) return;
    if (this.current !== 'cooling') return;
    this.become('shared');
    this.logger.info('fleet admission: budgets shared through Redis again');
  }

  private heartbeat(): void {
    if (this.current !== 'shared') return;
    void this.call('heartbeat', (client) =>
      client.heartbeat(this.keys.live, this.replicaId, LIVE_LEASE_MS, KEY_TTL_MS),
    );
  }

  private async acquireLease(session: SessionKey, digest: string, deadline: number): Promise<LeaseOutcome> {
    const unshared: LeaseOutcome = { _tag: 'Held', release: () => undefined };
    if (this.current !== 'shared') return unshared;
    const holder = `${this.replicaId}/${this.leaseSequence}`;
    this.leaseSequence += 1;
    const lease = this.keys.lease(session);
    const holders = this.keys.leaseHolders(session);
    // The lease outlives the flight by a margin, and ends with the replica should it die.
    const ttlMs = Math.max(1000, deadline - this.scheduler.now() + 1000);
    const outcome = await this.call('lease', (client) => client.lease(lease, holders, digest, holder, ttlMs));
    if (E.isLeft(outcome)) return unshared;
    if (outcome.right === 'other') return { _tag: 'OtherOffer' };
    return {
      _tag: 'Held',
      release: () => void this.call('release', (client) => client.release(lease, holders, holder)),
    };
  }
}
