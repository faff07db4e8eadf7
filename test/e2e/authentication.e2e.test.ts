import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as path from 'node:path';

import * as grpc from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';
import { service as healthService } from 'grpc-health-check';

import { bearerMetadata, ReconnectClient, type ReconnectCallError } from '../../src/client/reconnect-client';
import { EmulatorControl } from '../../src/emulator/control-client';
import { DEMO_STREAM_GROUP_ID } from '../../src/emulator/demo';
import { emulatorSignalResponse } from '../../src/emulator/signal-answer';
import { GetStreamSessionRequest, type ReconnectStreamSessionResponse } from '../../src/gen/reconnect/v1/reconnect';
/** The header through which an earlier version told its handlers who called; a client that sends it gains nothing. */
const AUTHENTICATED_CALLER_KEY = 'x-reconnect-authenticated-caller';
import { CallersFixture, randomToken, sha256Hex, useCallersFile } from '../support/callers-fixture';
import { disconnectedDemoSessions } from '../support/disconnected-sessions';
import { untilConnectionCallsReceived } from '../support/emulator-counters';
import { GET_STREAM_SESSION_PATH, grpcFrame, sendWithHeaderFields } from '../support/raw-grpc';
import { ReflectionClient } from '../support/reflection-client';
import {
  GROUP_ID,
  disconnectedSession,
  upstreamCalls,
  useHarness,
  type HarnessOptions,
} from '../support/service-harness';
import { logMessageStartingWith, ServiceProcess } from '../support/service-process';
import { expectLeft, expectRight } from '../support/task-either';

const OFFER = '{"type":"offer","sdp":"v=0 authentication-e2e-offer"}';
const OTHER_GROUP_ID = 'sg-e2eOther1';
const DEADLINE = { deadlineMs: 10_000 };

const request = (streamSessionIdentifier: string, streamGroupIdentifier = GROUP_ID) => ({
  streamGroupIdentifier,
  streamSessionIdentifier,
  signalRequest: OFFER,
});

function metadataOf(entries: ReadonlyArray<[string, string]>): () => grpc.Metadata {
  return () => {
    const metadata = new grpc.Metadata();
    for (const [key, value] of entries) {
      metadata.add(key, value);
    }
    return metadata;
  };
}

function assertUnauthenticated(error: ReconnectCallError, problem: string): void {
  assert.equal(error.code, grpc.status.UNAUTHENTICATED, `${error.codeName}: ${error.message}`);
  assert.equal(error.details.errorInfo?.reason, 'CALLER_UNAUTHENTICATED');
  assert.equal(error.details.errorInfo?.metadata.problem, problem);
}

/** grpc.health.v1.Health/Check with the given call metadata; the status name, or the failure's code. */
function healthCheck(address: string, metadata: grpc.Metadata): Promise<E.Either<grpc.status, string>> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const method = healthService.Check;
  return new Promise<E.Either<grpc.status, string>>((resolve) => {
    client.makeUnaryRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      { service: '' },
      metadata,
      { deadline: Date.now() + 10_000 },
      (error: grpc.ServiceError | null, response?: object) => {
        const status = response !== undefined && 'status' in response ? String(response.status) : undefined;
        resolve(error === null && status !== undefined ? E.right(status) : E.left(error?.code ?? grpc.status.UNKNOWN));
      },
    );
  }).finally(() => client.close());
}

