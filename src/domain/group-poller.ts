import * as E from 'fp-ts/Either';
import { absurd, pipe } from 'fp-ts/function';
import * as TE from 'fp-ts/TaskEither';

import { throughAdmission, type AdmissionRounds, type Scheduler, type UpstreamBudgets } from './admission';
import type { CallTiming } from './call-context';
import type { AdmissionRefused, CallEnded, ReadFailure } from './outcomes';
import type { StreamSessionLister, StreamSessionReader, StreamSessionRecord, StreamSessionSummary } from './ports';
import { StreamGroupIdentifier, StreamSessionIdentifier, type SessionReference } from './request';
import type {
  FeedEnd,
  GroupPollerEvents,
  SessionChange,
  StartGroupPoller,
  WatchedGroup,
  WatchedSession,
} from './watch-feed';

/**
 * The poller of one watched stream group: every interval it lists the group's PENDING_CLIENT_RECONNECTION sessions
 * (every page, each within the region's ListStreamSessions budget), reports the sessions that entered the list, and
 * reads each session that left it once, in the background (GetStreamSession, within the region's GetStreamSession
 * budget), to tell a reconnect from an end.
 */

export interface GroupPollerSettings {
  readonly pollIntervalMs: number;
  /** The window a listed session is assumed to have: summaries do not carry the session's own timeout. */
  readonly assumedConnectionTimeoutSeconds: number;
  /** Polls that may fail in a row (other than for a missing group or refused credentials) before the feed ends. */
  readonly failedPollsLimit: number;
}

/** Told how each poll ended: `Success`, or the tag of what failed it. */
export interface PollObserver {
  polled(outcome: string): void;
}

export interface GroupPollerDependencies {
  readonly lister: StreamSessionLister;
  readonly reader: StreamSessionReader;
  readonly budgets: UpstreamBudgets;
  readonly rounds: AdmissionRounds;
  /** Epoch milliseconds and timers: deadlines are on the budgets' clock. */
  readonly scheduler: Scheduler;
  readonly settings: GroupPollerSettings;
  readonly observer: PollObserver;
  /** Hears of a defect (a listener that threw): the feed then ends PollsFailing, and this says why. */
  readonly onDefect: (defect: unknown) => void;
}

/**
 * How long a poll's listing may take, every page through admission, from the poll's start. Not the interval: a group
 * with more pages than the ListStreamSessions rate admits in one interval would then be refused every poll and its
 * feed would end PollsFailing. With a deadline this far out the poll waits its turn and completes late, which only
 * delays the next poll. Polls alone use that budget and all get this deadline, so admission serves them oldest first.
 */
const POLL_DEADLINE_MS = 30_000;

/** How far out a leaver's read is due: later than any reconnect's, so reconnects keep their place in admission. */
const CLASSIFICATION_DEADLINE_MS = 60_000;
/** Leavers of one group read at once: a burst of reconnects must not take the whole GetStreamSession budget. */
const CLASSIFICATION_CONCURRENCY = 4;
/** A runaway NextToken chain must not keep a poll going forever: 1,000 pages are 100,000 pending sessions. */
const MAX_PAGES_PER_POLL = 1000;

const RECONNECTED_STATUSES: ReadonlySet<string> = new Set(['ACTIVE', 'CONNECTED']);
const ENDED_STATUSES: ReadonlySet<string> = new Set(['TERMINATED', 'ERROR']);
const PENDING = 'PENDING_CLIENT_RECONNECTION';

type ListFailure = ReadFailure | CallEnded | AdmissionRefused;

/** What one read of a session that left the list says about it. */
type Classification =
  | { readonly _tag: 'Changed'; readonly change: SessionChange }
  | { readonly _tag: 'StillPending' }
  | { readonly _tag: 'Undecided' };

/** What a poll's failure means for the feed. */
function feedEndOf(failure: ListFailure): FeedEnd | 'Retry' | 'Stopped' {
  switch (failure._tag) {
    case 'UpstreamResourceNotFound':
      return { _tag: 'GroupNotFound' };
    case 'UpstreamAccessDenied':
      return { _tag: 'PollAccessDenied' };
    case 'Cancelled':
      return 'Stopped';
    case 'UpstreamThrottling':
    case 'UpstreamInternalServer':
    case 'UpstreamValidation':
    case 'UpstreamUnmodelled':
    case 'UpstreamUnreachable':
    case 'UpstreamClientMisconfigured':
    case 'AdmissionRefused':
    case 'DeadlineExceeded':
      return 'Retry';
    default:
      return absurd(failure);
  }
}

function reportOf(record: StreamSessionRecord, arn: string): WatchedSession {
  return {
    arn: record.arn ?? arn,
    status: record.status,
    statusReason: record.statusReason,
    lastUpdatedAt: record.lastUpdatedAt,
    windowEndsAt: undefined,
  };
}

