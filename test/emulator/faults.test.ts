import { strict as assert } from 'node:assert';
import {
  AccessDeniedException,
  ConflictException,
  CreateStreamSessionConnectionCommand,
  GameLiftStreamsServiceException,
  GetStreamSessionCommand,
  InternalServerException,
  ResourceNotFoundException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-gameliftstreams';
import { OPERATION_NAMES } from '../../src/emulator/operations';
import {
  droppedSession,
  GROUP_ID,
  OFFER,
  pollUntil,
  rejectionOf,
  right,
  startSession,
  useTestEmulator,
} from './support/fixture';

const MODELLED: ReadonlyArray<readonly [string, new (...args: never[]) => Error, number]> = [
  ['ValidationException', ValidationException, 400],
  ['AccessDeniedException', AccessDeniedException, 403],
  ['ResourceNotFoundException', ResourceNotFoundException, 404],
  ['ConflictException', ConflictException, 409],
  ['ThrottlingException', ThrottlingException, 429],
  ['InternalServerException', InternalServerException, 500],
];

describe('emulator: fault injection seen through the real SDK', () => {
  const fixture = useTestEmulator();

  const getSession = (id: string): Promise<unknown> =>
    fixture().sdk.send(new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: id }));

  for (const [errorName, errorClass, httpStatus] of MODELLED) {
    it(`an injected ${errorName} reaches the SDK as that class, with status ${httpStatus}, request id and message`, async () => {
      const session = await droppedSession(fixture());
      await right(
        fixture().control.injectFault({
          operation: 'CreateStreamSessionConnection',
          fault: { kind: 'error', errorName, message: `injected ${errorName}` },
        }),
      );
      const error = await rejectionOf(
        fixture().sdk.send(
          new CreateStreamSessionConnectionCommand({
            Identifier: GROUP_ID,
            StreamSessionIdentifier: session.id,
            SignalRequest: OFFER,
          }),
        ),
      );
      assert.ok(error instanceof errorClass, `expected ${errorName}, got ${String(error)}`);
      assert.ok(error instanceof GameLiftStreamsServiceException);
      assert.equal(error.name, errorName);
      assert.equal(error.message, `injected ${errorName}`);
      assert.equal(error.$metadata.httpStatusCode, httpStatus);
      assert.match(error.$metadata.requestId ?? '', /^[0-9a-f-]{36}$/);
      const counters = await right(fixture().control.counters());
      assert.equal(counters.faultsApplied.CreateStreamSessionConnection, 1);
    });
  }

  it('a modelled error without a message gets a default one; httpStatus can be overridden', async () => {
    const session = await startSession(fixture().sdk);
    await right(
      fixture().control.injectFault({
        operation: 'GetStreamSession',
        fault: { kind: 'error', errorName: 'ConflictException', httpStatus: 418 },
      }),
    );
    const error = await rejectionOf(getSession(session.id));
    assert.ok(error instanceof ConflictException);
    assert.equal(error.$metadata.httpStatusCode, 418);
    assert.match(error.message, /ConflictException/);
  });

  it('an unmodelled error name becomes GameLiftStreamsServiceException with that name (default status 400)', async () => {
    const session = await startSession(fixture().sdk);
    await right(
      fixture().control.injectFault({
        operation: 'GetStreamSession',
        fault: { kind: 'error', errorName: 'SomethingNewException', message: 'new' },
      }),
    );
    const error = await rejectionOf(getSession(session.id));
    assert.ok(error instanceof GameLiftStreamsServiceException);
    assert.equal(error.name, 'SomethingNewException');
    assert.equal(error.message, 'new');
    assert.equal(error.$fault, 'client');
    assert.equal(error.$metadata.httpStatusCode, 400);
  });

  it('an http-status 503 fault has no error type: the SDK reports Unknown with the status', async () => {
    const session = await startSession(fixture().sdk);
    await right(
      fixture().control.injectFault({ operation: 'GetStreamSession', fault: { kind: 'http-status', status: 503 } }),
    );
    const error = await rejectionOf(getSession(session.id));
    assert.ok(error instanceof GameLiftStreamsServiceException);
    assert.equal(error.name, 'Unknown');
    assert.equal(error.$fault, 'server');
    assert.equal(error.$metadata.httpStatusCode, 503);
    assert.match(error.$metadata.requestId ?? '', /^[0-9a-f-]{36}$/);
  });

  it('a drop-connection fault gives the SDK a network error, and the server keeps serving', async () => {
    const session = await startSession(fixture().sdk);
    await right(fixture().control.injectFault({ operation: 'GetStreamSession', fault: { kind: 'drop-connection' } }));
    const error = await rejectionOf(getSession(session.id));
    assert.ok(error instanceof Error);
    assert.ok(!(error instanceof GameLiftStreamsServiceException), `expected a network error, got ${error.name}`);
    assert.match(
      `${error.name} ${error.message} ${'code' in error ? String(error.code) : ''}`,
      /ECONNRESET|socket hang up/i,
    );
    await getSession(session.id);
  });

  it('a latency fault delays the answer, which then succeeds', async () => {
    const session = await startSession(fixture().sdk);
    await right(fixture().control.injectFault({ operation: 'GetStreamSession', fault: { kind: 'latency', ms: 300 } }));
    const startedAt = Date.now();
    await getSession(session.id);
    assert.ok(Date.now() - startedAt >= 290, `took ${Date.now() - startedAt} ms`);
  });

  it('a call whose client gives up during a latency fault is counted abandoned and not carried out', async () => {
    const session = await droppedSession(fixture());
    await right(
      fixture().control.injectFault({
        operation: 'CreateStreamSessionConnection',
        fault: { kind: 'latency', ms: 5000 },
      }),
    );
    const error = await rejectionOf(
      fixture().sdk.send(
        new CreateStreamSessionConnectionCommand({
          Identifier: GROUP_ID,
          StreamSessionIdentifier: session.id,
          SignalRequest: OFFER,
        }),
        { abortSignal: AbortSignal.timeout(200) },
      ),
    );
    assert.ok(error instanceof Error && error.name === 'AbortError', `expected an AbortError, got ${String(error)}`);
    const counters = await pollUntil(
      () => right(fixture().control.counters()),
      (snapshot) => snapshot.abandoned.CreateStreamSessionConnection > 0,
      { attempts: 100, intervalMs: 20 },
    );
    assert.equal(counters.abandoned.CreateStreamSessionConnection, 1);
    const read = await fixture().sdk.send(
      new GetStreamSessionCommand({ Identifier: GROUP_ID, StreamSessionIdentifier: session.id }),
    );
    assert.equal(read.Status, 'PENDING_CLIENT_RECONNECTION');
  });

  it('probability 0 never applies and probability 1 always applies', async () => {
    const session = await startSession(fixture().sdk);
    await right(
      fixture().control.injectFault({
        operation: 'GetStreamSession',
        fault: { kind: 'error', errorName: 'AccessDeniedException' },
        probability: 0,
      }),
    );
    for (let call = 0; call < 5; call += 1) {
      await getSession(session.id);
    }
    await right(fixture().control.clearFaults());
    await right(
      fixture().control.injectFault({
        operation: 'GetStreamSession',
        fault: { kind: 'error', errorName: 'AccessDeniedException' },
        probability: 1,
      }),
    );
    for (let call = 0; call < 5; call += 1) {
      assert.ok((await rejectionOf(getSession(session.id))) instanceof AccessDeniedException);
    }
    const counters = await right(fixture().control.counters());
    assert.equal(counters.faultsApplied.GetStreamSession, 5);
    assert.equal(counters.calls.GetStreamSession, 10);
  });

  it('count applies to the next N calls, then the fault expires; other operations are untouched', async () => {
    const session = await startSession(fixture().sdk);
    await right(
      fixture().control.injectFault({
        operation: 'GetStreamSession',
        fault: { kind: 'error', errorName: 'InternalServerException' },
        count: 2,
      }),
    );
    assert.ok((await rejectionOf(getSession(session.id))) instanceof InternalServerException);
    assert.ok((await rejectionOf(getSession(session.id))) instanceof InternalServerException);
    await getSession(session.id);
    const counters = await right(fixture().control.counters());
    assert.equal(counters.faultsApplied.GetStreamSession, 2);
    for (const operation of OPERATION_NAMES.filter((name) => name !== 'GetStreamSession')) {
      assert.equal(counters.faultsApplied[operation], 0);
    }
  });

  it('faults come before validation: an invalid call still gets the injected fault', async () => {
    await right(
      fixture().control.injectFault({
        operation: 'GetStreamSession',
        fault: { kind: 'error', errorName: 'AccessDeniedException' },
      }),
    );
    const error = await rejectionOf(
      fixture().sdk.send(new GetStreamSessionCommand({ Identifier: 'bad identifier!', StreamSessionIdentifier: 'x' })),
    );
    assert.ok(error instanceof AccessDeniedException);
  });

  it('DELETE /_emulator/faults removes every pending fault', async () => {
    const session = await startSession(fixture().sdk);
    await right(
      fixture().control.injectFault({
        operation: 'GetStreamSession',
        fault: { kind: 'drop-connection' },
        probability: 1,
      }),
    );
    await right(fixture().control.clearFaults());
    await getSession(session.id);
  });
});
