import { strict as assert } from 'node:assert';

import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';

import {
  BudgetRegistry,
  type AdmissionState,
  type BudgetKey,
  type UpstreamAdmission,
  type UpstreamVerdict,
} from '../../../src/domain/admission';
import { endedBy, type Caller, type CallTiming } from '../../../src/domain/call-context';
import type { CallEnded, ReadFailure, UpstreamFailure } from '../../../src/domain/outcomes';
import type {
  ConnectionAnswer,
  StreamSessionConnector,
  StreamSessionReader,
  StreamSessionRecord,
} from '../../../src/domain/ports';
import {
  ReconnectFlights,
  reconnectStreamSession,
  unsharedLeases,
  type ReconnectDependencies,
  type ReconnectLeases,
  type ReconnectResult,
} from '../../../src/domain/reconnect';
import { SessionReads } from '../../../src/domain/sessions';
import type { ReconnectCommand } from '../../../src/domain/request';

interface PendingCall {
  readonly command: ReconnectCommand;
  readonly context: CallTiming;
  readonly answer: (outcome: E.Either<UpstreamFailure | CallEnded, ConnectionAnswer>) => void;
}

/** A connector whose calls stay pending until the test answers them: lets tests hold calls "in flight". */
class ControlledConnector implements StreamSessionConnector {
  readonly calls: PendingCall[] = [];
  createStreamSessionConnection(
    command: ReconnectCommand,
    context: CallTiming,
  ): TE.TaskEither<UpstreamFailure | CallEnded, ConnectionAnswer> {
    return () => new Promise((resolve) => this.calls.push({ command, context, answer: resolve }));
  }
}

/** Admission that records what the pipeline tells it, and admits everything. */
class RecordingAdmission implements UpstreamAdmission {
  readonly verdicts: UpstreamVerdict[] = [];
  admissions = 0;
  admit(context: CallTiming): TE.TaskEither<CallEnded, void> {
    this.admissions += 1;
    return () => Promise.resolve(context.signal.aborted ? E.left(endedBy(context.signal)) : E.right(undefined));
  }
  record(verdict: UpstreamVerdict): void {
    this.verdicts.push(verdict);
  }
  state(): AdmissionState {
    return { queueDepth: 0, tokensAvailable: 0, ratePerSecond: 0 };
  }
}

/** A reader whose reads stay pending until the test answers them all with the same owner. */
class HeldReader implements StreamSessionReader {
  reads = 0;
  private readonly pending: Array<() => void> = [];
  constructor(private readonly owner: string | undefined) {}
  getStreamSession(): TE.TaskEither<ReadFailure | CallEnded, StreamSessionRecord> {
    this.reads += 1;
    const record: StreamSessionRecord = {
      arn: undefined,
      status: 'PENDING_CLIENT_RECONNECTION',
      statusReason: undefined,
      connectionTimeoutSeconds: 120,
      lastUpdatedAt: undefined,
      userId: this.owner,
    };
    return () => new Promise((resolve) => this.pending.push(() => resolve(E.right(record))));
  }
  answerAll(): void {
    for (const answer of this.pending.splice(0)) answer();
  }
}

/** A reader that answers every session with the same owner, and counts its calls. */
class OwnerReader implements StreamSessionReader {
  reads = 0;
  constructor(private readonly owner: string | undefined) {}
  getStreamSession(): TE.TaskEither<ReadFailure | CallEnded, StreamSessionRecord> {
    this.reads += 1;
    const record: StreamSessionRecord = {
      arn: undefined,
      status: 'PENDING_CLIENT_RECONNECTION',
      statusReason: undefined,
      connectionTimeoutSeconds: 120,
      lastUpdatedAt: undefined,
      userId: this.owner,
    };
    return () => Promise.resolve(E.right(record));
  }
}

const everyGroup: Caller = { name: 'matchmaker', grants: [{ _tag: 'AnyStreamGroup' }] };