describe('authentication end to end (bearer tokens from the callers file)', function () {
  this.timeout(30_000);
  const matchmakerToken = randomToken();
  const limitedToken = randomToken();
  const callers = useCallersFile([
    { name: 'matchmaker', token: matchmakerToken, streamGroups: [GROUP_ID] },
    { name: 'limited', token: limitedToken, streamGroups: [OTHER_GROUP_ID] },
  ]);

  /** Harness options with the suite's callers file; a function, since the file exists only once its hook has run. */
  const optionsWithCallersFile = (healthRequiresAuthentication: boolean) => (): HarnessOptions => ({
    security: {
      tls: undefined,
      callersFile: callers().path,
      allowInsecurePlaintext: false,
      healthRequiresAuthentication,
    },
  });

  describe('every call needs a known token', () => {
    const harness = useHarness(optionsWithCallersFile(false));

    /** Both RPCs with this metadata: each must be refused as `problem`, and nothing may reach the emulator. */
    async function assertRefusedBothRpcs(metadata: (() => grpc.Metadata) | undefined, problem: string): Promise<void> {
      const session = await disconnectedSession(harness());
      const before = await upstreamCalls(harness());
      const client = harness().connect(grpc.credentials.createInsecure(), { metadata });
      assertUnauthenticated(await expectLeft(client.reconnectStreamSession(request(session.id), DEADLINE)), problem);
      assertUnauthenticated(
        await expectLeft(
          client.getStreamSession({ streamGroupIdentifier: GROUP_ID, streamSessionIdentifier: session.id }, DEADLINE),
        ),
        problem,
      );
      assert.deepEqual(await upstreamCalls(harness()), before);
    }

    it('no credential → UNAUTHENTICATED (MissingCredentials), no upstream call', async () => {
      await assertRefusedBothRpcs(undefined, 'MissingCredentials');
    });

    it('an unknown token → UNAUTHENTICATED (UnknownCredentials), no upstream call', async () => {
      await assertRefusedBothRpcs(bearerMetadata(randomToken()), 'UnknownCredentials');
    });

    it("the token's digest sent as the token → UnknownCredentials (the file holds nothing usable)", async () => {
      await assertRefusedBothRpcs(bearerMetadata(sha256Hex(matchmakerToken)), 'UnknownCredentials');
    });

    const malformed: ReadonlyArray<[string, string]> = [
      ['another scheme ("Basic x")', 'Basic x'],
      ['the token without "Bearer "', matchmakerToken],
      ['"Bearer" with no token', 'Bearer'],
      ['two values, joined as a proxy joins them', `Bearer ${matchmakerToken}, Bearer ${limitedToken}`],
    ];
    for (const [what, value] of malformed) {
      it(`a malformed authorization header, ${what} → MalformedAuthorization, no upstream call`, async () => {
        await assertRefusedBothRpcs(metadataOf([['authorization', value]]), 'MalformedAuthorization');
      });
    }

    it('two authorization values are refused by the grpc-js client itself, so they never leave it', async () => {
      const before = await upstreamCalls(harness());
      const doubled = metadataOf([
        ['authorization', `Bearer ${matchmakerToken}`],
        ['authorization', `Bearer ${matchmakerToken}`],
      ]);
      const error = await expectLeft(
        harness()
          .connect(grpc.credentials.createInsecure(), { metadata: doubled })
          .reconnectStreamSession(request('ABC123def4567'), DEADLINE),
      );
      assert.notEqual(error.code, grpc.status.OK);
      assert.equal(error.details.errorInfo, undefined, 'the service never answered');
      assert.deepEqual(await upstreamCalls(harness()), before);
    });

    describe('authorization sent twice, as an HTTP/2 client other than grpc-js can', () => {
      /** GetStreamSession with these authorization fields, in this order; the access line it left. */
      async function readWithAuthorizations(
        values: ReadonlyArray<string>,
      ): Promise<Readonly<Record<string, unknown>> | undefined> {
        const session = await disconnectedSession(harness());
        const requestId = `twice-${randomToken().slice(0, 16)}`;
        const body = grpcFrame(
          Buffer.from(
            GetStreamSessionRequest.encode({
              streamGroupIdentifier: GROUP_ID,
              streamSessionIdentifier: session.id,
            }).finish(),
          ),
        );
        const fields = [
          ...values.map((value): [string, string] => ['authorization', value]),
          ['x-request-id', requestId] as const,
        ];
        assert.equal(
          await sendWithHeaderFields(harness().service.port, GET_STREAM_SESSION_PATH, fields, body, 10_000),
          'ended',
        );
        return harness()
          .logs.entries()
          .find((entry) => entry['requestId'] === requestId);
      }

      it("Node's HTTP/2 layer keeps the first: a known token first is that caller, whatever follows", async () => {
        const line = await readWithAuthorizations([`Bearer ${matchmakerToken}`, `Bearer ${randomToken()}`]);
        assert.equal(line?.['codeName'], 'OK');
        assert.equal(line?.['caller'], 'matchmaker');
      });

      it('anything else first is refused, a known token after it notwithstanding', async () => {
        const before = await upstreamCalls(harness());
        const line = await readWithAuthorizations([`Bearer ${randomToken()}`, `Bearer ${matchmakerToken}`]);
        assert.equal(line?.['codeName'], 'UNAUTHENTICATED');
        assert.equal(line?.['reason'], 'CALLER_UNAUTHENTICATED');
        assert.equal((await upstreamCalls(harness())).GetStreamSession, before.GetStreamSession);
      });
    });

    it('a known token → OK, for both RPCs', async () => {
      const session = await disconnectedSession(harness());
      const client = harness().connect(grpc.credentials.createInsecure(), {
        metadata: bearerMetadata(matchmakerToken),
      });
      const read = await expectRight(
        client.getStreamSession({ streamGroupIdentifier: GROUP_ID, streamSessionIdentifier: session.id }, DEADLINE),
      );
      assert.equal(read.statusName, 'PENDING_CLIENT_RECONNECTION');
      const response = await expectRight(client.reconnectStreamSession(request(session.id), DEADLINE));
      assert.equal(response.signalResponse, emulatorSignalResponse(OFFER));
    });

    it(`a client-sent ${AUTHENTICATED_CALLER_KEY} cannot impersonate a caller`, async () => {
      const session = await disconnectedSession(harness());
      const before = await upstreamCalls(harness());
      const forged = harness().connect(grpc.credentials.createInsecure(), {
        metadata: metadataOf([[AUTHENTICATED_CALLER_KEY, 'matchmaker']]),
      });
      assertUnauthenticated(
        await expectLeft(forged.reconnectStreamSession(request(session.id), DEADLINE)),
        'MissingCredentials',
      );
      // Authenticated as "limited", claiming to be "matchmaker": the grants are limited's, so GROUP_ID is refused.
      const limitedClaimingMore = harness().connect(grpc.credentials.createInsecure(), {
        metadata: metadataOf([
          ['authorization', `Bearer ${limitedToken}`],
          [AUTHENTICATED_CALLER_KEY, 'matchmaker'],
        ]),
      });
      const error = await expectLeft(limitedClaimingMore.reconnectStreamSession(request(session.id), DEADLINE));
      assert.equal(error.code, grpc.status.PERMISSION_DENIED, error.message);
      assert.equal(error.details.errorInfo?.reason, 'CALLER_NOT_ALLOWED');
      assert.equal(error.details.errorInfo?.metadata.caller, 'limited');
      assert.deepEqual(await upstreamCalls(harness()), before);
    });

    it('never logs a token or its digest, nor sends one back, while it logs each refusal', async () => {
      const unknownToken = randomToken();
      const session = await disconnectedSession(harness());
      const valid = harness().connect(grpc.credentials.createInsecure(), { metadata: bearerMetadata(matchmakerToken) });
      const unknown = harness().connect(grpc.credentials.createInsecure(), { metadata: bearerMetadata(unknownToken) });
      const malformedWithToken = harness().connect(grpc.credentials.createInsecure(), {
        metadata: metadataOf([['authorization', `Token ${limitedToken}`]]),
      });
      const linesBefore = harness().logs.lines.length;
      await expectRight(valid.reconnectStreamSession(request(session.id), DEADLINE));
      const refusals = [
        await expectLeft(unknown.reconnectStreamSession(request(session.id), DEADLINE)),
        await expectLeft(
          malformedWithToken.getStreamSession(
            { streamGroupIdentifier: GROUP_ID, streamSessionIdentifier: session.id },
            DEADLINE,
          ),
        ),
      ];
      const logged = harness().logs.lines.slice(linesBefore).join('');
      const refusalsLogged = harness()
        .logs.entries()
        .slice(linesBefore)
        .filter((entry) => entry.reason === 'CALLER_UNAUTHENTICATED');
      assert.equal(refusalsLogged.length, 2, logged);
      for (const secret of [matchmakerToken, unknownToken, limitedToken]) {
        assert.ok(!logged.includes(secret), 'a token was logged');
        assert.ok(!logged.includes(sha256Hex(secret)), 'a token digest was logged');
        for (const refusal of refusals) {
          assert.ok(!refusal.message.includes(secret), 'a token was sent back');
          assert.ok(!JSON.stringify(refusal.details).includes(secret), 'a token was sent back in the details');
        }
      }
    });

    it('health checks stay reachable without credentials', async () => {
      assert.deepEqual(await healthCheck(harness().address, new grpc.Metadata()), E.right('SERVING'));
    });

    it('reflection is not: it needs a credential like the service itself', async () => {
      const reflection = new ReflectionClient(harness().address);
      try {
        const failure = await expectLeft(reflection.listServices());
        assert.equal(failure.code, grpc.status.UNAUTHENTICATED, failure.details);
      } finally {
        reflection.close();
      }
    });
  });

  describe('with RECONNECT_HEALTH_REQUIRES_AUTH', () => {
    const harness = useHarness(optionsWithCallersFile(true));

    it('health checks need a known token like every other call', async () => {
      assert.deepEqual(await healthCheck(harness().address, new grpc.Metadata()), E.left(grpc.status.UNAUTHENTICATED));
      assert.deepEqual(
        await healthCheck(harness().address, bearerMetadata(randomToken())()),
        E.left(grpc.status.UNAUTHENTICATED),
      );
      assert.deepEqual(await healthCheck(harness().address, bearerMetadata(limitedToken)()), E.right('SERVING'));
    });
  });
});

