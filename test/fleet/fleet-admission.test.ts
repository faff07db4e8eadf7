import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { createClient } from '@redis/client';
import * as E from 'fp-ts/Either';

import { realScheduler, type BudgetKey, type UpstreamAdmission } from '../../src/domain/admission';
import type { AdmissionRefused, CallEnded } from '../../src/domain/outcomes';
import type { SessionKey } from '../../src/domain/request';
import { Fleet, type FleetSettings } from '../../src/fleet/fleet';
import { FleetKeys } from '../../src/fleet/fleet-keys';
import { FLEET_SCRIPTS } from '../../src/fleet/scripts';
import { CapturedLogs } from '../support/captured-logs';
import { RedisServer } from '../support/redis-server';
import { eventually } from '../support/eventually';
import { RecordingFleetObserver } from '../support/recording-fleet-observer';

const CONNECTION: BudgetKey = { region: 'us-west-2', operation: 'CreateStreamSessionConnection' };
const OTHER_REGION: BudgetKey = { region: 'eu-west-1', operation: 'CreateStreamSessionConnection' };

type Outcome = E.Either<AdmissionRefused | CallEnded, void>;

interface Replica {
  readonly fleet: Fleet;
  readonly prefix: string;
  readonly logs: CapturedLogs;
  readonly observer: RecordingFleetObserver;
}

function admitWithin(admission: UpstreamAdmission, deadlineMs: number): Promise<Outcome> {
  return admission.admit({ signal: new AbortController().signal, deadline: Date.now() + deadlineMs })();
}

describe('the fleet: a Redis that needs a password', function () {
  this.timeout(30_000);
  const password = randomUUID();
  let redis: RedisServer;
  let folder: string;
  before(async () => {
    redis = await RedisServer.start({ password });
    folder = await mkdtemp(path.join(tmpdir(), 'redis-password-'));
  });
  after(async () => {
    await redis.stop();
    await rm(folder, { recursive: true, force: true });
  });

  async function startWith(
    url: string,
    passwordFile: string | undefined,
  ): Promise<{ readonly fleet: Fleet; readonly logs: CapturedLogs }> {
    const logs = new CapturedLogs();
    const fleet = new Fleet(
      {
        url,
        passwordFile,
        keyPrefix: 'password-test',
        callTimeoutMs: 250,
        maxReplicas: 3,
        cooldownMs: 300,
        rates: { CreateStreamSessionConnection: 10, GetStreamSession: 10, ListStreamSessions: 10 },
        burst: 1,
        queueLimit: 10,
        reserveMs: 0,
      },
      logs.logger,
      new RecordingFleetObserver(),
      realScheduler,
    );
    assert.deepEqual(await fleet.start(), E.right(undefined));
    return { fleet, logs };
  }

  it('takes the password from a file, or from the URL, and never logs it', async () => {
    const file = path.join(folder, 'password');
    await writeFile(file, `${password}\n`, { mode: 0o600 });
    const fromFile = await startWith(redis.url, file);
    const fromUrl = await startWith(`redis://:${password}@127.0.0.1:${redis.port}`, undefined);
    const without = await startWith(redis.url, undefined);
    try {
      assert.equal(fromFile.fleet.mode(), 'shared');
      assert.equal(fromUrl.fleet.mode(), 'shared');
      assert.equal(without.fleet.mode(), 'degraded', 'refused without it');
      for (const { logs } of [fromFile, fromUrl, without]) {
        assert.ok(!logs.text().includes(password), 'the password was logged');
      }
    } finally {
      for (const { fleet } of [fromFile, fromUrl, without]) await fleet.stop();
    }
  });

  it('refuses to start when the password file cannot be read, naming the file only', async () => {
    const fleet = new Fleet(
      {
        url: redis.url,
        passwordFile: path.join(folder, 'missing'),
        keyPrefix: 'password-test',
        callTimeoutMs: 250,
        maxReplicas: 3,
        cooldownMs: 300,
        rates: { CreateStreamSessionConnection: 10, GetStreamSession: 10, ListStreamSessions: 10 },
        burst: 1,
        queueLimit: 10,
        reserveMs: 0,
      },
      new CapturedLogs().logger,
      new RecordingFleetObserver(),
      realScheduler,
    );
    const started = await fleet.start();
    assert.ok(E.isLeft(started) && /cannot read the Redis password file .*missing \(ENOENT\)/.test(started.left));
    await fleet.stop();
  });
});

