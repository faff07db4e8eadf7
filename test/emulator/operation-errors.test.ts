import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CreateStreamSessionConnectionCommand,
  GameLiftStreamsServiceException,
  GetStreamSessionCommand,
  ListStreamSessionsByAccountCommand,
  ListStreamSessionsCommand,
  StartStreamSessionCommand,
  TerminateStreamSessionCommand,
} from '@aws-sdk/client-gameliftstreams';
import { OPERATION_ERRORS } from '../../src/emulator/operation-errors';
import { OPERATION_NAMES, type OperationName } from '../../src/emulator/operations';
import {
  droppedSession,
  GROUP_ID,
  OFFER,
  rawHttp,
  right,
  startSession,
  startSessionInput,
  type TestEmulator,
  useTestEmulator,
} from './support/fixture';

/** The errors the installed SDK's command documents (`@throws`), without its base exception. */
const sdkThrows = (operation: OperationName): string[] => {
  const sdkRoot = path.resolve(path.dirname(require.resolve('@aws-sdk/client-gameliftstreams')), '..');
  const declaration = readFileSync(path.join(sdkRoot, 'dist-types', 'commands', `${operation}Command.d.ts`), 'utf8');
  return [...declaration.matchAll(/@throws \{@link (\w+)\}/g)]
    .map((match) => match[1] ?? '')
    .filter((name) => name !== 'GameLiftStreamsServiceException');
};

/** The name of the error a call answered, read as the SDK reads it; a success fails the test. */
const errorNameOf = async (call: Promise<unknown>): Promise<string> => {
  try {
    await call;
  } catch (error: unknown) {
    assert.ok(error instanceof GameLiftStreamsServiceException, `not an AWS error: ${String(error)}`);
    return error.name;
  }
  return assert.fail('the call succeeded');
};

const rawErrorNameOf = async (fixture: TestEmulator, method: string, target: string, body = ''): Promise<string> => {
  const answer = await rawHttp(fixture.emulator.port, method, target, Buffer.from(body, 'utf8'));
  return answer.errorType ?? assert.fail(`HTTP ${answer.status} without an error type`);
};

const TOKEN = 'a2f6c1de-0b1e-4c55-9d4e-6b8f2c1a7e30';

interface Scenario {
  readonly operation: OperationName;
  readonly title: string;
  readonly produces: string;
  readonly run: (fixture: TestEmulator) => Promise<string>;
}

const get = (fixture: TestEmulator, group: string, session: string): Promise<string> =>
  errorNameOf(fixture.sdk.send(new GetStreamSessionCommand({ Identifier: group, StreamSessionIdentifier: session })));
const terminate = (fixture: TestEmulator, group: string, session: string): Promise<string> =>
  errorNameOf(
    fixture.sdk.send(new TerminateStreamSessionCommand({ Identifier: group, StreamSessionIdentifier: session })),
  );
const reconnect = (
  fixture: TestEmulator,
  session: string,
  clientToken?: string,
  signalRequest = OFFER,
): Promise<string> =>
  errorNameOf(
    fixture.sdk.send(
      new CreateStreamSessionConnectionCommand({
        Identifier: GROUP_ID,
        StreamSessionIdentifier: session,
        SignalRequest: signalRequest,
        ClientToken: clientToken,
      }),
    ),
  );

/** A body the SDK would never send, to the operation's route. */
const ROUTES: Readonly<Record<OperationName, { readonly method: string; readonly target: string }>> = {
  StartStreamSession: { method: 'POST', target: `/streamgroups/${GROUP_ID}/streamsessions` },
  GetStreamSession: { method: 'GET', target: `/streamgroups/${GROUP_ID}/streamsessions/ABC123def4567` },
  ListStreamSessions: { method: 'GET', target: `/streamgroups/${GROUP_ID}/streamsessions` },
  ListStreamSessionsByAccount: { method: 'GET', target: '/streamsessions' },
  TerminateStreamSession: { method: 'DELETE', target: `/streamgroups/${GROUP_ID}/streamsessions/ABC123def4567` },
  CreateStreamSessionConnection: {
    method: 'POST',
    target: `/streamgroups/${GROUP_ID}/streamsessions/ABC123def4567/connections`,
  },
};