/** A successful upstream answer with a recognisable AWS request id. */
const answered = (signalResponse: string): ConnectionAnswer => ({
  signalResponse,
  awsRequestId: `req-${signalResponse}`,
});

/** What a caller gets for an answer: the AWS request id travels, the clock is frozen at 0. */
const result = (signalResponse: string, coalesced: boolean): ReconnectResult => ({
  signalResponse,
  coalesced,
  awsRequestId: `req-${signalResponse}`,
  admissionWaitMs: 0,
});

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const target = { streamGroupIdentifier: 'sg-1AB2C3De4', streamSessionIdentifier: 'ABC123def4567' };
const request = { ...target, signalRequest: 'offer-1', clientToken: undefined as string | undefined };
const throttled: UpstreamFailure = {
  _tag: 'UpstreamThrottling',
  upstream: { target, message: 'slow down', requestId: 'r' },
};

interface SetupOptions {
  readonly reader?: StreamSessionReader;
  /** How many owners are remembered (none: every reconnect naming a player reads the session). */
  readonly ownersRemembered?: number;
  readonly leases?: ReconnectLeases;
}

function setup(options: SetupOptions = {}) {
  const connector = new ControlledConnector();
  const admission = new RecordingAdmission();
  const budgetsAsked: BudgetKey[] = [];
  const budgets = new BudgetRegistry((key) => {
    budgetsAsked.push(key);
    return admission;
  });
  const rounds = { clock: () => 0, throttleRetries: 2 };
  const sessions = new SessionReads({
    reader: options.reader ?? new OwnerReader('player-1'),
    budgets,
    rounds,
    owners: { size: options.ownersRemembered ?? 100, ttlMs: 60_000 },
    now: () => Date.now(),
  });
  const dependencies: ReconnectDependencies = {
    policy: { maxSignalRequestBytes: 100, defaultRegion: 'us-west-2', servedRegions: new Set(['us-west-2']) },
    connector,
    sessions,
    budgets,
    rounds,
    leases: options.leases ?? unsharedLeases,
    flights: new ReconnectFlights(),
    observer: { reconnected: () => undefined },
  };
  const reconnect = reconnectStreamSession(dependencies);
  const call = (input: unknown, controller = new AbortController(), caller: Caller = everyGroup) =>
    reconnect(input, { signal: controller.signal, deadline: Date.now() + 10_000, caller })();
  return { connector, admission, budgetsAsked, call };
}

