import { strict as assert } from 'node:assert';
import {
  CreateStreamSessionConnectionCommand,
  GameLiftStreamsClient,
  GameLiftStreamsServiceException,
  GetStreamSessionCommand,
  InternalServerException,
  ListStreamSessionsByAccountCommand,
  ResourceNotFoundException,
  StartStreamSessionCommand,
  ThrottlingException,
} from '@aws-sdk/client-gameliftstreams';
import * as E from 'fp-ts/Either';
import type { EmulatorControl } from '../../src/emulator/control-client';
import { startEmulator } from '../../src/emulator/server';
import { DEFAULT_RATE_LIMITS } from '../../src/emulator/throttle';
import { useSuiteFixture } from '../support/suite-fixture';
import {
  ACCOUNT_ID,
  GROUP_ID,
  left,
  OFFER,
  rawRequest,
  REGION,
  rejectionOf,
  right,
  sdkClient,
  startSession,
  startSessionInput,
  useTestEmulator,
} from './support/fixture';

const EU = 'eu-west-1';
const EU_ONLY_GROUP = 'sg-euonly001';
const TOKEN = '5b0c8a1e-6f3d-4f0e-9a57-2d1c4b8e7f60';

const arnIn = (region: string, resource: string): string =>
  `arn:aws:gameliftstreams:${region}:${ACCOUNT_ID}:${resource}`;

interface RegionalClients {
  /** The real SDK signing for eu-west-1, against the same endpoint as the fixture's us-west-2 client. */
  readonly sdk: GameLiftStreamsClient;
  readonly control: EmulatorControl;
}

/** A GetStreamSession that names an Authorization header of the test's choosing, as the SDK never would. */
const getWithAuthorization = async (
  endpoint: string,
  authorization: string,
): Promise<{ status: number; errorType: string | null; message: unknown }> => {
  const response = await fetch(`${endpoint}/streamgroups/${GROUP_ID}/streamsessions/ABC123def4567`, {
    headers: { authorization },
    signal: AbortSignal.timeout(5000),
  });
  const body: unknown = await response.json();
  return {
    status: response.status,
    errorType: response.headers.get('x-amzn-errortype'),
    message: typeof body === 'object' && body !== null && 'message' in body ? body.message : undefined,
  };
};