/** Every way the emulator itself ends a call with an error (injected faults aside: a test chooses those). */
const scenarios: readonly Scenario[] = [
  ...OPERATION_NAMES.flatMap((operation): Scenario[] => [
    {
      operation,
      title: 'a body that is not JSON',
      produces: 'ValidationException',
      run: (fixture) => rawErrorNameOf(fixture, ROUTES[operation].method, ROUTES[operation].target, '{not json'),
    },
    {
      operation,
      title: 'a call over the rate',
      produces: 'ThrottlingException',
      run: async (fixture) => {
        await right(fixture.control.setRate({ operation, ratePerSecond: 0.001, burst: 1 }));
        // The first call takes the bucket's only token, whatever it answers.
        await rawHttp(fixture.emulator.port, ROUTES[operation].method, ROUTES[operation].target, Buffer.alloc(0));
        return rawErrorNameOf(fixture, ROUTES[operation].method, ROUTES[operation].target);
      },
    },
  ]),
  {
    operation: 'StartStreamSession',
    title: 'an invalid input',
    produces: 'ValidationException',
    run: (fixture) =>
      errorNameOf(fixture.sdk.send(new StartStreamSessionCommand(startSessionInput({ Description: ' bad' })))),
  },
  {
    operation: 'StartStreamSession',
    title: 'an unknown stream group',
    produces: 'ResourceNotFoundException',
    run: (fixture) =>
      errorNameOf(fixture.sdk.send(new StartStreamSessionCommand(startSessionInput({ Identifier: 'sg-missing01' })))),
  },
  {
    operation: 'StartStreamSession',
    title: 'a reused ClientToken with other parameters',
    produces: 'ValidationException',
    run: async (fixture) => {
      await startSession(fixture.sdk, { ClientToken: TOKEN, UserId: 'one' });
      return errorNameOf(
        fixture.sdk.send(new StartStreamSessionCommand(startSessionInput({ ClientToken: TOKEN, UserId: 'two' }))),
      );
    },
  },
  {
    operation: 'GetStreamSession',
    title: 'an invalid label',
    produces: 'ValidationException',
    run: (fixture) => get(fixture, 'bad id', 'x'),
  },
  {
    operation: 'GetStreamSession',
    title: 'an unknown stream group',
    produces: 'ResourceNotFoundException',
    run: (fixture) => get(fixture, 'sg-missing01', 'ABC123def4567'),
  },
  {
    operation: 'GetStreamSession',
    title: 'an unknown session',
    produces: 'ResourceNotFoundException',
    run: (fixture) => get(fixture, GROUP_ID, 'ABC123def4567'),
  },
  {
    operation: 'ListStreamSessions',
    title: 'MaxResults out of range',
    produces: 'ValidationException',
    run: (fixture) =>
      errorNameOf(fixture.sdk.send(new ListStreamSessionsCommand({ Identifier: GROUP_ID, MaxResults: 0 }))),
  },
  {
    operation: 'ListStreamSessions',
    title: 'an unknown stream group',
    produces: 'ResourceNotFoundException',
    run: (fixture) => errorNameOf(fixture.sdk.send(new ListStreamSessionsCommand({ Identifier: 'sg-missing01' }))),
  },
  {
    operation: 'ListStreamSessionsByAccount',
    title: 'a foreign NextToken',
    produces: 'ValidationException',
    run: (fixture) => errorNameOf(fixture.sdk.send(new ListStreamSessionsByAccountCommand({ NextToken: 'forged' }))),
  },
  {
    operation: 'TerminateStreamSession',
    title: 'an invalid label',
    produces: 'ValidationException',
    run: (fixture) => terminate(fixture, GROUP_ID, 'not/valid'),
  },
  {
    operation: 'TerminateStreamSession',
    title: 'an unknown session',
    produces: 'ResourceNotFoundException',
    run: (fixture) => terminate(fixture, GROUP_ID, 'ABC123def4567'),
  },
  {
    operation: 'TerminateStreamSession',
    title: 'a session in ACTIVATING',
    produces: 'ValidationException',
    run: async (fixture) => {
      const session = await startSession(fixture.sdk);
      await right(fixture.control.forceStatus(GROUP_ID, session.id, { status: 'ACTIVATING' }));
      return terminate(fixture, GROUP_ID, session.id);
    },
  },
  {
    operation: 'CreateStreamSessionConnection',
    title: 'an empty SignalRequest',
    produces: 'ValidationException',
    run: async (fixture) => reconnect(fixture, (await droppedSession(fixture)).id, undefined, ''),
  },
  {
    operation: 'CreateStreamSessionConnection',
    title: 'an unknown session',
    produces: 'ResourceNotFoundException',
    run: (fixture) => reconnect(fixture, 'ABC123def4567'),
  },
  {
    operation: 'CreateStreamSessionConnection',
    title: 'a session that is not reconnectable',
    produces: 'ConflictException',
    run: async (fixture) => {
      const session = await startSession(fixture.sdk);
      await right(fixture.control.setClient(GROUP_ID, session.id, 'connect'));
      return reconnect(fixture, session.id);
    },
  },
  {
    operation: 'CreateStreamSessionConnection',
    title: 'a reused ClientToken with another offer',
    produces: 'ValidationException',
    run: async (fixture) => {
      const session = await droppedSession(fixture);
      await fixture.sdk.send(
        new CreateStreamSessionConnectionCommand({
          Identifier: GROUP_ID,
          StreamSessionIdentifier: session.id,
          SignalRequest: OFFER,
          ClientToken: TOKEN,
        }),
      );
      return reconnect(fixture, session.id, TOKEN, 'another offer');
    },
  },
];