describe('the fleet: budgets shared through a real Redis', function () {
  this.timeout(30_000);
  let redis: RedisServer;
  const replicas: Replica[] = [];

  before(async () => {
    redis = await RedisServer.start();
  });
  after(async () => {
    await redis.stop();
  });
  afterEach(async () => {
    for (const replica of replicas.splice(0)) await replica.fleet.stop();
  });

  /** Replicas of one fleet (one key prefix per test), each a Fleet of its own on the same Redis. */
  async function fleetOf(count: number, overrides: Partial<FleetSettings> = {}): Promise<Replica[]> {
    const settings: FleetSettings = {
      url: redis.url,
      passwordFile: undefined,
      keyPrefix: `test-${randomUUID().slice(0, 8)}`,
      callTimeoutMs: 250,
      maxReplicas: 3,
      cooldownMs: 300,
      rates: { CreateStreamSessionConnection: 10, GetStreamSession: 10, ListStreamSessions: 10 },
      burst: 1,
      queueLimit: 100,
      reserveMs: 0,
      ...overrides,
    };
    const started: Replica[] = [];
    for (let index = 0; index < count; index += 1) {
      const logs = new CapturedLogs();
      const observer = new RecordingFleetObserver();
      const fleet = new Fleet(settings, logs.logger, observer, realScheduler);
      assert.deepEqual(await fleet.start(), E.right(undefined));
      const replica = { fleet, logs, observer, prefix: settings.keyPrefix };
      replicas.push(replica);
      started.push(replica);
    }
    return started;
  }

  /** Redis's own clock, in ms: the clock the budgets run on. */
  async function redisNow(): Promise<number> {
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const [seconds = '0', micros = '0'] = await client.time();
      return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    } finally {
      client.destroy();
    }
  }

  it('holds one rate for the whole fleet: every slot is a rate interval after the last, on Redis clock', async () => {
    const [a, b] = await fleetOf(2);
    assert.ok(a !== undefined && b !== undefined);
    assert.equal(a.fleet.mode(), 'shared');
    const startedAt = await redisNow();
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        admitWithin((index % 2 === 0 ? a : b).fleet.budgets.budget(CONNECTION), 20_000),
      ),
    );
    const endedAt = await redisNow();
    assert.ok(outcomes.every(E.isRight), JSON.stringify(outcomes));
    // 12 admissions at 10/s with a burst of 1: the first at once, each next one 100 ms after the one before.
    assert.ok(endedAt - startedAt >= 11 * 100 - 5, `12 admissions took ${endedAt - startedAt} ms of Redis time`);
  });

  it('admits the waiters of every replica earliest deadline first', async () => {
    const [a, b] = await fleetOf(2, {
      rates: { CreateStreamSessionConnection: 5, GetStreamSession: 5, ListStreamSessions: 5 },
    });
    assert.ok(a !== undefined && b !== undefined);
    // Takes the free slot, so that the rest all wait and are admitted one by one.
    assert.ok(E.isRight(await admitWithin(a.fleet.budgets.budget(CONNECTION), 5000)));
    const order: number[] = [];
    // Submitted out of deadline order, alternately on each replica: FIFO, or each replica alone, would differ.
    const waiting = [40, 10, 60, 20, 50, 30].map((seconds, index) =>
      admitWithin((index % 2 === 0 ? a : b).fleet.budgets.budget(CONNECTION), seconds * 1000).then((outcome) => {
        if (E.isRight(outcome)) order.push(seconds);
        return outcome;
      }),
    );
    await Promise.all(waiting);
    assert.deepEqual(order, [10, 20, 30, 40, 50, 60]);
  });

  it('refuses at once, saying when to retry, a call it could not admit before its deadline', async () => {
    const [a, b] = await fleetOf(2, {
      rates: { CreateStreamSessionConnection: 2, GetStreamSession: 2, ListStreamSessions: 2 },
    });
    assert.ok(a !== undefined && b !== undefined);
    assert.ok(E.isRight(await admitWithin(a.fleet.budgets.budget(CONNECTION), 5000)));
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        admitWithin((index % 2 === 0 ? a : b).fleet.budgets.budget(CONNECTION), 1200),
      ),
    );
    const refused = outcomes.flatMap((outcome) => (E.isLeft(outcome) ? [outcome.left] : []));
    assert.ok(refused.length >= 3, `${refused.length} refused of 6 that 2/s could not all serve within 1.2 s`);
    for (const refusal of refused) {
      assert.equal(refusal._tag, 'AdmissionRefused');
      assert.ok(
        refusal._tag === 'AdmissionRefused' && refusal.cause === 'DeadlineUnmeetable' && refusal.retryAfterMs > 0,
      );
    }
  });

  it('slows the whole fleet once when any replica sees a throttle', async () => {
    const [a, b] = await fleetOf(2);
    assert.ok(a !== undefined && b !== undefined);
    assert.ok(E.isRight(await admitWithin(b.fleet.budgets.budget(CONNECTION), 5000)));
    assert.equal(b.fleet.budgets.budget(CONNECTION).state().ratePerSecond, 10);
    a.fleet.budgets.budget(CONNECTION).record('Throttled');
    a.fleet.budgets.budget(CONNECTION).record('Throttled');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(E.isRight(await admitWithin(b.fleet.budgets.budget(CONNECTION), 5000)));
    assert.equal(
      b.fleet.budgets.budget(CONNECTION).state().ratePerSecond,
      5,
      'halved once, for the replica that saw no throttle too',
    );
  });

  it('leaves room in the shared rate for a replica cooling down, and one gone quiet (partitioned, or dead)', async () => {
    const [a] = await fleetOf(1);
    assert.ok(a !== undefined);
    const keys = new FleetKeys(a.prefix);
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const [seconds = '0'] = await client.time();
      const now = Number(seconds) * 1000;
      await client.zAdd(keys.cooling, { score: now + 60_000, value: 'cooling-replica.0' });
      assert.ok(E.isRight(await admitWithin(a.fleet.budgets.budget(CONNECTION), 5000)));
      assert.ok(Math.abs(a.fleet.budgets.budget(CONNECTION).state().ratePerSecond - 10 * (2 / 3)) < 1e-6);
      await client.zAdd(keys.live, { score: now - 1000, value: 'quiet-replica.0' });
      assert.ok(E.isRight(await admitWithin(a.fleet.budgets.budget(CONNECTION), 5000)));
      assert.ok(
        Math.abs(a.fleet.budgets.budget(CONNECTION).state().ratePerSecond - 10 * (1 / 3)) < 1e-6,
        'never less than its own share',
      );
    } finally {
      client.destroy();
    }
  });

  it('keeps each region and operation a budget of its own', async () => {
    const [a] = await fleetOf(1);
    assert.ok(a !== undefined);
    a.fleet.budgets.budget(CONNECTION).record('Throttled');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(E.isRight(await admitWithin(a.fleet.budgets.budget(OTHER_REGION), 5000)));
    assert.ok(
      E.isRight(
        await admitWithin(a.fleet.budgets.budget({ region: 'us-west-2', operation: 'GetStreamSession' }), 5000),
      ),
    );
    assert.equal(a.fleet.budgets.budget(OTHER_REGION).state().ratePerSecond, 10);
    assert.equal(
      a.fleet.budgets.budget({ region: 'us-west-2', operation: 'GetStreamSession' }).state().ratePerSecond,
      10,
    );
  });

  it('shares a reconnect lease for the same offer across replicas, and refuses another offer while it is held', async () => {
    const [a, b] = await fleetOf(2);
    assert.ok(a !== undefined && b !== undefined);
    const session = `us-west-2/sg-1/${randomUUID()}` as SessionKey;
    const deadline = Date.now() + 10_000;
    const first = await a.fleet.leases.acquire(session, 'offer-1', deadline);
    assert.equal(first._tag, 'Held');
    assert.equal((await b.fleet.leases.acquire(session, 'offer-2', deadline))._tag, 'OtherOffer');
    const same = await b.fleet.leases.acquire(session, 'offer-1', deadline);
    assert.equal(same._tag, 'Held');
    if (first._tag === 'Held') first.release();
    assert.equal(
      (await b.fleet.leases.acquire(session, 'offer-2', deadline))._tag,
      'OtherOffer',
      'the other holder still holds it',
    );
    if (same._tag === 'Held') same.release();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await b.fleet.leases.acquire(session, 'offer-2', deadline))._tag, 'Held', 'free once both let go');
  });

  /** Which of the fleet's scripts Redis holds now, by name. */
  async function scriptsRedisHolds(): Promise<ReadonlyArray<string>> {
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const scripts = Object.entries(FLEET_SCRIPTS);
      const held = await client.scriptExists(scripts.map(([, script]) => script.SHA1));
      return scripts.filter((_, index) => held[index] === 1).map(([name]) => name);
    } finally {
      client.destroy();
    }
  }

  it('loads every script into Redis as it connects, and again into a Redis that restarted empty', async () => {
    const every = Object.keys(FLEET_SCRIPTS);
    const flusher = createClient({ url: redis.url });
    await flusher.connect();
    await flusher.scriptFlush();
    flusher.destroy();
    assert.deepEqual(await scriptsRedisHolds(), [], 'none before the replica connects');
    const [replica] = await fleetOf(1);
    assert.ok(replica !== undefined);
    // Before any admission, lease or watch call: a storm's first calls find their scripts, and none misses (NOSCRIPT).
    await eventually(async () => (await scriptsRedisHolds()).length === every.length, 'every script loaded');
    await redis.kill();
    await redis.restart();
    await eventually(async () => (await scriptsRedisHolds()).length === every.length, 'every script loaded again');
    assert.deepEqual(await scriptsRedisHolds(), every);
  });

  it('admits its outage share alone while Redis is down, cools down once it is back, then shares again', async () => {
    const [a, b] = await fleetOf(2, { cooldownMs: 500 });
    assert.ok(a !== undefined && b !== undefined);
    await redis.kill();
    try {
      const outcomes = await Promise.all([
        admitWithin(a.fleet.budgets.budget(CONNECTION), 5000),
        admitWithin(b.fleet.budgets.budget(CONNECTION), 5000),
      ]);
      assert.ok(outcomes.every(E.isRight), 'every call is still answered');
      assert.equal(a.fleet.mode(), 'degraded');
      assert.equal(b.fleet.mode(), 'degraded');
      assert.equal(
        a.fleet.budgets.budget(CONNECTION).state().ratePerSecond,
        10 / 3,
        'rate / RECONNECT_FLEET_MAX_REPLICAS',
      );
      assert.match(a.logs.text(), /fleet admission degraded: Redis unreachable/);
    } finally {
      await redis.restart();
    }
    await eventually(() => a.fleet.mode() === 'shared' && b.fleet.mode() === 'shared', 'both share again');
    assert.deepEqual(a.observer.modes, ['shared', 'degraded', 'cooling', 'shared']);
    assert.match(a.logs.text(), /Redis answers again; keeping to the outage share/);
    assert.match(a.logs.text(), /budgets shared through Redis again/);
    assert.ok(E.isRight(await admitWithin(a.fleet.budgets.budget(CONNECTION), 5000)));
    assert.equal(a.fleet.budgets.budget(CONNECTION).state().ratePerSecond, 10);
  });
});