function classify(outcome: E.Either<ListFailure, StreamSessionRecord>, arn: string): Classification {
  if (E.isLeft(outcome)) {
    // AWS forgets an ended session after a while: one it no longer knows has ended.
    return outcome.left._tag === 'UpstreamResourceNotFound'
      ? {
          _tag: 'Changed',
          change: {
            _tag: 'Ended',
            session: {
              arn,
              status: undefined,
              statusReason: undefined,
              lastUpdatedAt: undefined,
              windowEndsAt: undefined,
            },
          },
        }
      : { _tag: 'Undecided' };
  }
  const record = outcome.right;
  const status = record.status ?? '';
  if (RECONNECTED_STATUSES.has(status)) {
    return { _tag: 'Changed', change: { _tag: 'Reconnected', session: reportOf(record, arn) } };
  }
  if (ENDED_STATUSES.has(status)) {
    return { _tag: 'Changed', change: { _tag: 'Ended', session: reportOf(record, arn) } };
  }
  // Pending again, or on its way somewhere (RECONNECTING, TERMINATING): the next poll looks again.
  return status === PENDING ? { _tag: 'StillPending' } : { _tag: 'Undecided' };
}

/** A session that left the list, waiting for its read. */
interface Leaver {
  readonly arn: string;
  readonly reference: SessionReference;
}

/** One running poller: its state between polls, and the poll itself. */
class GroupPoller {
  /** The sessions reported pending (Disconnected, or known), by ARN, as last reported. */
  private readonly pending = new Map<string, WatchedSession>();
  /** The ARNs the last poll listed: a read that answers for one of them is out of date, the session pending again. */
  private listed: ReadonlySet<string> = new Set();
  /** Leavers queued for or in their read, so later polls neither read them again nor report them twice. */
  private readonly classifying = new Set<string>();
  /** Leavers whose read has not started yet, oldest first. */
  private readonly unread: Leaver[] = [];
  private reading = 0;
  private readonly controller = new AbortController();
  private cancelTimer: (() => void) | undefined;
  private failedPolls = 0;
  private ready = false;
  private stopped = false;

  constructor(
    private readonly group: WatchedGroup,
    private readonly events: GroupPollerEvents,
    private readonly dependencies: GroupPollerDependencies,
    known: ReadonlyArray<WatchedSession>,
  ) {
    for (const session of known) this.pending.set(session.arn, session);
  }

  start(): void {
    this.scheduleAt(this.dependencies.scheduler.now());
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.controller.abort({ _tag: 'Cancelled' } satisfies CallEnded);
  }

  private scheduleAt(dueAt: number): void {
    if (this.stopped) return;
    const { scheduler } = this.dependencies;
    this.cancelTimer = scheduler.schedule(
      () => {
        this.cancelTimer = undefined;
        this.poll().catch((defect: unknown) => this.defect(defect));
      },
      Math.max(0, dueAt - scheduler.now()),
    );
  }

  /**
   * One listing, then the next poll scheduled an interval after this one began: polls never overlap. Leavers are read
   * in the background, so a burst of them delays neither the next poll (and the drops it finds) nor `ready`.
   */
  private async poll(): Promise<void> {
    const { scheduler, settings, observer } = this.dependencies;
    const startedAt = scheduler.now();
    const listed = await this.listPending({
      signal: this.controller.signal,
      deadline: startedAt + POLL_DEADLINE_MS,
    });
    if (this.stopped) return;
    if (E.isLeft(listed)) {
      observer.polled(listed.left._tag);
      const verdict = feedEndOf(listed.left);
      if (verdict === 'Stopped') return;
      this.failedPolls += 1;
      if (verdict !== 'Retry') {
        this.end(verdict);
        return;
      }
      if (this.failedPolls >= settings.failedPollsLimit) {
        this.end({
          _tag: 'PollsFailing',
          detail: `${this.failedPolls} polls in a row failed, the last with ${listed.left._tag}`,
        });
        return;
      }
      this.scheduleAt(startedAt + settings.pollIntervalMs);
      return;
    }
    observer.polled('Success');
    this.failedPolls = 0;
    this.listed = new Set(listed.right.map((session) => session.arn));
    this.reportEntered(listed.right);
    if (!this.ready) {
      this.ready = true;
      this.events.ready([...this.pending.values()]);
    }
    this.queueLeavers();
    this.scheduleAt(startedAt + settings.pollIntervalMs);
  }

