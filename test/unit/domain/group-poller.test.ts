import { strict as assert } from 'node:assert';

import * as E from 'fp-ts/Either';

import { BudgetRegistry, TokenBucketAdmission, type UpstreamBudgets } from '../../../src/domain/admission';
import { groupPollerStarter, type GroupPollerSettings } from '../../../src/domain/group-poller';
import type { CallEnded, ReadFailure } from '../../../src/domain/outcomes';
import type {
  ListedStatus,
  StreamSessionLister,
  StreamSessionPage,
  StreamSessionReader,
  StreamSessionRecord,
  StreamSessionSummary,
} from '../../../src/domain/ports';
import type { FeedEnd, SessionChange, WatchedGroup, WatchedSession } from '../../../src/domain/watch-feed';
import { ManualScheduler } from '../../support/manual-scheduler';
import { unlimitedBudgets } from '../../support/unlimited-admission';

const GROUP: WatchedGroup = { region: 'us-west-2', streamGroupId: 'sg-1AB2C3De4' };
const SETTINGS: GroupPollerSettings = {
  pollIntervalMs: 1000,
  assumedConnectionTimeoutSeconds: 120,
  failedPollsLimit: 3,
};
const arnOf = (id: string): string => `arn:aws:gameliftstreams:us-west-2:111122223333:streamsession/sg-1AB2C3De4/${id}`;
const DROPPED_AT = new Date('2026-12-03T06:00:00Z');

/** Lets the poller's promise chain run to its next wait (a timer, or a call the test holds). */
async function settle(): Promise<void> {
  for (let round = 0; round < 20; round += 1) await new Promise((resolve) => setImmediate(resolve));
}

const summary = (id: string, lastUpdatedAt: Date = DROPPED_AT): StreamSessionSummary => ({
  arn: arnOf(id),
  status: 'PENDING_CLIENT_RECONNECTION',
  statusReason: undefined,
  lastUpdatedAt,
});

const record = (id: string, status: string, statusReason?: string): StreamSessionRecord => ({
  arn: arnOf(id),
  status,
  statusReason,
  connectionTimeoutSeconds: 120,
  lastUpdatedAt: DROPPED_AT,
  userId: undefined,
});

const unreachable: ReadFailure = {
  _tag: 'UpstreamUnreachable',
  target: { streamGroupIdentifier: GROUP.streamGroupId, streamSessionIdentifier: '' },
  reason: 'ECONNRESET',
};
const answer = { target: unreachable.target, message: 'no', requestId: 'req-1' };

type ListOutcome = E.Either<ReadFailure | CallEnded, StreamSessionPage>;
type ReadOutcome = E.Either<ReadFailure | CallEnded, StreamSessionRecord>;

interface ListCall {
  readonly nextToken: string | undefined;
  readonly status: ListedStatus;
  readonly signal: AbortSignal;
}

/** A poller on a lister and a reader the test scripts, with a clock the test moves. */
function setup(
  options: {
    readonly known?: ReadonlyArray<WatchedSession>;
    /** Admission on the test's clock; unlimited unless given. */
    readonly budgets?: (scheduler: ManualScheduler) => UpstreamBudgets;
    /** A listener defect: the change listener throws on changes with this tag. */
    readonly changeThrowsOn?: SessionChange['_tag'];
  } = {},
) {
  const scheduler = new ManualScheduler();
  const listCalls: ListCall[] = [];
  const readCalls: string[] = [];
  const readSignals: AbortSignal[] = [];
  /** What the next list calls answer, by page token; a function may hold the answer until the test releases it. */
  let pages: (nextToken: string | undefined) => Promise<ListOutcome> = () =>
    Promise.resolve(E.right({ sessions: [], nextToken: undefined }));
  let reads: (arn: string) => ReadOutcome | Promise<ReadOutcome> = () => E.left(unreachable);
  const lister: StreamSessionLister = {
    listStreamSessions: (_group, status, nextToken, timing) => () => {
      listCalls.push({ nextToken, status, signal: timing.signal });
      return pages(nextToken);
    },
  };
  const reader: StreamSessionReader = {
    getStreamSession: (reference, timing) => () => {
      readCalls.push(reference.streamSessionIdentifier);
      readSignals.push(timing.signal);
      return Promise.resolve(reads(reference.streamSessionIdentifier));
    },
  };
  const polls: string[] = [];
  const defects: unknown[] = [];
  const start = groupPollerStarter({
    lister,
    reader,
    budgets: options.budgets?.(scheduler) ?? unlimitedBudgets,
    rounds: { throttleRetries: 0, clock: () => scheduler.now() },
    scheduler,
    settings: SETTINGS,
    observer: { polled: (outcome) => void polls.push(outcome) },
    onDefect: (defect) => void defects.push(defect),
  });
  const ready: Array<ReadonlyArray<WatchedSession>> = [];
  const changes: SessionChange[] = [];
  const ends: FeedEnd[] = [];
  const stop = start(
    GROUP,
    {
      ready: (pending) => void ready.push(pending),
      change: (change) => {
        if (change._tag === options.changeThrowsOn) throw new Error(`listener broke on ${change._tag}`);
        changes.push(change);
      },
      end: (reason) => void ends.push(reason),
    },
    options.known,
  );
  return {
    scheduler,
    listCalls,
    readCalls,
    readSignals,
    polls,
    defects,
    ready,
    changes,
    ends,
    stop,
    /** Every list call answers this one page of pending sessions from now on. */
    listing: (...sessions: StreamSessionSummary[]) => {
      pages = () => Promise.resolve(E.right({ sessions, nextToken: undefined }));
    },
    pagesBy: (answer: (nextToken: string | undefined) => Promise<ListOutcome>) => {
      pages = answer;
    },
    readsBy: (answer: (arn: string) => ReadOutcome | Promise<ReadOutcome>) => {
      reads = answer;
    },
    /** Runs the poll that is due now, and lets it finish. */
    poll: async (advanceMs = SETTINGS.pollIntervalMs) => {
      scheduler.advance(advanceMs);
      await settle();
    },
  };
}