describe('reconnectStreamSession pipeline', () => {
  it('makes no upstream call and takes no admission for an invalid request', async () => {
    const { connector, admission, call } = setup();
    const result = await call({ ...request, signalRequest: '' });
    assert.ok(E.isLeft(result) && result.left._tag === 'InvalidRequest');
    assert.equal(connector.calls.length, 0);
    assert.equal(admission.admissions, 0);
  });

  it('passes the caller client_token unchanged', async () => {
    const { connector, call } = setup();
    const token = 't'.repeat(40);
    const pending = call({ ...request, clientToken: token });
    await flush();
    assert.equal(connector.calls[0]?.command.clientToken, token);
    connector.calls[0]?.answer(E.right(answered('answer')));
    assert.deepEqual(await pending, E.right(result('answer', false)));
  });

  it('derives the same client token for the same session and offer, however the session is named', async () => {
    const { connector, call } = setup();
    const byId = call(request);
    await flush();
    connector.calls[0]?.answer(E.right(answered('a')));
    await byId;
    const byArn = call({
      ...request,
      streamGroupIdentifier: 'arn:aws:gameliftstreams:us-west-2:111122223333:streamgroup/sg-1AB2C3De4',
      streamSessionIdentifier:
        'arn:aws:gameliftstreams:us-west-2:111122223333:streamsession/sg-1AB2C3De4/ABC123def4567',
    });
    await flush();
    connector.calls[1]?.answer(E.right(answered('a')));
    await byArn;
    const otherOffer = call({ ...request, signalRequest: 'offer-2' });
    await flush();
    connector.calls[2]?.answer(E.right(answered('b')));
    await otherOffer;
    const [first, second, third] = connector.calls.map((c) => c.command.clientToken);
    assert.match(first ?? '', /^rsc1-[0-9a-f]{64}$/);
    assert.equal(second, first);
    assert.notEqual(third, first);
    assert.ok(!(first ?? '').includes('offer'));
  });

  it('shares one upstream call among identical reconnects in flight, and gives each its result', async () => {
    const { connector, call } = setup();
    const calls = [call(request), call(request), call(request)];
    await flush();
    assert.equal(connector.calls.length, 1);
    connector.calls[0]?.answer(E.right(answered('shared answer')));
    const results = await Promise.all(calls);
    assert.deepEqual(results, [
      E.right(result('shared answer', false)),
      E.right(result('shared answer', true)),
      E.right(result('shared answer', true)),
    ]);
  });

  it('refuses a different offer for a session whose reconnect is in flight, without an upstream call', async () => {
    const { connector, call } = setup();
    const first = call(request);
    await flush();
    const second = await call({ ...request, signalRequest: 'another offer' });
    assert.deepEqual(second, E.left({ _tag: 'ReconnectInProgress', target }));
    assert.equal(connector.calls.length, 1);
    connector.calls[0]?.answer(E.right(answered('answer')));
    await first;
    const afterwards = call({ ...request, signalRequest: 'another offer' });
    await flush();
    assert.equal(connector.calls.length, 2, 'once the first finished, a new offer may go');
    connector.calls[1]?.answer(E.right(answered('answer 2')));
    assert.ok(E.isRight(await afterwards));
  });

  it('aborts the shared upstream call only when every participant has cancelled', async () => {
    const { connector, call } = setup();
    const first = new AbortController();
    const second = new AbortController();
    const calls = [call(request, first), call(request, second)];
    await flush();
    const upstreamSignal = connector.calls[0]?.context.signal;
    first.abort({ _tag: 'Cancelled' });
    await flush();
    assert.equal(upstreamSignal?.aborted, false, 'a twin still waits');
    second.abort({ _tag: 'Cancelled' });
    await flush();
    assert.equal(upstreamSignal?.aborted, true);
    assert.deepEqual(await Promise.all(calls), [E.left({ _tag: 'Cancelled' }), E.left({ _tag: 'Cancelled' })]);
  });

  it('starts a fresh upstream call for a new identical reconnect once every participant of the old one left', async () => {
    const { connector, call } = setup();
    const leaving = new AbortController();
    const first = call(request, leaving);
    await flush();
    leaving.abort({ _tag: 'Cancelled' });
    const second = call(request);
    await flush();
    assert.equal(connector.calls.length, 2, 'the new call must not join the call being aborted');
    connector.calls[1]?.answer(E.right(answered('fresh')));
    assert.deepEqual(await second, E.right(result('fresh', false)));
    assert.deepEqual(await first, E.left({ _tag: 'Cancelled' }));
  });

  it('sends a throttled call back through admission, then gives up after its retries', async () => {
    const { connector, admission, call } = setup();
    const pending = call(request);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await flush();
      connector.calls[attempt]?.answer(E.left(throttled));
    }
    assert.deepEqual(await pending, E.left(throttled));
    assert.equal(admission.admissions, 3);
    assert.deepEqual(admission.verdicts, ['Throttled', 'Throttled', 'Throttled']);
  });

  it('tells admission that AWS accepted a call, even one AWS refused for another reason', async () => {
    const { connector, admission, call } = setup();
    const pending = call(request);
    await flush();
    connector.calls[0]?.answer(
      E.left({ _tag: 'UpstreamConflict', upstream: { target, message: 'm', requestId: undefined } }),
    );
    await pending;
    assert.deepEqual(admission.verdicts, ['Accepted']);
  });

  it('refuses a caller without a grant for the stream group, before any upstream call', async () => {
    const { connector, admission, call } = setup();
    const lobby: Caller = { name: 'lobby', grants: [{ _tag: 'StreamGroupId', id: 'sg-other' }] };
    const result = await call(request, new AbortController(), lobby);
    assert.deepEqual(result, E.left({ _tag: 'CallerNotAllowed', caller: 'lobby', target }));
    assert.equal(connector.calls.length, 0);
    assert.equal(admission.admissions, 0);
  });

  it('reconnects for the session owner, and refuses anyone else without reconnecting', async () => {
    const reader = new OwnerReader('player-1');
    const { connector, call } = setup({ reader, ownersRemembered: 0 });
    const refused = await call({ ...request, userId: 'player-2' });
    assert.deepEqual(refused, E.left({ _tag: 'NotSessionOwner', target }));
    assert.equal(connector.calls.length, 0);
    const owner = call({ ...request, userId: 'player-1' });
    await flush();
    connector.calls[0]?.answer(E.right(answered('answer')));
    assert.ok(E.isRight(await owner));
    assert.equal(reader.reads, 2);
  });

  it("remembers a session's owner, so a retried reconnect naming its player does not read the session again", async () => {
    const reader = new OwnerReader('player-1');
    const { connector, budgetsAsked, call } = setup({ reader });
    assert.deepEqual(await call({ ...request, userId: 'player-2' }), E.left({ _tag: 'NotSessionOwner', target }));
    const owner = call({ ...request, userId: 'player-1' });
    await flush();
    connector.calls[0]?.answer(E.right(answered('answer')));
    assert.ok(E.isRight(await owner));
    assert.equal(reader.reads, 1, 'the owner was read once');
    assert.deepEqual(
      budgetsAsked,
      [
        { region: 'us-west-2', operation: 'GetStreamSession' },
        { region: 'us-west-2', operation: 'CreateStreamSessionConnection' },
      ],
      'the read and the reconnect each took a slot of their own budget',
    );
  });

  it('shares one read among identical ownership checks in flight', async () => {
    const reader = new HeldReader('player-1');
    const { connector, call } = setup({ reader });
    const calls = [call({ ...request, userId: 'player-1' }), call({ ...request, userId: 'player-1' })];
    await flush();
    assert.equal(reader.reads, 1);
    reader.answerAll();
    await flush();
    connector.calls[0]?.answer(E.right(answered('answer')));
    for (const outcome of await Promise.all(calls)) assert.ok(E.isRight(outcome));
  });

  it("refuses a different offer when another replica holds the session's lease, without an upstream call", async () => {
    const leases: ReconnectLeases = { acquire: () => Promise.resolve({ _tag: 'OtherOffer' }) };
    const { connector, admission, call } = setup({ leases });
    assert.deepEqual(await call(request), E.left({ _tag: 'ReconnectInProgress', target }));
    assert.equal(connector.calls.length, 0);
    assert.equal(admission.admissions, 0);
  });

  it('releases the lease when the flight ends', async () => {
    const released: string[] = [];
    const leases: ReconnectLeases = {
      acquire: (session) => Promise.resolve({ _tag: 'Held', release: () => void released.push(session) }),
    };
    const { connector, call } = setup({ leases });
    const pending = call(request);
    await flush();
    assert.deepEqual(released, []);
    connector.calls[0]?.answer(E.right(answered('answer')));
    await pending;
    assert.deepEqual(released, ['us-west-2/sg-1AB2C3De4/ABC123def4567']);
  });

  it('does not read the session when the request names no player', async () => {
    const reader = new OwnerReader('player-1');
    const { connector, call } = setup({ reader });
    const pending = call(request);
    await flush();
    connector.calls[0]?.answer(E.right(answered('answer')));
    await pending;
    assert.equal(reader.reads, 0);
  });
});