describe('emulator: several regions behind one endpoint', () => {
  const fixture = useTestEmulator({ regions: [REGION, EU] });
  const eu = useSuiteFixture<RegionalClients>('the eu-west-1 clients', {
    start: () =>
      Promise.resolve({
        sdk: sdkClient(fixture().emulator.endpoint, EU),
        control: fixture().control.forRegion(EU),
      }),
    close: (clients) => Promise.resolve(clients.sdk.destroy()),
  });

  const reconnect = (sdk: GameLiftStreamsClient, sessionId: string) =>
    sdk.send(
      new CreateStreamSessionConnectionCommand({
        Identifier: GROUP_ID,
        StreamSessionIdentifier: sessionId,
        SignalRequest: OFFER,
      }),
    );

  it('reports every region it emulates, the first as the default', () => {
    assert.equal(fixture().emulator.region, REGION);
    assert.deepEqual(fixture().emulator.regions, [REGION, EU]);
  });

  it("keeps each region's stream groups to itself", async () => {
    // The fixture created GROUP_ID in the default region only.
    const notInEu = await rejectionOf(eu().sdk.send(new StartStreamSessionCommand(startSessionInput())));
    assert.ok(notInEu instanceof ResourceNotFoundException);
    await right(eu().control.createStreamGroup({ id: EU_ONLY_GROUP }));
    const notInUs = await rejectionOf(
      fixture().sdk.send(new StartStreamSessionCommand(startSessionInput({ Identifier: EU_ONLY_GROUP }))),
    );
    assert.ok(notInUs instanceof ResourceNotFoundException);
    const inEu = await startSession(eu().sdk, { Identifier: EU_ONLY_GROUP });
    assert.equal(inEu.arn, arnIn(EU, `streamsession/${EU_ONLY_GROUP}/${inEu.id}`));
  });

  it("gives each region's resources ARNs in that region, and its sessions that region as their Location", async () => {
    const group = await right(eu().control.createStreamGroup({ id: GROUP_ID }));
    assert.equal(group.arn, arnIn(EU, `streamgroup/${GROUP_ID}`));
    const inEu = await eu().sdk.send(new StartStreamSessionCommand(startSessionInput()));
    assert.match(inEu.Arn ?? '', new RegExp(`^arn:aws:gameliftstreams:${EU}:${ACCOUNT_ID}:streamsession/${GROUP_ID}/`));
    assert.equal(inEu.Location, EU);
    assert.equal(inEu.ApplicationArn, arnIn(EU, 'application/a-test00001'));
    const inUs = await fixture().sdk.send(new StartStreamSessionCommand(startSessionInput()));
    assert.match(inUs.Arn ?? '', new RegExp(`^arn:aws:gameliftstreams:${REGION}:`));
    assert.equal(inUs.Location, REGION);
  });

  it('finds a session only in its own region, by ID, by ARN and in ListStreamSessionsByAccount', async () => {
    await right(eu().control.createStreamGroup({ id: GROUP_ID }));
    const inUs = await startSession(fixture().sdk);
    const inEu = await startSession(eu().sdk);
    for (const identifier of [inUs.id, inUs.arn]) {
      const crossed = await rejectionOf(
        eu().sdk.send(new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: identifier })),
      );
      assert.ok(crossed instanceof ResourceNotFoundException, identifier);
    }
    const euSessions = await eu().sdk.send(new ListStreamSessionsByAccountCommand({}));
    assert.deepEqual(
      euSessions.Items?.map((item) => item.Arn),
      [inEu.arn],
    );
    const usSessions = await fixture().sdk.send(new ListStreamSessionsByAccountCommand({}));
    assert.deepEqual(
      usSessions.Items?.map((item) => item.Arn),
      [inUs.arn],
    );
  });

  it('keeps an idempotency ledger per region: one ClientToken starts a session in each', async () => {
    await right(eu().control.createStreamGroup({ id: GROUP_ID }));
    const input = startSessionInput({ ClientToken: TOKEN });
    const inUs = await fixture().sdk.send(new StartStreamSessionCommand(input));
    const inEu = await eu().sdk.send(new StartStreamSessionCommand(input));
    assert.notEqual(inEu.Arn, inUs.Arn);
    assert.equal((await right(fixture().control.counters())).idempotentReplays.StartStreamSession, 0);
    assert.equal((await right(eu().control.counters())).idempotentReplays.StartStreamSession, 0);
    const replayInEu = await eu().sdk.send(new StartStreamSessionCommand(input));
    assert.equal(replayInEu.Arn, inEu.Arn);
  });

  it("throttles each region on its own: a region whose CreateStreamSessionConnection bucket is empty leaves the other's full", async () => {
    await right(eu().control.createStreamGroup({ id: GROUP_ID }));
    const inUs = await startSession(fixture().sdk);
    const inEu = await startSession(eu().sdk);
    // Three tokens that refill once in 100 s: the fourth and fifth calls are throttled however slowly they arrive.
    await right(
      fixture().control.setRate({ operation: 'CreateStreamSessionConnection', ratePerSecond: 0.01, burst: 3 }),
    );
    const usOutcomes: string[] = [];
    for (let call = 0; call < 5; call += 1) {
      usOutcomes.push(
        await reconnect(fixture().sdk, inUs.id).then(
          () => 'answered',
          (error: unknown) => (error instanceof ThrottlingException ? 'throttled' : String(error)),
        ),
      );
    }
    assert.deepEqual(usOutcomes, ['answered', 'answered', 'answered', 'throttled', 'throttled']);
    // eu-west-1's bucket was neither drained nor changed: it still holds the documented default burst.
    const { burst } = DEFAULT_RATE_LIMITS.CreateStreamSessionConnection;
    for (let call = 0; call < burst; call += 1) {
      await reconnect(eu().sdk, inEu.id);
    }
    const usCounters = await right(fixture().control.counters());
    assert.equal(usCounters.calls.CreateStreamSessionConnection, 5);
    assert.equal(usCounters.throttled.CreateStreamSessionConnection, 2);
    const euCounters = await right(eu().control.counters());
    assert.equal(euCounters.calls.CreateStreamSessionConnection, burst);
    assert.equal(euCounters.throttled.CreateStreamSessionConnection, 0);
  });

  it("counts and records each region's calls apart", async () => {
    await right(eu().control.createStreamGroup({ id: GROUP_ID }));
    const inEu = await startSession(eu().sdk);
    await eu().sdk.send(new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: inEu.id }));
    const euGets = await right(eu().control.requests('GetStreamSession'));
    assert.deepEqual(
      euGets.requests.map((request) => request.streamSessionIdentifier),
      [inEu.id],
    );
    assert.deepEqual((await right(fixture().control.requests())).requests, []);
    assert.equal((await right(fixture().control.counters())).calls.GetStreamSession, 0);
    assert.equal((await right(eu().control.counters())).calls.GetStreamSession, 1);
  });

  it('injects faults and sets transition delays in the named region only', async () => {
    await right(eu().control.createStreamGroup({ id: GROUP_ID }));
    await right(eu().control.setTransitions({ delayMs: 600_000 }));
    await right(
      eu().control.injectFault({
        operation: 'GetStreamSession',
        fault: { kind: 'error', errorName: 'InternalServerException' },
      }),
    );
    const inUs = await startSession(fixture().sdk);
    const inEu = await startSession(eu().sdk);
    const get = (sdk: GameLiftStreamsClient, sessionId: string) =>
      sdk.send(new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: sessionId }));
    assert.equal((await get(fixture().sdk, inUs.id)).Status, 'ACTIVE');
    assert.ok((await rejectionOf(get(eu().sdk, inEu.id))) instanceof InternalServerException);
    assert.equal((await get(eu().sdk, inEu.id)).Status, 'ACTIVATING');
    assert.equal((await right(fixture().control.counters())).faultsApplied.GetStreamSession, 0);
  });

  it('drives a session in the named region through the control API', async () => {
    await right(eu().control.createStreamGroup({ id: GROUP_ID }));
    const inEu = await startSession(eu().sdk);
    const connected = await right(eu().control.setClient(GROUP_ID, inEu.id, 'connect'));
    assert.equal(connected.status, 'CONNECTED');
    assert.equal(connected.arn, inEu.arn);
    const notInUs = await left(fixture().control.setClient(GROUP_ID, inEu.id, 'drop'));
    assert.ok(notInUs.kind === 'rejected' && notInUs.status === 404);
  });

  it('a reset without a region resets every region; one that names a region resets only that one', async () => {
    await right(eu().control.createStreamGroup({ id: EU_ONLY_GROUP }));
    await right(eu().control.reset());
    const goneFromEu = await rejectionOf(
      eu().sdk.send(new StartStreamSessionCommand(startSessionInput({ Identifier: EU_ONLY_GROUP }))),
    );
    assert.ok(goneFromEu instanceof ResourceNotFoundException);
    await startSession(fixture().sdk);
    await right(eu().control.createStreamGroup({ id: EU_ONLY_GROUP }));
    await right(fixture().control.reset());
    for (const [sdk, identifier] of [
      [eu().sdk, EU_ONLY_GROUP],
      [fixture().sdk, GROUP_ID],
    ] as const) {
      const gone = await rejectionOf(
        sdk.send(new StartStreamSessionCommand(startSessionInput({ Identifier: identifier }))),
      );
      assert.ok(gone instanceof ResourceNotFoundException, identifier);
    }
  });

  it('takes ?region= on the raw control API, as curl sends it', async () => {
    const created = await rawRequest(
      fixture().emulator.endpoint,
      'POST',
      `/_emulator/stream-groups?region=${EU}`,
      `{"id":"${EU_ONLY_GROUP}"}`,
    );
    assert.equal(created.status, 201);
    assert.deepEqual(JSON.parse(created.text), { id: EU_ONLY_GROUP, arn: arnIn(EU, `streamgroup/${EU_ONLY_GROUP}`) });
    await startSession(eu().sdk, { Identifier: EU_ONLY_GROUP });
  });

  it('a control call that names a region the emulator does not serve → 404 naming those it serves, not the one sent', async () => {
    const elsewhere = fixture().control.forRegion('mars-north-1');
    for (const error of [await left(elsewhere.counters()), await left(elsewhere.reset())]) {
      assert.ok(error.kind === 'rejected' && error.status === 404);
      assert.match(error.message, /this emulator serves us-west-2, eu-west-1\./);
      assert.ok(!error.message.includes('mars'));
    }
  });

  it('a call signed for a region the emulator does not serve → 403 InvalidSignatureException, not retried, counted nowhere', async () => {
    const elsewhere = new GameLiftStreamsClient({
      endpoint: fixture().emulator.endpoint,
      region: 'ap-south-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'fake' },
      maxAttempts: 3,
    });
    try {
      const error = await rejectionOf(
        elsewhere.send(new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: 'ABC123def4567' })),
      );
      assert.ok(error instanceof GameLiftStreamsServiceException);
      assert.equal(error.name, 'InvalidSignatureException');
      assert.equal(error.$fault, 'client');
      assert.equal(error.$metadata.httpStatusCode, 403);
      assert.equal(error.$metadata.attempts, 1);
      assert.equal(
        error.message,
        'Credential should be scoped to a valid region; this emulator serves us-west-2, eu-west-1.',
      );
    } finally {
      elsewhere.destroy();
    }
    for (const control of [fixture().control, eu().control]) {
      assert.equal((await right(control.counters())).calls.GetStreamSession, 0);
      assert.deepEqual((await right(control.requests())).requests, []);
    }
  });

  it('a request without an Authorization header goes to the default region', async () => {
    await right(eu().control.createStreamGroup({ id: EU_ONLY_GROUP }));
    const fromDefault = await rawRequest(
      fixture().emulator.endpoint,
      'GET',
      `/streamgroups/${GROUP_ID}/streamsessions`,
    );
    assert.equal(fromDefault.status, 200);
    const notInDefault = await rawRequest(
      fixture().emulator.endpoint,
      'GET',
      `/streamgroups/${EU_ONLY_GROUP}/streamsessions`,
    );
    assert.equal(notInDefault.status, 404);
    assert.equal(notInDefault.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
    assert.equal((await right(fixture().control.counters())).calls.ListStreamSessions, 2);
  });

  it('an Authorization header that is not SigV4 → 400 IncompleteSignatureException; a scope for another service → 403', async () => {
    const notSigV4 = await getWithAuthorization(fixture().emulator.endpoint, 'Bearer secret-token-value');
    assert.deepEqual(notSigV4, {
      status: 400,
      errorType: 'IncompleteSignatureException',
      message: 'The Authorization header is not AWS Signature Version 4 with a credential scope.',
    });
    const otherService = await getWithAuthorization(
      fixture().emulator.endpoint,
      `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260501/${EU}/gamelift/aws4_request, SignedHeaders=host, Signature=00`,
    );
    assert.deepEqual(otherService, {
      status: 403,
      errorType: 'InvalidSignatureException',
      message: "Credential should be scoped to correct service: 'gameliftstreams'.",
    });
  });
});