const knownSession = (id: string): WatchedSession => ({
  arn: arnOf(id),
  status: 'PENDING_CLIENT_RECONNECTION',
  statusReason: undefined,
  lastUpdatedAt: DROPPED_AT,
  windowEndsAt: new Date(DROPPED_AT.getTime() + 120_000),
});

const tagsAndIds = (changes: ReadonlyArray<SessionChange>): string[] =>
  changes.map((change) => `${change._tag} ${change.session.arn.split('/').pop() ?? ''}`);

/**
 * Has every read answer `status`, but only when the test calls the function it leaves in the returned list, in the
 * order the reads were made: to see what the poller does while its reads are out.
 */
function heldReads(poller: ReturnType<typeof setup>, status: string): Array<() => void> {
  const held: Array<() => void> = [];
  poller.readsBy(
    (arn) =>
      new Promise((resolve) => {
        held.push(() => resolve(E.right(record(arn.split('/').pop() ?? '', status))));
      }),
  );
  return held;
}

describe('the group poller', () => {
  it('reports the pending sessions of its first poll as Disconnected, with their assumed window, then ready', async () => {
    const poller = setup();
    poller.listing(summary('A'), summary('B'));
    await poller.poll(0);
    assert.deepEqual(tagsAndIds(poller.changes), ['Disconnected A', 'Disconnected B']);
    const [first] = poller.changes;
    assert.equal(first?.session.windowEndsAt?.getTime(), DROPPED_AT.getTime() + 120_000);
    assert.equal(first?.session.status, 'PENDING_CLIENT_RECONNECTION');
    assert.equal(poller.ready.length, 1);
    assert.deepEqual(
      poller.ready[0]?.map((session) => session.arn),
      [arnOf('A'), arnOf('B')],
    );
    assert.deepEqual(
      poller.listCalls.map((call) => call.status),
      ['PENDING_CLIENT_RECONNECTION'],
    );
    assert.deepEqual(poller.polls, ['Success']);
  });

  it('lists only once per interval, and reports a session again only when it drops again', async () => {
    const poller = setup();
    poller.listing(summary('A'));
    await poller.poll(0);
    await poller.poll(999);
    assert.equal(poller.listCalls.length, 1);
    await poller.poll(1);
    assert.equal(poller.listCalls.length, 2);
    assert.deepEqual(tagsAndIds(poller.changes), ['Disconnected A']);
    poller.listing(summary('A', new Date(DROPPED_AT.getTime() + 5000)));
    await poller.poll();
    assert.deepEqual(tagsAndIds(poller.changes), ['Disconnected A', 'Disconnected A']);
    assert.equal(poller.changes[1]?.session.windowEndsAt?.getTime(), DROPPED_AT.getTime() + 125_000);
    assert.equal(poller.ready.length, 1);
  });

  it('diffs its first poll against the known pending set', async () => {
    const known: WatchedSession = {
      arn: arnOf('A'),
      status: 'PENDING_CLIENT_RECONNECTION',
      statusReason: undefined,
      lastUpdatedAt: DROPPED_AT,
      windowEndsAt: new Date(DROPPED_AT.getTime() + 120_000),
    };
    const gone = { ...known, arn: arnOf('Gone') };
    const poller = setup({ known: [known, gone] });
    poller.listing(summary('A'), summary('B'));
    poller.readsBy((arn) => E.right(record(arn.split('/').pop() ?? '', 'TERMINATED', 'reconnectionTimeout')));
    await poller.poll(0);
    assert.deepEqual(tagsAndIds(poller.changes), ['Disconnected B', 'Ended Gone']);
    // Ready came before Gone's read answered: Gone was still pending then, and its end followed as a change.
    assert.deepEqual(
      poller.ready[0]?.map((session) => session.arn),
      [arnOf('A'), arnOf('Gone'), arnOf('B')],
    );
  });

  it('reports ready after its first listing, without waiting for the reads of known sessions that left', async () => {
    const poller = setup({ known: [knownSession('Gone')] });
    poller.listing(summary('A'));
    poller.readsBy(() => new Promise<ReadOutcome>(() => undefined));
    await poller.poll(0);
    assert.deepEqual(tagsAndIds(poller.changes), ['Disconnected A']);
    assert.deepEqual(
      poller.ready[0]?.map((session) => session.arn),
      [arnOf('Gone'), arnOf('A')],
    );
    assert.deepEqual(poller.readCalls, [arnOf('Gone')]);
  });

  it('keeps polling while leavers are read: a read that never answers holds up no poll, and is not repeated', async () => {
    const poller = setup();
    poller.listing(summary('A'), summary('B'));
    await poller.poll(0);
    poller.listing();
    poller.readsBy(() => new Promise<ReadOutcome>(() => undefined));
    await poller.poll();
    await poller.poll();
    assert.equal(poller.listCalls.length, 3);
    poller.listing(summary('C'));
    await poller.poll();
    assert.equal(poller.listCalls.length, 4);
    assert.deepEqual(tagsAndIds(poller.changes), ['Disconnected A', 'Disconnected B', 'Disconnected C']);
    // A and B are read once, however many polls miss them while their reads are out.
    assert.deepEqual(poller.readCalls, [arnOf('A'), arnOf('B')]);
  });

  it('reports nothing for a session pending again before its read answers, and reads it when it leaves again', async () => {
    const poller = setup();
    poller.listing(summary('A'));
    await poller.poll(0);
    poller.listing();
    const held = heldReads(poller, 'ACTIVE');
    await poller.poll();
    assert.equal(held.length, 1);
    poller.listing(summary('A'));
    await poller.poll();
    for (const resolve of held.splice(0)) resolve();
    await settle();
    assert.deepEqual(tagsAndIds(poller.changes), ['Disconnected A']);
    poller.listing();
    poller.readsBy(() => E.right(record('A', 'CONNECTED')));
    await poller.poll();
    assert.deepEqual(poller.readCalls, [arnOf('A'), arnOf('A')]);
    assert.deepEqual(tagsAndIds(poller.changes), ['Disconnected A', 'Reconnected A']);
  });

  it('reads each session that left the list: reconnected, ended with its reason, forgotten, or undecided', async () => {
    const poller = setup();
    poller.listing(summary('A'), summary('B'), summary('C'), summary('D'), summary('E'));
    await poller.poll(0);
    poller.listing(summary('E'));
    poller.readsBy((arn) => {
      const id = arn.split('/').pop() ?? '';
      switch (id) {
        case 'A':
          return E.right(record(id, 'ACTIVE'));
        case 'B':
          return E.right(record(id, 'TERMINATED', 'apiTerminated'));
        case 'C':
          return E.left({ _tag: 'UpstreamResourceNotFound', upstream: answer });
        default:
          return E.right(record(id, 'RECONNECTING'));
      }
    });
    await poller.poll();
    assert.deepEqual(tagsAndIds(poller.changes.slice(5)), ['Reconnected A', 'Ended B', 'Ended C']);
    const [reconnected, ended, forgotten] = poller.changes.slice(5);
    assert.equal(reconnected?.session.status, 'ACTIVE');
    assert.equal(reconnected?.session.windowEndsAt, undefined);
    assert.equal(ended?.session.statusReason, 'apiTerminated');
    assert.equal(forgotten?.session.status, undefined);
    assert.deepEqual(poller.readCalls, [arnOf('A'), arnOf('B'), arnOf('C'), arnOf('D')]);
    // D was RECONNECTING: the next poll reads it again, and only it.
    poller.readsBy(() => E.right(record('D', 'CONNECTED')));
    await poller.poll();
    assert.deepEqual(poller.readCalls.slice(4), [arnOf('D')]);
    assert.deepEqual(tagsAndIds(poller.changes.slice(8)), ['Reconnected D']);
  });

  it('keeps following a session that is pending again when read, or could not be read', async () => {
    const poller = setup();
    poller.listing(summary('A'), summary('B'));
    await poller.poll(0);
    poller.listing();
    poller.readsBy((arn) =>
      arn === arnOf('A') ? E.right(record('A', 'PENDING_CLIENT_RECONNECTION')) : E.left(unreachable),
    );
    await poller.poll();
    assert.deepEqual(tagsAndIds(poller.changes), ['Disconnected A', 'Disconnected B']);
    poller.listing(summary('A'));
    await poller.poll();
    assert.deepEqual(tagsAndIds(poller.changes), ['Disconnected A', 'Disconnected B']);
    assert.deepEqual(poller.readCalls.slice(2), [arnOf('B')]);
  });

  it('reads at most four leavers of a group at once', async () => {
    const poller = setup();
    const ids = Array.from({ length: 10 }, (_, index) => `S${index}`);
    poller.listing(...ids.map((id) => summary(id)));
    await poller.poll(0);
    poller.listing();
    const held = heldReads(poller, 'ACTIVE');
    await poller.poll();
    let mostAtOnce = 0;
    for (let round = 0; round < 20 && held.length > 0; round += 1) {
      mostAtOnce = Math.max(mostAtOnce, held.length);
      for (const resolve of held.splice(0)) resolve();
      await settle();
    }
    assert.equal(mostAtOnce, 4);
    assert.equal(poller.changes.filter((change) => change._tag === 'Reconnected').length, 10);
  });

  it('reads every page of a poll', async () => {
    const poller = setup();
    poller.pagesBy((token) => {
      const page: Record<string, StreamSessionPage> = {
        first: { sessions: [summary('A')], nextToken: 't1' },
        t1: { sessions: [summary('B')], nextToken: 't2' },
        t2: { sessions: [summary('C')], nextToken: undefined },
      };
      return Promise.resolve(E.right(page[token ?? 'first'] ?? { sessions: [], nextToken: undefined }));
    });
    await poller.poll(0);
    assert.deepEqual(
      poller.listCalls.map((call) => call.nextToken),
      [undefined, 't1', 't2'],
    );
    assert.deepEqual(tagsAndIds(poller.changes), ['Disconnected A', 'Disconnected B', 'Disconnected C']);
    assert.deepEqual(poller.polls, ['Success']);
  });

  it('completes a poll whose pages take longer than the interval at the admitted rate, and reports it', async () => {
    // 5 calls/s and 10 pages: the listing takes about 2 s, twice the interval.
    const poller = setup({
      budgets: (scheduler) =>
        new BudgetRegistry(
          () => new TokenBucketAdmission({ ratePerSecond: 5, burst: 1, queueLimit: 100, reserveMs: 250 }, scheduler),
        ),
    });
    const pageCount = 10;
    poller.pagesBy((token) => {
      const index = token === undefined ? 0 : Number(token);
      return Promise.resolve(
        E.right({
          sessions: [summary(`S${index}`)],
          nextToken: index + 1 < pageCount ? String(index + 1) : undefined,
        }),
      );
    });
    await poller.poll(0);
    for (let step = 0; step < 50 && poller.polls.length === 0; step += 1) await poller.poll(100);
    assert.deepEqual(poller.polls, ['Success']);
    assert.ok(poller.scheduler.now() > SETTINGS.pollIntervalMs);
    assert.equal(poller.listCalls.length, pageCount);
    assert.equal(poller.changes.length, pageCount);
    assert.equal(poller.ready[0]?.length, pageCount);
  });

  it('ends GroupNotFound when AWS does not know the group, and polls no more', async () => {
    const poller = setup();
    poller.pagesBy(() => Promise.resolve(E.left({ _tag: 'UpstreamResourceNotFound', upstream: answer })));
    await poller.poll(0);
    assert.deepEqual(poller.ends, [{ _tag: 'GroupNotFound' }]);
    assert.equal(poller.scheduler.pendingTimers(), 0);
    assert.equal(poller.ready.length, 0);
  });

  it('ends PollAccessDenied when AWS refuses the credentials', async () => {
    const poller = setup();
    poller.pagesBy(() => Promise.resolve(E.left({ _tag: 'UpstreamAccessDenied', upstream: answer })));
    await poller.poll(0);
    assert.deepEqual(poller.ends, [{ _tag: 'PollAccessDenied' }]);
  });

  it('retries other failures each interval, and ends PollsFailing after the limit in a row', async () => {
    const poller = setup();
    poller.pagesBy(() => Promise.resolve(E.left(unreachable)));
    await poller.poll(0);
    await poller.poll();
    assert.equal(poller.ends.length, 0);
    // A success in between starts the count again.
    poller.listing();
    await poller.poll();
    assert.equal(poller.ready.length, 1);
    poller.pagesBy(() => Promise.resolve(E.left(unreachable)));
    await poller.poll();
    await poller.poll();
    assert.equal(poller.ends.length, 0);
    await poller.poll();
    assert.equal(poller.ends[0]?._tag, 'PollsFailing');
    assert.equal(poller.listCalls.length, 6);
    assert.equal(poller.scheduler.pendingTimers(), 0);
    assert.deepEqual(poller.polls, [
      'UpstreamUnreachable',
      'UpstreamUnreachable',
      'Success',
      'UpstreamUnreachable',
      'UpstreamUnreachable',
      'UpstreamUnreachable',
    ]);
  });

  it('never starts a poll while the last one is still running', async () => {
    const poller = setup();
    let release: (outcome: ListOutcome) => void = () => undefined;
    poller.pagesBy(
      () =>
        new Promise((resolve) => {
          release = resolve;
        }),
    );
    await poller.poll(0);
    await poller.poll(5000);
    assert.equal(poller.listCalls.length, 1);
    poller.listing();
    release(E.right({ sessions: [], nextToken: undefined }));
    await settle();
    // The next poll was due an interval after the last one began, long ago: it starts at once.
    await poller.poll(0);
    assert.equal(poller.listCalls.length, 2);
  });

  it('logs a defect in a listener and ends the feed PollsFailing, from a poll or from a read', async () => {
    const inPoll = setup({ changeThrowsOn: 'Disconnected' });
    inPoll.listing(summary('A'));
    await inPoll.poll(0);
    assert.deepEqual(
      inPoll.defects.map((defect) => (defect instanceof Error ? defect.message : defect)),
      ['listener broke on Disconnected'],
    );
    assert.equal(inPoll.ends[0]?._tag, 'PollsFailing');
    assert.equal(inPoll.scheduler.pendingTimers(), 0);

    const inRead = setup({ changeThrowsOn: 'Reconnected' });
    inRead.listing(summary('A'));
    await inRead.poll(0);
    inRead.listing();
    inRead.readsBy(() => E.right(record('A', 'ACTIVE')));
    await inRead.poll();
    assert.deepEqual(
      inRead.defects.map((defect) => (defect instanceof Error ? defect.message : defect)),
      ['listener broke on Reconnected'],
    );
    assert.equal(inRead.ends[0]?._tag, 'PollsFailing');
    assert.equal(inRead.scheduler.pendingTimers(), 0);
  });

  it('stop cancels the reads in flight, and reports none of them', async () => {
    const poller = setup();
    poller.listing(summary('A'));
    await poller.poll(0);
    poller.listing();
    const held = heldReads(poller, 'ACTIVE');
    await poller.poll();
    assert.equal(poller.readSignals[0]?.aborted, false);
    poller.stop();
    assert.equal(poller.readSignals[0]?.aborted, true);
    for (const resolve of held.splice(0)) resolve();
    await settle();
    assert.deepEqual(tagsAndIds(poller.changes), ['Disconnected A']);
    assert.equal(poller.scheduler.pendingTimers(), 0);
  });

  it('stop cancels the call in flight and the timers, and reports nothing more', async () => {
    const poller = setup();
    let release: (outcome: ListOutcome) => void = () => undefined;
    poller.pagesBy(
      () =>
        new Promise((resolve) => {
          release = resolve;
        }),
    );
    await poller.poll(0);
    const [call] = poller.listCalls;
    assert.equal(call?.signal.aborted, false);
    poller.stop();
    assert.equal(call?.signal.aborted, true);
    release(E.right({ sessions: [summary('A')], nextToken: undefined }));
    await poller.poll();
    assert.deepEqual(poller.changes, []);
    assert.deepEqual(poller.ready, []);
    assert.deepEqual(poller.ends, []);
    assert.equal(poller.scheduler.pendingTimers(), 0);
    assert.equal(poller.listCalls.length, 1);
  });
});
