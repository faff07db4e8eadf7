import * as E from 'fp-ts/Either';
import { absurd, pipe } from 'fp-ts/function';
import * as t from 'io-ts';

import type { FeedEnd, SessionChange, WatchedSession } from '../domain/watch-feed';
import type { WatchPublished } from './scripts';

/**
 * A watched group's changes as Redis holds them: JSON, with instants as ISO strings. What a replica reads back was
 * written by another replica, perhaps of another version, or by hand: it is decoded strictly, and what does not decode
 * is a gap in the feed, never a crash.
 */

const Instant = new t.Type<Date, string, unknown>(
  'Instant',
  (value): value is Date => value instanceof Date,
  (value, context) => {
    if (typeof value !== 'string') return t.failure(value, context);
    const instant = new Date(value);
    return Number.isNaN(instant.getTime()) ? t.failure(value, context) : t.success(instant);
  },
  (instant) => instant.toISOString(),
);

const SessionJson = t.type({
  arn: t.string,
  status: t.union([t.string, t.undefined]),
  statusReason: t.union([t.string, t.undefined]),
  lastUpdatedAt: t.union([Instant, t.undefined]),
  windowEndsAt: t.union([Instant, t.undefined]),
});

const ChangeJson = t.type({
  _tag: t.union([t.literal('Disconnected'), t.literal('Reconnected'), t.literal('Ended')]),
  session: SessionJson,
});

/** Only the ends that concern every replica's subscribers travel through Redis (relayedEnd). */
const EndJson = t.union([
  t.type({ _tag: t.literal('GroupNotFound') }),
  t.type({ _tag: t.literal('PollAccessDenied') }),
  t.type({ _tag: t.literal('PollsFailing'), detail: t.string }),
]);

/** An end the polling replica passes on to every replica's subscribers. */
export type RelayedEnd = t.TypeOf<typeof EndJson>;

/** The ends of a poller that say something of the group; a poller's FeedGap or ShuttingDown concern its replica only. */
export function relayedEnd(reason: FeedEnd): RelayedEnd | undefined {
  switch (reason._tag) {
    case 'GroupNotFound':
    case 'PollAccessDenied':
      return { _tag: reason._tag };
    case 'PollsFailing':
      return { _tag: 'PollsFailing', detail: reason.detail };
    case 'FeedGap':
    case 'ShuttingDown':
      return undefined;
    default:
      return absurd(reason);
  }
}

function sessionObject(session: WatchedSession): t.OutputOf<typeof SessionJson> {
  return {
    arn: session.arn,
    status: session.status,
    statusReason: session.statusReason,
    lastUpdatedAt: session.lastUpdatedAt?.toISOString(),
    windowEndsAt: session.windowEndsAt?.toISOString(),
  };
}

function parsed(text: string): E.Either<string, unknown> {
  return E.tryCatch(
    (): unknown => JSON.parse(text),
    () => 'not JSON',
  );
}

function decodeWith<A>(codec: t.Decoder<unknown, A>, text: string): E.Either<string, A> {
  return pipe(
    parsed(text),
    E.chain((value) => E.mapLeft(() => `not a ${codec.name}`)(codec.decode(value))),
  );
}

function session(decoded: t.TypeOf<typeof SessionJson>): WatchedSession {
  return {
    arn: decoded.arn,
    status: decoded.status,
    statusReason: decoded.statusReason,
    lastUpdatedAt: decoded.lastUpdatedAt,
    windowEndsAt: decoded.windowEndsAt,
  };
}

export function decodeSession(text: string): E.Either<string, WatchedSession> {
  return E.map(session)(decodeWith(SessionJson, text));
}

/** What publishing a change does: a drop makes the session pending, a reconnect or an end clears it. */
export function publishedChange(change: SessionChange): WatchPublished {
  const body = JSON.stringify({ _tag: change._tag, session: sessionObject(change.session) });
  switch (change._tag) {
    case 'Disconnected':
      return { kind: 'pend', arn: change.session.arn, session: JSON.stringify(sessionObject(change.session)), body };
    case 'Reconnected':
    case 'Ended':
      return { kind: 'clear', arn: change.session.arn, session: '', body };
    default:
      return absurd(change);
  }
}

