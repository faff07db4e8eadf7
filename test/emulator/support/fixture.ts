import { request as httpRequest } from 'node:http';
import {
  GameLiftStreamsClient,
  StartStreamSessionCommand,
  type StartStreamSessionCommandInput,
} from '@aws-sdk/client-gameliftstreams';
import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';
import { EmulatorControl } from '../../../src/emulator/control-client';
import type { OperationName } from '../../../src/emulator/operations';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../../src/emulator/server';
import { useSuiteFixture } from '../../support/suite-fixture';

export const REGION = 'us-west-2';
export const ACCOUNT_ID = '111122223333';
export const GROUP_ID = 'sg-test00001';
export const GROUP_ARN = `arn:aws:gameliftstreams:${REGION}:${ACCOUNT_ID}:streamgroup/${GROUP_ID}`;
export const OFFER = '{"type":"offer","sdp":"v=0 test-offer"}';

/** Runs a TaskEither the test expects to succeed. */
export const right = async <L, A>(task: TE.TaskEither<L, A>): Promise<A> => {
  const result = await task();
  if (E.isLeft(result)) {
    throw new Error(`expected success, got ${JSON.stringify(result.left)}`);
  }
  return result.right;
};

/** Runs a TaskEither the test expects to fail. */
export const left = async <L, A>(task: TE.TaskEither<L, A>): Promise<L> => {
  const result = await task();
  if (E.isRight(result)) {
    throw new Error(`expected a failure, got ${JSON.stringify(result.right)}`);
  }
  return result.left;
};

/** The rejection of a promise the test expects to fail. */
export const rejectionOf = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error: unknown) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
};

/** The real SDK, signing for `region`: the emulator serves each call in the region its credential scope names. */
export const sdkClient = (endpoint: string, region: string = REGION): GameLiftStreamsClient =>
  new GameLiftStreamsClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'fake' },
    maxAttempts: 1,
  });

export interface TestEmulator {
  readonly emulator: RunningEmulator;
  readonly control: EmulatorControl;
  readonly sdk: GameLiftStreamsClient;
  /** Clears all state and re-creates the test stream group. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** A real emulator on an ephemeral loopback port, the real SDK pointed at it, and one stream group. */
export const startTestEmulator = async (options: EmulatorOptions = {}): Promise<TestEmulator> => {
  const emulator = await right(startEmulator({ host: '127.0.0.1', port: 0, ...options }));
  const control = new EmulatorControl(emulator.endpoint);
  const sdk = sdkClient(emulator.endpoint);
  const reset = async (): Promise<void> => {
    await right(control.reset());
    await right(control.createStreamGroup({ id: GROUP_ID }));
  };
  await reset();
  return {
    emulator,
    control,
    sdk,
    reset,
    close: async () => {
      sdk.destroy();
      await emulator.close();
    },
  };
};

/**
 * The emulator's defaults are AWS's quotas (20/s, 5/s for the lists). A test that calls an operation more often than
 * that in a burst raises it first, explicitly, through the control API; a reset restores the defaults.
 */
export const raiseRateLimits = async (
  control: EmulatorControl,
  operations: readonly OperationName[],
): Promise<void> => {
  for (const operation of operations) {
    await right(control.setRate({ operation, ratePerSecond: 1000, burst: 1000 }));
  }
};

export interface StartedSession {
  readonly id: string;
  readonly arn: string;
}

export const sessionIdOf = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

/** A valid StartStreamSession input in the test stream group, with `overrides` applied. */
export const startSessionInput = (
  overrides: Partial<StartStreamSessionCommandInput> = {},
): StartStreamSessionCommandInput => ({
  Identifier: GROUP_ID,
  Protocol: 'WebRTC',
  SignalRequest: OFFER,
  ApplicationIdentifier: 'a-test00001',
  ...overrides,
});

export const startSession = async (
  sdk: GameLiftStreamsClient,
  overrides: Partial<StartStreamSessionCommandInput> = {},
): Promise<StartedSession> => {
  const output = await sdk.send(new StartStreamSessionCommand(startSessionInput(overrides)));
  const arn = output.Arn ?? '';
  return { id: sessionIdOf(arn), arn };
};

/** A started session whose client connected and then dropped: PENDING_CLIENT_RECONNECTION. */
export const droppedSession = async (
  fixture: TestEmulator,
  overrides: Partial<StartStreamSessionCommandInput> = {},
): Promise<StartedSession> => {
  const session = await startSession(fixture.sdk, overrides);
  await right(fixture.control.setClient(GROUP_ID, session.id, 'connect'));
  await right(fixture.control.setClient(GROUP_ID, session.id, 'drop'));
  return session;
};

/** Polls `read` until `done` holds, at most `attempts` times `intervalMs` apart; returns the last value read. */
export const pollUntil = async <A>(
  read: () => Promise<A>,
  done: (value: A) => boolean,
  { attempts, intervalMs }: { readonly attempts: number; readonly intervalMs: number },
): Promise<A> => {
  let value = await read();
  for (let attempt = 1; attempt < attempts && !done(value); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    value = await read();
  }
  return value;
};

export interface RawAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** A request the SDK would never send, for wire-level checks. */
export const rawRequest = async (
  endpoint: string,
  method: string,
  path: string,
  body?: string | Uint8Array,
): Promise<RawAnswer> => {
  const response = await fetch(`${endpoint}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(5000),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
};

/** Sends raw bytes over one socket, for inputs fetch would refuse to produce (a GET with a body, invalid UTF-8). */
export const rawHttp = (
  port: number,
  method: string,
  path: string,
  body: Buffer,
): Promise<{ status: number; errorType: string | undefined; text: string }> =>
  new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', 'content-length': String(body.length) };
    const outgoing = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (incoming) => {
      const chunks: Buffer[] = [];
      const errorType = incoming.headers['x-amzn-errortype'];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () =>
        resolve({
          status: incoming.statusCode ?? 0,
          errorType: typeof errorType === 'string' ? errorType : undefined,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    outgoing.setTimeout(5000, () => outgoing.destroy(new Error('timed out')));
    outgoing.on('error', reject);
    outgoing.end(body);
  });

/**
 * Registers a suite's hooks: one emulator for the suite, reset before each test, closed after the suite.
 * Returns a getter, since the emulator exists only once the `before` hook has run.
 */
export const useTestEmulator = (options: EmulatorOptions = {}): (() => TestEmulator) =>
  useSuiteFixture('the emulator fixture', {
    start: () => startTestEmulator(options),
    beforeEach: (fixture) => fixture.reset(),
    close: (fixture) => fixture.close(),
  });