describe('emulator: the regions option', () => {
  const startedRegions = async (options: Parameters<typeof startEmulator>[0]) => {
    const emulator = await right(startEmulator({ host: '127.0.0.1', port: 0, ...options }));
    await emulator.close();
    return { region: emulator.region, regions: emulator.regions };
  };

  it('region alone is a one-region list, and us-west-2 the default', async () => {
    assert.deepEqual(await startedRegions({ region: 'eu-central-1' }), {
      region: 'eu-central-1',
      regions: ['eu-central-1'],
    });
    assert.deepEqual(await startedRegions({}), { region: 'us-west-2', regions: ['us-west-2'] });
  });

  it('refuses an empty list, both options at once, a repeated region and a malformed name', async () => {
    const problemOf = async (options: Parameters<typeof startEmulator>[0]): Promise<string> => {
      const started = await startEmulator({ host: '127.0.0.1', port: 0, ...options })();
      if (E.isRight(started)) {
        await started.right.close();
        return 'started';
      }
      assert.equal(started.left.kind, 'invalid-options');
      return started.left.message;
    };
    assert.match(await problemOf({ regions: [] }), /regions must not be empty/);
    assert.match(await problemOf({ region: REGION, regions: [REGION, EU] }), /give region or regions, not both/);
    const both = await problemOf({ regions: [REGION, 'Not_A_Region', REGION] });
    assert.match(both, /regions must not repeat/);
    assert.match(both, /a region must be 1-32 lowercase letters, digits or hyphens/);
  });
});