/** A first poll's pending sessions, replacing whatever the group's pending set held. */
export function publishedReady(pending: ReadonlyArray<WatchedSession>): WatchPublished {
  return {
    kind: 'ready',
    arn: '',
    session: '',
    body: JSON.stringify(
      pending.map((pendingSession) => [pendingSession.arn, JSON.stringify(sessionObject(pendingSession))]),
    ),
  };
}

export function publishedEnd(reason: RelayedEnd): WatchPublished {
  return { kind: 'end', arn: '', session: '', body: JSON.stringify(reason) };
}

/** One entry of a group's change stream, as a reader decodes it. */
export type WatchEntry =
  | { readonly _tag: 'Change'; readonly change: SessionChange }
  /** A first poll replaced the pending set: a reader's copy of it is stale. */
  | { readonly _tag: 'Reset' }
  | { readonly _tag: 'End'; readonly reason: RelayedEnd };

export function decodeEntry(kind: string, body: string): E.Either<string, WatchEntry> {
  switch (kind) {
    case 'change':
      return E.map((decoded: t.TypeOf<typeof ChangeJson>): WatchEntry => ({
        _tag: 'Change',
        change: { _tag: decoded._tag, session: session(decoded.session) },
      }))(decodeWith(ChangeJson, body));
    case 'reset':
      return E.right({ _tag: 'Reset' });
    case 'end':
      return E.map((reason: RelayedEnd): WatchEntry => ({ _tag: 'End', reason }))(decodeWith(EndJson, body));
    default:
      return E.left(`an entry of unknown kind`);
  }
}

/** Where a reader of a group's changes stands: the last entry's stream id and seq. */
export interface StreamPosition {
  readonly id: string;
  readonly seq: number;
}

/** A watched group as WATCH_STATE read it: its pending sessions once a first poll filled them. */
export interface WatchState {
  readonly position: StreamPosition;
  readonly pending: ReadonlyArray<WatchedSession> | undefined;
}

const Seq = new t.Type<number, string, unknown>(
  'Seq',
  (value): value is number => typeof value === 'number',
  (value, context) =>
    typeof value === 'string' && /^[0-9]{1,15}$/.test(value) ? t.success(Number(value)) : t.failure(value, context),
  String,
);

/** WATCH_STATE's reply: ready, last id, last seq, then the pending sessions' JSON. */
const StateReply = t.array(t.string);

/** WATCH_READ's reply: each entry flattened to four strings (id, seq, kind, body). */
const FlatEntriesReply = t.array(t.string);

export function decodeState(reply: unknown): E.Either<string, WatchState> {
  if (!StateReply.is(reply)) return E.left('not a watch state');
  const [ready, id, seqText, ...sessions] = reply;
  const seq = Seq.decode(seqText);
  if (id === undefined || E.isLeft(seq) || (ready !== '1' && ready !== '0')) return E.left('not a watch state');
  const position = { id, seq: seq.right };
  if (ready === '0') return E.right({ position, pending: undefined });
  const pending: WatchedSession[] = [];
  for (const text of sessions) {
    const decoded = decodeSession(text);
    if (E.isLeft(decoded)) return decoded;
    pending.push(decoded.right);
  }
  return E.right({ position, pending });
}

/** One entry of a group's change stream as WATCH_READ gives it: its place, and what it says if it decodes. */
export interface ReadEntry {
  readonly position: StreamPosition;
  readonly entry: E.Either<string, WatchEntry>;
}

/** The entries WATCH_READ gave, or why the reply itself is unreadable (then no position can be trusted). */
export function decodeRead(reply: unknown): E.Either<string, ReadonlyArray<ReadEntry>> {
  if (!FlatEntriesReply.is(reply) || reply.length % 4 !== 0) return E.left('not a watch read');
  const entries: ReadEntry[] = [];
  for (let index = 0; index < reply.length; index += 4) {
    const [id = '', seqText, kind = '', body = ''] = reply.slice(index, index + 4);
    const seq = Seq.decode(seqText);
    // Without a seq the entry cannot be placed: counted as one that is not where it should be.
    const position = { id, seq: E.isRight(seq) ? seq.right : -1 };
    entries.push({ position, entry: decodeEntry(kind, body) });
  }
  return E.right(entries);
}