  /** Every page of the group's pending sessions, or the first failure. */
  private async listPending(timing: CallTiming): Promise<E.Either<ListFailure, ReadonlyArray<StreamSessionSummary>>> {
    const { lister, budgets, rounds } = this.dependencies;
    const budget = budgets.budget({ region: this.group.region, operation: 'ListStreamSessions' });
    const sessions: StreamSessionSummary[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_PAGES_PER_POLL; page += 1) {
      const token = nextToken;
      const outcome = await throughAdmission(
        budget,
        timing,
        () => lister.listStreamSessions(this.group, PENDING, token, timing),
        rounds,
      )();
      if (E.isLeft(outcome)) return outcome;
      sessions.push(...outcome.right.value.sessions);
      nextToken = outcome.right.value.nextToken;
      if (nextToken === undefined) break;
    }
    return E.right(sessions);
  }

  /** A session listed now that was not pending, or whose drop is newer than the one reported, has dropped. */
  private reportEntered(listed: ReadonlyArray<StreamSessionSummary>): void {
    const { assumedConnectionTimeoutSeconds } = this.dependencies.settings;
    for (const summary of listed) {
      const reported = this.pending.get(summary.arn);
      const sameDrop = reported !== undefined && reported.lastUpdatedAt?.getTime() === summary.lastUpdatedAt?.getTime();
      if (sameDrop) continue;
      const session: WatchedSession = {
        arn: summary.arn,
        status: summary.status ?? PENDING,
        statusReason: summary.statusReason,
        lastUpdatedAt: summary.lastUpdatedAt,
        windowEndsAt:
          summary.lastUpdatedAt === undefined
            ? undefined
            : new Date(summary.lastUpdatedAt.getTime() + assumedConnectionTimeoutSeconds * 1000),
      };
      this.pending.set(summary.arn, session);
      this.emit({ _tag: 'Disconnected', session });
    }
  }

  /** Each pending session missing from the list, and not already being read, is queued for one read. */
  private queueLeavers(): void {
    for (const arn of this.pending.keys()) {
      if (this.listed.has(arn) || this.classifying.has(arn)) continue;
      const reference = this.referenceOf(arn);
      // AWS gave an ARN this service would refuse from a caller: it cannot be read, and stays followed.
      if (reference === undefined) continue;
      this.classifying.add(arn);
      this.unread.push({ arn, reference });
    }
    this.readLeavers();
  }

  /** Starts queued reads while fewer than CLASSIFICATION_CONCURRENCY of this group's run. */
  private readLeavers(): void {
    while (!this.stopped && this.reading < CLASSIFICATION_CONCURRENCY) {
      const leaver = this.unread.shift();
      if (leaver === undefined) return;
      this.reading += 1;
      this.read(leaver.reference)
        .then((outcome) => {
          this.reading -= 1;
          this.classifying.delete(leaver.arn);
          this.conclude(leaver.arn, classify(outcome, leaver.arn));
          this.readLeavers();
        })
        .catch((defect: unknown) => this.defect(defect));
    }
  }

  /** A reconnect or an end is reported, unless the session was listed pending again while its read was out. */
  private conclude(arn: string, classification: Classification): void {
    if (this.stopped || classification._tag !== 'Changed' || this.listed.has(arn)) return;
    this.pending.delete(arn);
    this.emit(classification.change);
  }

  private referenceOf(arn: string): SessionReference | undefined {
    const groupIdentifier = StreamGroupIdentifier.decode(this.group.streamGroupId);
    const sessionIdentifier = StreamSessionIdentifier.decode(arn);
    return E.isRight(groupIdentifier) && E.isRight(sessionIdentifier)
      ? {
          region: this.group.region,
          streamGroupIdentifier: groupIdentifier.right,
          streamSessionIdentifier: sessionIdentifier.right,
        }
      : undefined;
  }

  private read(reference: SessionReference): Promise<E.Either<ListFailure, StreamSessionRecord>> {
    const { reader, budgets, rounds, scheduler } = this.dependencies;
    const timing: CallTiming = {
      signal: this.controller.signal,
      deadline: scheduler.now() + CLASSIFICATION_DEADLINE_MS,
    };
    return pipe(
      throughAdmission(
        budgets.budget({ region: this.group.region, operation: 'GetStreamSession' }),
        timing,
        () => reader.getStreamSession(reference, timing),
        rounds,
      ),
      TE.map(({ value }) => value),
    )();
  }

  private emit(change: SessionChange): void {
    if (!this.stopped) this.events.change(change);
  }

  /** Nothing in a poll or a read throws unless a listener does: the feed then ends, not the process. */
  private defect(defect: unknown): void {
    this.dependencies.onDefect(defect);
    this.end({ _tag: 'PollsFailing', detail: 'a defect in the poller' });
  }

  private end(reason: FeedEnd): void {
    if (this.stopped) return;
    this.stop();
    this.events.end(reason);
  }
}

/** The poller the process's own feeds, and the fleet's polling replica, start for each watched group. */
export function groupPollerStarter(dependencies: GroupPollerDependencies): StartGroupPoller {
  return (group, events, known = []) => {
    const poller = new GroupPoller(group, events, dependencies, known);
    poller.start();
    return () => poller.stop();
  };
}