describe('emulator: the request log line names the region', () => {
  it('names the region that served a call, and none for a call refused for its credential scope', async () => {
    const lines: object[] = [];
    const logger = { info: (fields: object) => lines.push(fields), warn: () => undefined, error: () => undefined };
    const emulator = await right(
      startEmulator({ host: '127.0.0.1', port: 0, regions: [REGION, EU], logger, logRequests: true }),
    );
    const inEu = sdkClient(emulator.endpoint, EU);
    const elsewhere = sdkClient(emulator.endpoint, 'ap-south-1');
    try {
      const get = new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: 'ABC123def4567' });
      assert.ok((await rejectionOf(inEu.send(get))) instanceof ResourceNotFoundException);
      assert.ok((await rejectionOf(elsewhere.send(get))) instanceof GameLiftStreamsServiceException);
    } finally {
      inEu.destroy();
      elsewhere.destroy();
      await emulator.close();
    }
    assert.deepEqual(
      lines.map((line) => ({
        region: 'region' in line ? line.region : undefined,
        errorType: 'errorType' in line ? line.errorType : undefined,
        operation: 'operation' in line ? line.operation : undefined,
      })),
      [
        { region: EU, errorType: 'ResourceNotFoundException', operation: 'GetStreamSession' },
        { region: undefined, errorType: 'InvalidSignatureException', operation: 'GetStreamSession' },
      ],
    );
  });
});
