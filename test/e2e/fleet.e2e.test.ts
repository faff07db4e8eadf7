import { strict as assert } from 'node:assert';

import { status } from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';

import type { ReconnectCallError } from '../../src/client/reconnect-client';
import type { CountersSnapshot } from '../../src/emulator/control-types';
import { emulatorSignalResponse } from '../../src/emulator/signal-answer';
import type { ReconnectStreamSessionResponse } from '../../src/gen/reconnect/v1/reconnect';
import type { StartedSession } from '../support/disconnected-sessions';
import { untilConnectionCallsReceived } from '../support/emulator-counters';
import { FLEET_GROUP_ID, FLEET_REGION, FLEET_SECOND_REGION, FleetHarness } from '../support/fleet-harness';
import { scrapedValue } from '../support/metrics-scrape';
import { RedisServer } from '../support/redis-server';
import { expectLeft, expectRight } from '../support/task-either';

/** The quota, AWS's (the emulator's) and the fleet's, of each operation: scaled down so a storm takes seconds. */
const RATE = 10;
const REPLICAS = 3;
const SESSIONS = 60;

type Outcome = E.Either<ReconnectCallError, ReconnectStreamSessionResponse>;

interface StormResult {
  readonly outcomes: ReadonlyArray<Outcome>;
  readonly throttled: Readonly<Record<string, number>>;
}

