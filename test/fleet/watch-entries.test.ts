import { strict as assert } from 'node:assert';

import * as E from 'fp-ts/Either';

import type { SessionChange, WatchedSession } from '../../src/domain/watch-feed';
import {
  decodeEntry,
  decodeRead,
  decodeSession,
  decodeState,
  publishedChange,
  publishedEnd,
  publishedReady,
  relayedEnd,
} from '../../src/fleet/watch-entries';

const PENDING: WatchedSession = {
  arn: 'arn:aws:gameliftstreams:us-west-2:111122223333:streamsession/sg-watch/ss-1',
  status: 'PENDING_CLIENT_RECONNECTION',
  statusReason: undefined,
  lastUpdatedAt: new Date('2026-12-03T06:00:00.123Z'),
  windowEndsAt: new Date('2026-12-03T06:02:00.123Z'),
};

const GONE: WatchedSession = {
  arn: PENDING.arn,
  status: undefined,
  statusReason: undefined,
  lastUpdatedAt: undefined,
  windowEndsAt: undefined,
};

describe('the watch feed in Redis: what a replica writes and reads back', () => {
  it('reads back every change as it was written, instants and all', () => {
    const changes: SessionChange[] = [
      { _tag: 'Disconnected', session: PENDING },
      { _tag: 'Reconnected', session: { ...PENDING, status: 'CONNECTED', windowEndsAt: undefined } },
      { _tag: 'Ended', session: GONE },
    ];
    for (const change of changes) {
      const published = publishedChange(change);
      assert.deepEqual(decodeEntry('change', published.body), E.right({ _tag: 'Change', change }));
    }
    const pend = publishedChange({ _tag: 'Disconnected', session: PENDING });
    assert.equal(pend.kind, 'pend');
    assert.equal(pend.arn, PENDING.arn);
    assert.deepEqual(decodeSession(pend.session), E.right(PENDING), 'the pending set keeps the session itself');
    assert.equal(publishedChange({ _tag: 'Ended', session: GONE }).kind, 'clear');
  });

  it('writes a first poll as ARN and session pairs', () => {
    const ready = publishedReady([PENDING]);
    assert.equal(ready.kind, 'ready');
    const pairs = JSON.parse(ready.body) as unknown;
    assert.ok(Array.isArray(pairs));
    const [pair] = pairs as unknown[];
    assert.ok(Array.isArray(pair) && pair[0] === PENDING.arn && typeof pair[1] === 'string');
    assert.deepEqual(decodeSession(String(pair[1])), E.right(PENDING));
  });

  it('passes on only the ends that say something of the group', () => {
    assert.deepEqual(relayedEnd({ _tag: 'GroupNotFound' }), { _tag: 'GroupNotFound' });
    assert.deepEqual(relayedEnd({ _tag: 'PollsFailing', detail: 'ThrottlingException' }), {
      _tag: 'PollsFailing',
      detail: 'ThrottlingException',
    });
    assert.equal(relayedEnd({ _tag: 'FeedGap' }), undefined);
    assert.equal(relayedEnd({ _tag: 'ShuttingDown' }), undefined);
    const end = publishedEnd({ _tag: 'PollAccessDenied' });
    assert.deepEqual(decodeEntry('end', end.body), E.right({ _tag: 'End', reason: { _tag: 'PollAccessDenied' } }));
  });

  it('refuses what it did not write: unknown kinds and tags, bad instants, missing fields, not JSON', () => {
    const good = JSON.parse(publishedChange({ _tag: 'Disconnected', session: PENDING }).body) as Record<
      string,
      unknown
    >;
    const session = good.session as Record<string, unknown>;
    const bad = [
      ['change', 'not json'],
      ['change', JSON.stringify({ ...good, _tag: 'Vanished' })],
      ['change', JSON.stringify({ ...good, session: { ...session, windowEndsAt: 'tomorrow' } })],
      ['change', JSON.stringify({ ...good, session: { ...session, arn: undefined } })],
      ['change', JSON.stringify({ ...good, session: { ...session, status: 7 } })],
      ['end', JSON.stringify({ _tag: 'ShuttingDown' })],
      ['end', JSON.stringify({ _tag: 'PollsFailing' })],
      ['rename', '{}'],
    ] as const;
    for (const [kind, body] of bad) assert.ok(E.isLeft(decodeEntry(kind, body)), `${kind} ${body}`);
  });

  it('reads a state and a read reply strictly', () => {
    const json = publishedChange({ _tag: 'Disconnected', session: PENDING }).session;
    assert.deepEqual(
      decodeState(['1', '5-0', '3', json]),
      E.right({ position: { id: '5-0', seq: 3 }, pending: [PENDING] }),
    );
    assert.deepEqual(decodeState(['0', '0-0', '0']), E.right({ position: { id: '0-0', seq: 0 }, pending: undefined }));
    for (const reply of [undefined, ['1', '5-0'], ['2', '5-0', '3'], ['1', '5-0', 'x'], ['1', '5-0', '3', '{}'], [1]]) {
      assert.ok(E.isLeft(decodeState(reply)), JSON.stringify(reply));
    }
    const read = decodeRead(['7-0', '4', 'reset', '', '8-0', '', 'change', 'x']);
    assert.ok(E.isRight(read));
    assert.deepEqual(
      read.right.map((entry) => entry.position),
      [
        { id: '7-0', seq: 4 },
        { id: '8-0', seq: -1 },
      ],
      'an entry without a seq is placed nowhere',
    );
    assert.ok(E.isLeft(decodeRead(['7-0', '4', 'reset'])));
  });
});