describe('emulator: each operation answers only the errors its model lists', () => {
  const fixture = useTestEmulator();

  for (const operation of OPERATION_NAMES) {
    it(`${operation}: the emulator's list is the SDK's @throws list`, () => {
      assert.deepEqual([...OPERATION_ERRORS[operation]].sort(), sdkThrows(operation).sort());
    });
  }

  it('TerminateStreamSession and GetStreamSession list no ConflictException; ListStreamSessionsByAccount no ResourceNotFoundException', () => {
    assert.ok(!(OPERATION_ERRORS.TerminateStreamSession as readonly string[]).includes('ConflictException'));
    assert.ok(!(OPERATION_ERRORS.GetStreamSession as readonly string[]).includes('ConflictException'));
    assert.ok(
      !(OPERATION_ERRORS.ListStreamSessionsByAccount as readonly string[]).includes('ResourceNotFoundException'),
    );
  });

  for (const scenario of scenarios) {
    it(`${scenario.operation}, ${scenario.title} → ${scenario.produces}, which its model lists`, async () => {
      const produced = await scenario.run(fixture());
      assert.equal(produced, scenario.produces);
      assert.ok(
        (OPERATION_ERRORS[scenario.operation] as readonly string[]).includes(produced),
        `${produced} is not listed`,
      );
    });
  }

  it('every error an operation lists, except AccessDenied (no credentials are checked), has a scenario here', () => {
    for (const operation of OPERATION_NAMES) {
      const covered = new Set(
        scenarios.filter((scenario) => scenario.operation === operation).map((scenario) => scenario.produces),
      );
      const expected = OPERATION_ERRORS[operation].filter(
        (name) =>
          name !== 'AccessDeniedException' &&
          // Only a defect produces it, and one cannot be provoked from outside.
          name !== 'InternalServerException' &&
          // StartStreamSession's ConflictException comes only from the 10,000-session limit of a group.
          !(operation === 'StartStreamSession' && name === 'ConflictException'),
      );
      assert.deepEqual([...covered].sort(), [...expected].sort(), operation);
    }
  });
});