function codesOf(outcomes: ReadonlyArray<Outcome>): string {
  const counts = new Map<string, number>();
  for (const outcome of outcomes) {
    const key = E.isRight(outcome)
      ? 'OK'
      : `${outcome.left.codeName}/${outcome.left.details.errorInfo?.reason ?? ''}: ${outcome.left.message}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return JSON.stringify([...counts]);
}

function throttledSince(before: CountersSnapshot, after: CountersSnapshot): Record<string, number> {
  return {
    CreateStreamSessionConnection:
      after.throttled.CreateStreamSessionConnection - before.throttled.CreateStreamSessionConnection,
    GetStreamSession: after.throttled.GetStreamSession - before.throttled.GetStreamSession,
  };
}

/** Every session reconnects at once, spread over the replicas, as a network blip makes them; named by ARN. */
function reconnectAll(
  fleet: FleetHarness,
  sessions: ReadonlyArray<StartedSession>,
  userId?: string,
): Promise<ReadonlyArray<Outcome>> {
  return Promise.all(
    sessions.map((session, index) =>
      (fleet.clients[index % fleet.clients.length] ?? assert.fail('no client')).reconnectStreamSession(
        {
          streamGroupIdentifier: FLEET_GROUP_ID,
          streamSessionIdentifier: session.arn,
          signalRequest: `v=0 storm-${session.id}`,
          userId,
        },
        { deadlineMs: 90_000 },
      )(),
    ),
  );
}

/** A storm held to the quota by the emulator, and what the emulator throttled meanwhile. */
async function storm(
  fleet: FleetHarness,
  sessions: ReadonlyArray<StartedSession>,
  userId?: string,
  during?: () => Promise<void>,
): Promise<StormResult> {
  await fleet.quota(RATE, ['CreateStreamSessionConnection', 'GetStreamSession']);
  const before = await fleet.counters();
  const calls = reconnectAll(fleet, sessions, userId);
  await during?.();
  const outcomes = await calls;
  return { outcomes, throttled: throttledSince(before, await fleet.counters()) };
}

describe('a fleet of three replicas sharing one AWS quota', function () {
  this.timeout(180_000);
  let redis: RedisServer;
  before(async () => {
    redis = await RedisServer.start();
  });
  after(async () => {
    await redis.stop();
  });

  async function withFleet(
    useRedis: boolean,
    test: (fleet: FleetHarness) => Promise<void>,
    env: Record<string, string> = {},
    regions?: ReadonlyArray<string>,
  ): Promise<void> {
    const fleet = await FleetHarness.start({
      replicas: REPLICAS,
      redis: useRedis ? redis : undefined,
      ratePerSecond: RATE,
      env,
      regions,
    });
    try {
      await test(fleet);
    } finally {
      await fleet.close();
    }
  }

  it('reconnects every session of a storm with Redis, and AWS throttles none', async () => {
    await withFleet(true, async (fleet) => {
      const result = await storm(fleet, await fleet.sessions(SESSIONS));
      const fleetLines = fleet.replicas.flatMap((replica) =>
        replica.messages().filter((message) => message.startsWith('fleet')),
      );
      assert.equal(
        result.outcomes.filter(E.isRight).length,
        SESSIONS,
        `${codesOf(result.outcomes)} ${JSON.stringify(fleetLines)}`,
      );
      assert.deepEqual(result.throttled, { CreateStreamSessionConnection: 0, GetStreamSession: 0 });
    });
  });

  it('shows what sharing prevents: without Redis the replicas together exceed the quota, and AWS throttles', async () => {
    await withFleet(false, async (fleet) => {
      const result = await storm(fleet, await fleet.sessions(SESSIONS));
      assert.ok((result.throttled.CreateStreamSessionConnection ?? 0) > 0, JSON.stringify(result.throttled));
    });
  });

  it('keeps a storm of reconnects that name their player within both quotas: GetStreamSession and CreateStreamSessionConnection', async () => {
    await withFleet(true, async (fleet) => {
      const result = await storm(fleet, await fleet.sessions(SESSIONS, 'player-7'), 'player-7');
      assert.equal(result.outcomes.filter(E.isRight).length, SESSIONS, codesOf(result.outcomes));
      assert.deepEqual(result.throttled, { CreateStreamSessionConnection: 0, GetStreamSession: 0 });
      const calls = await fleet.counters();
      assert.equal(calls.calls.GetStreamSession >= SESSIONS, true, 'each owner was read');
    });
  });

  it("gives each region its own rate: a storm in one region does not hold back the other region's storm", async () => {
    await withFleet(
      true,
      async (fleet) => {
        const [first, second] = await Promise.all([
          fleet.sessions(SESSIONS),
          fleet.sessions(SESSIONS / 2, undefined, FLEET_SECOND_REGION),
        ]);
        await fleet.quota(RATE, ['CreateStreamSessionConnection', 'GetStreamSession']);
        const firstStorm = reconnectAll(fleet, first);
        // The first region's burst is spent and most of its storm waits: one budget for both would queue the second
        // region's later deadlines behind every call of the first.
        await untilConnectionCallsReceived(fleet.control, RATE);
        const secondStorm = reconnectAll(fleet, second);
        const [firstOutcomes, secondOutcomes] = await Promise.all([firstStorm, secondStorm]);

        assert.equal(firstOutcomes.filter(E.isRight).length, first.length, codesOf(firstOutcomes));
        assert.equal(secondOutcomes.filter(E.isRight).length, second.length, codesOf(secondOutcomes));
        const firstCounters = await fleet.counters();
        const secondCounters = await fleet.counters(FLEET_SECOND_REGION);
        assert.equal(firstCounters.throttled.CreateStreamSessionConnection, 0);
        assert.equal(secondCounters.throttled.CreateStreamSessionConnection, 0);
        assert.equal(firstCounters.calls.CreateStreamSessionConnection, first.length, 'each call in its own region');
        assert.equal(secondCounters.calls.CreateStreamSessionConnection, second.length, 'each call in its own region');

        const arrivals = async (region: string | undefined): Promise<ReadonlyArray<number>> => {
          const control = region === undefined ? fleet.control : fleet.control.forRegion(region);
          const log = await expectRight(control.requests('CreateStreamSessionConnection'));
          return log.requests.map((request) => Date.parse(request.at)).sort((a, b) => a - b);
        };
        const firstArrivals = await arrivals(undefined);
        const secondArrivals = await arrivals(FLEET_SECOND_REGION);
        const lastOf = (times: ReadonlyArray<number>): number => times[times.length - 1] ?? assert.fail('no calls');
        assert.ok(
          lastOf(secondArrivals) < lastOf(firstArrivals),
          'the second region finished its storm while the first region was still working through its own',
        );
      },
      {},
      [FLEET_REGION, FLEET_SECOND_REGION],
    );
  });

  it('refuses a different offer while another replica reconnects the session; the same offer there gets the same token and answer', async () => {
    await withFleet(true, async (fleet) => {
      const [session] = await fleet.sessions(1);
      assert.ok(session !== undefined);
      await expectRight(
        fleet.control.injectFault({ operation: 'CreateStreamSessionConnection', fault: { kind: 'latency', ms: 2000 } }),
      );
      const [first, second, third] = fleet.clients;
      assert.ok(first !== undefined && second !== undefined && third !== undefined);
      const request = {
        streamGroupIdentifier: FLEET_GROUP_ID,
        streamSessionIdentifier: session.id,
        signalRequest: 'v=0 the offer',
      };
      const inFlight = first.reconnectStreamSession(request, { deadlineMs: 20_000 })();
      for (
        let attempt = 0;
        attempt < 200 && (await fleet.counters()).calls.CreateStreamSessionConnection === 0;
        attempt += 1
      ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const refused = await expectLeft(
        second.reconnectStreamSession({ ...request, signalRequest: 'v=0 another offer' }, { deadlineMs: 20_000 }),
      );
      assert.equal(refused.code, status.FAILED_PRECONDITION);
      assert.equal(refused.details.errorInfo?.reason, 'RECONNECT_IN_PROGRESS');
      const twin = await expectRight(third.reconnectStreamSession(request, { deadlineMs: 20_000 }));
      const original = await expectRight(() => inFlight);
      assert.equal(twin.signalResponse, original.signalResponse);
      assert.equal(original.signalResponse, emulatorSignalResponse('v=0 the offer'));
      const seen = (await expectRight(fleet.control.requests('CreateStreamSessionConnection'))).requests;
      const tokens = new Set(seen.map((request) => request.clientToken));
      assert.equal(seen.length, 2, 'the offer reached AWS from each of the two replicas');
      assert.equal(tokens.size, 1, 'with one derived ClientToken');
    });
  });

  it('loses nothing and never exceeds the quota when Redis dies mid-storm and comes back empty; then shares again', async () => {
    await withFleet(
      true,
      async (fleet) => {
        const sessions = await fleet.sessions(SESSIONS);
        const result = await storm(fleet, sessions, undefined, async () => {
          for (
            let attempt = 0;
            attempt < 500 && (await fleet.counters()).calls.CreateStreamSessionConnection < 12;
            attempt += 1
          ) {
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          await redis.kill();
          for (
            let attempt = 0;
            attempt < 500 && (await fleet.counters()).calls.CreateStreamSessionConnection < 24;
            attempt += 1
          ) {
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          await redis.restart();
        });
        assert.equal(result.outcomes.filter(E.isRight).length, SESSIONS, codesOf(result.outcomes));
        assert.deepEqual(result.throttled, { CreateStreamSessionConnection: 0, GetStreamSession: 0 });
        for (const replica of fleet.replicas) {
          let shared = 0;
          for (let attempt = 0; attempt < 250 && shared !== 1; attempt += 1) {
            shared = await scrapedValue(replica.metricsPort, 'reconnect_fleet_mode', { mode: 'shared' });
            if (shared !== 1) await new Promise((resolve) => setTimeout(resolve, 20));
          }
          assert.equal(shared, 1, 'the replica shares its budgets again');
          assert.ok(
            replica.messages().some((message) => message.startsWith('fleet admission degraded: Redis unreachable')),
          );
        }
      },
      { RECONNECT_FLEET_COOLDOWN_MS: '1000' },
    );
  });
});
