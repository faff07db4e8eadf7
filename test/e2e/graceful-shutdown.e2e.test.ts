import { strict as assert } from 'node:assert';

import { status } from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';

import { ReconnectClient, type ReconnectCallError } from '../../src/client/reconnect-client';
import { EmulatorControl } from '../../src/emulator/control-client';
import { DEMO_STREAM_GROUP_ID } from '../../src/emulator/demo';
import type { ReconnectStreamSessionResponse } from '../../src/gen/reconnect/v1/reconnect';
import { disconnectedDemoSessions } from '../support/disconnected-sessions';
import { untilConnectionCallsReceived } from '../support/emulator-counters';
import { logMessageStartingWith, ServiceProcess } from '../support/service-process';
import { expectLeft, expectRight } from '../support/task-either';

const OFFER = '{"type":"offer","sdp":"v=0 shutdown-e2e-offer"}';
/** The statuses a call cancelled by the server's shutdown may end with; anything else is not a clean ending. */
const CLEAN_CANCELLATION = new Set<status>([status.CANCELLED, status.UNAVAILABLE]);

/** Neither our admission limiter nor the emulator's AWS quota may refuse calls: these tests are about shutdown. */
const UNTHROTTLED = {
  RECONNECT_RATE_CREATE_STREAM_SESSION_CONNECTION: '1000',
  RECONNECT_RATE_GET_STREAM_SESSION: '1000',
  RECONNECT_UPSTREAM_BURST: '1000',
};

type CallResult = E.Either<ReconnectCallError, ReconnectStreamSessionResponse>;

/** Slows every CreateStreamSessionConnection, so the calls are still in flight when the signal arrives. */
async function slowUpstream(control: EmulatorControl, latencyMs: number): Promise<void> {
  await expectRight(
    control.injectFault({
      operation: 'CreateStreamSessionConnection',
      fault: { kind: 'latency', ms: latencyMs },
      probability: 1,
    }),
  );
}

function reconnectAll(client: ReconnectClient, sessionIds: ReadonlyArray<string>): Promise<ReadonlyArray<CallResult>> {
  return Promise.all(
    sessionIds.map((sessionId) =>
      client.reconnectStreamSession({
        streamGroupIdentifier: DEMO_STREAM_GROUP_ID,
        streamSessionIdentifier: sessionId,
        signalRequest: OFFER,
      })(),
    ),
  );
}

function describeResults(results: ReadonlyArray<CallResult>): string {
  return JSON.stringify(
    results.map((result) => (E.isRight(result) ? 'OK' : `${result.left.codeName}: ${result.left.message}`)),
  );
}

/** The shutdown steps the process logged, in order (the messages all start with "shutdown:"). */
function shutdownSteps(service: ServiceProcess): ReadonlyArray<string> {
  return service
    .messages()
    .filter((message) => message.startsWith('shutdown:'))
    .map((message) => message.replace(/;.*$/, ''));
}

/** The process exited 0, after logging exactly these shutdown steps in this order. */
async function assertExitedCleanlyAfter(service: ServiceProcess, steps: ReadonlyArray<string>): Promise<void> {
  assert.deepEqual(await service.exited(), { code: 0, signal: null });
  assert.deepEqual(shutdownSteps(service), steps);
}

/** Every call was cut short by the shutdown, each with a clean status (one of CLEAN_CANCELLATION). */
function assertAllCancelledCleanly(results: ReadonlyArray<CallResult>): void {
  for (const result of results) {
    assert.ok(E.isLeft(result) && CLEAN_CANCELLATION.has(result.left.code), describeResults(results));
  }
}

describe('graceful shutdown of the process (node dist/src/main.js)', function () {
  this.timeout(60_000);
  // What `callsInFlight` opened, for afterEach to clean up after a failed test as after a passing one.
  let serviceToKill: ServiceProcess | undefined;
  let clientToClose: ReconnectClient | undefined;

  afterEach(() => {
    clientToClose?.close();
    serviceToKill?.kill();
  });

  /**
   * Starts the process with this shutdown grace, then `count` reconnects that an upstream slowed by `upstreamLatencyMs`
   * holds in flight; resolves once every one has reached the emulator.
   */
  async function callsInFlight(
    graceMs: number,
    count: number,
    upstreamLatencyMs: number,
  ): Promise<{
    readonly service: ServiceProcess;
    readonly sessions: ReadonlyArray<string>;
    readonly calls: Promise<ReadonlyArray<CallResult>>;
  }> {
    const running = await ServiceProcess.start({
      ...UNTHROTTLED,
      RECONNECT_SHUTDOWN_GRACE_MS: String(graceMs),
      RECONNECT_SHUTDOWN_DRAIN_DELAY_MS: '100',
    });
    serviceToKill = running;
    const control = new EmulatorControl(running.emulatorEndpoint);
    const sessions = await disconnectedDemoSessions(running, count);
    await slowUpstream(control, upstreamLatencyMs);
    const client = new ReconnectClient(running.grpcAddress);
    clientToClose = client;
    const calls = reconnectAll(client, sessions);
    await untilConnectionCallsReceived(control, count);
    return { service: running, sessions, calls };
  }

  it('on SIGTERM: answers all 50 calls in flight, refuses new calls, and exits 0', async () => {
    const { service, sessions, calls } = await callsInFlight(8000, 50, 1500);

    service.signal('SIGTERM');
    await service.untilLogged(logMessageStartingWith('shutdown: no longer accepting calls'));
    const latecomer = new ReconnectClient(service.grpcAddress);
    try {
      const refused = await expectLeft(
        latecomer.reconnectStreamSession({
          streamGroupIdentifier: DEMO_STREAM_GROUP_ID,
          streamSessionIdentifier: sessions[0] ?? '',
          signalRequest: OFFER,
        }),
      );
      assert.equal(refused.code, status.UNAVAILABLE, refused.message);
    } finally {
      latecomer.close();
    }

    const results = await calls;
    assert.equal(results.length, 50);
    assert.ok(results.every(E.isRight), describeResults(results));
    await assertExitedCleanlyAfter(service, [
      'shutdown: health is NOT_SERVING',
      'shutdown: no longer accepting calls',
      'shutdown: every call in flight finished',
      'shutdown: embedded emulator closed',
      'shutdown: stopped',
    ]);
  });

  it('calls slower than the grace end with a clean status, and the process still exits 0', async () => {
    const { service, calls } = await callsInFlight(1000, 10, 30_000);

    service.signal('SIGTERM');

    assertAllCancelledCleanly(await calls);
    await assertExitedCleanlyAfter(service, [
      'shutdown: health is NOT_SERVING',
      'shutdown: no longer accepting calls',
      'shutdown: cancelled the calls still in flight',
      'shutdown: embedded emulator closed',
      'shutdown: stopped',
    ]);
  });

  it('a second signal cancels the calls in flight at once instead of waiting for the grace', async () => {
    const { service, calls } = await callsInFlight(60_000, 5, 30_000);

    service.signal('SIGTERM');
    await service.untilLogged(logMessageStartingWith('shutdown: no longer accepting calls'));
    service.signal('SIGINT');

    assertAllCancelledCleanly(await calls);
    await assertExitedCleanlyAfter(service, [
      'shutdown: health is NOT_SERVING',
      'shutdown: no longer accepting calls',
      'shutdown: second signal',
      'shutdown: cancelled the calls still in flight',
      'shutdown: embedded emulator closed',
      'shutdown: stopped',
    ]);
  });
});