type CallResult = E.Either<ReconnectCallError, ReconnectStreamSessionResponse>;

/** Every port the process opens is picked by the OS, so runs in parallel do not collide; no quota shapes the calls. */
const PROCESS_ENV = {
  METRICS_PORT: '0',
  RECONNECT_RATE_CREATE_STREAM_SESSION_CONNECTION: '1000',
  RECONNECT_RATE_GET_STREAM_SESSION: '1000',
  RECONNECT_UPSTREAM_BURST: '1000',
};

const reconnectDemo = (client: ReconnectClient, sessionId: string): Promise<CallResult> =>
  client.reconnectStreamSession(request(sessionId, DEMO_STREAM_GROUP_ID), { deadlineMs: 20_000 })();

describe('the callers file in the process (node dist/src/main.js)', function () {
  this.timeout(60_000);
  const tokenA = randomToken();
  const tokenB = randomToken();
  let callers: CallersFixture;
  let service: ServiceProcess | undefined;
  const clients: ReconnectClient[] = [];

  beforeEach(async () => {
    callers = await CallersFixture.create([{ name: 'matchmaker', token: tokenA, streamGroups: ['*'] }]);
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) {
      client.close();
    }
    service?.kill();
    service = undefined;
    await callers.remove();
  });

  const clientWith = (running: ServiceProcess, token: string): ReconnectClient => {
    const client = new ReconnectClient(running.grpcAddress, grpc.credentials.createInsecure(), {
      metadata: bearerMetadata(token),
    });
    clients.push(client);
    return client;
  };

  it('SIGHUP swaps token A for B without dropping the calls in flight', async () => {
    const running = await ServiceProcess.start({ ...PROCESS_ENV, RECONNECT_CALLERS_FILE: callers.path });
    service = running;
    assert.match(
      running.messages()[0] ?? '',
      new RegExp(`bearer tokens from ${callers.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
    const control = new EmulatorControl(running.emulatorEndpoint);
    const slowSessions = await disconnectedDemoSessions(running, 8);
    const [afterReloadA = '', afterReloadB = ''] = await disconnectedDemoSessions(running, 2);
    await expectRight(
      control.injectFault({
        operation: 'CreateStreamSessionConnection',
        fault: { kind: 'latency', ms: 3000 },
        count: slowSessions.length,
      }),
    );

    const clientA = clientWith(running, tokenA);
    const finished: string[] = [];
    const inFlight = slowSessions.map((sessionId) =>
      reconnectDemo(clientA, sessionId).then((result) => {
        finished.push(sessionId);
        return result;
      }),
    );
    await untilConnectionCallsReceived(control, slowSessions.length);

    await callers.write([{ name: 'matchmaker', token: tokenB, streamGroups: ['*'] }]);
    running.signal('SIGHUP');
    const reloaded = await running.untilLogged(logMessageStartingWith('callers file reloaded'));
    assert.equal(reloaded.credentials, 1);
    assert.equal(finished.length, 0, 'the reload came while every slow call was still in flight');

    const results = await Promise.all(inFlight);
    assert.deepEqual(
      results.map((result) => (E.isRight(result) ? 'OK' : result.left.codeName)),
      slowSessions.map(() => 'OK'),
    );

    assertUnauthenticated(
      await expectLeft(() => reconnectDemo(clientWith(running, tokenA), afterReloadA)),
      'UnknownCredentials',
    );
    const withB = await expectRight(() => reconnectDemo(clientWith(running, tokenB), afterReloadB));
    assert.equal(withB.signalResponse, emulatorSignalResponse(OFFER));

    const everything = JSON.stringify(running.logs);
    assert.ok(!everything.includes(tokenA) && !everything.includes(tokenB), 'a token was logged');
  });

  it('a broken file on SIGHUP is reported and the previous one stays in force', async () => {
    const running = await ServiceProcess.start({ ...PROCESS_ENV, RECONNECT_CALLERS_FILE: callers.path });
    service = running;
    const [first = '', second = ''] = await disconnectedDemoSessions(running, 2);
    await callers.writeText(
      `{"callers":[{"name":"matchmaker","tokenSha256":"${sha256Hex(tokenB)}","streamGroups":["*"]}`,
    );
    running.signal('SIGHUP');
    const refused = await running.untilLogged(logMessageStartingWith('callers file not reloaded'));
    assert.match(String(refused.msg), /the previous one stays in force/);
    assert.match(String(refused.msg), /not valid JSON/);
    assert.equal(running.messages().filter((message) => message.startsWith('callers file reloaded')).length, 0);

    await expectRight(() => reconnectDemo(clientWith(running, tokenA), first));
    assertUnauthenticated(
      await expectLeft(() => reconnectDemo(clientWith(running, tokenB), second)),
      'UnknownCredentials',
    );
  });
});

interface ExitedProcess {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs main.js to its end with this environment (nothing of the surrounding shell's service settings). */
function runToExit(env: Readonly<Record<string, string>>): Promise<ExitedProcess> {
  const main = path.resolve(__dirname, '..', '..', 'src', 'main.js');
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !['RECONNECT_', 'GRPC_', 'EMULATOR_', 'AWS_', 'LOG_LEVEL'].some((prefix) => name.startsWith(prefix)),
    ),
  );
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [main],
      {
        env: { ...inherited, GRPC_PORT: '0', EMULATOR_HOST: '127.0.0.1', EMULATOR_PORT: '0', ...env },
        timeout: 20_000,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('start-up refuses a non-loopback address without authentication (config, before anything binds)', function () {
  this.timeout(30_000);

  it('GRPC_HOST=0.0.0.0 with neither TLS nor callers: exits 1 naming both problems', async () => {
    const exited = await runToExit({ GRPC_HOST: '0.0.0.0' });
    assert.equal(exited.code, 1, exited.stderr);
    assert.match(exited.stderr, /GRPC_HOST: refusing plaintext gRPC on the non-loopback address "0\.0\.0\.0"/);
    assert.match(
      exited.stderr,
      /GRPC_HOST: refusing to serve "0\.0\.0\.0" with no authentication: set RECONNECT_CALLERS_FILE/,
    );
    assert.ok(!exited.stdout.includes('serving gRPC'), exited.stdout);
  });

  it('GRPC_HOST=0.0.0.0 with GRPC_ALLOW_INSECURE_PLAINTEXT but no callers: still exits 1 for want of authentication', async () => {
    const exited = await runToExit({ GRPC_HOST: '0.0.0.0', GRPC_ALLOW_INSECURE_PLAINTEXT: 'true' });
    assert.equal(exited.code, 1, exited.stderr);
    assert.ok(!/refusing plaintext/.test(exited.stderr), exited.stderr);
    assert.match(exited.stderr, /with no authentication/);
    assert.ok(!exited.stdout.includes('serving gRPC'), exited.stdout);
  });
});
