import * as E from 'fp-ts/Either';
import { assertNever } from './assert-never';
import { hasEnded, type StreamSessionStatus, type StreamSessionStatusReason } from './session-status';
import type { StreamSession } from './stream-session';
import type { TimerRegistry } from './timers';

/** Why a requested transition was refused; callers turn it into a ConflictException or a control-API 409. */
export interface TransitionRefused {
  readonly status: StreamSessionStatus;
  readonly message: string;
}

/**
 * `automatic` transitions continue on their own (ACTIVATING → ACTIVE and so on); `forced` ones, from the control
 * API, stay in the requested status so that a test can observe it. Clock-driven timeouts apply to both.
 */
type TransitionMode = 'automatic' | 'forced';

const refuse = (session: StreamSession, action: string, allowed: string): E.Either<TransitionRefused, never> =>
  E.left({
    status: session.status,
    message: `Stream session ${session.id} is in status ${session.status}; ${action} requires ${allowed}.`,
  });

/**
 * The session state machine documented in the model. With a transition delay of 0 the follow-up of a transitional
 * status is applied synchronously, so the caller's response still reports the status the operation entered (as AWS
 * does) while every later read already sees the follow-up status.
 */
export class SessionLifecycle {
  constructor(
    private readonly timers: TimerRegistry,
    private readonly transitionDelayMs: () => number,
    private readonly now: () => number,
  ) {}

  /** StartStreamSession: the new session is ACTIVATING and becomes ACTIVE after the transition delay. */
  activate(session: StreamSession): void {
    this.enter(session, 'ACTIVATING', undefined, 'automatic');
  }

  /** CreateStreamSessionConnection: allowed in ACTIVE or PENDING_CLIENT_RECONNECTION. */
  reconnect(session: StreamSession): E.Either<TransitionRefused, void> {
    if (session.status !== 'ACTIVE' && session.status !== 'PENDING_CLIENT_RECONNECTION') {
      return refuse(session, 'a reconnection', 'ACTIVE or PENDING_CLIENT_RECONNECTION');
    }
    session.reconnections += 1;
    this.enter(session, 'RECONNECTING', undefined, 'automatic');
    return E.right(undefined);
  }

  /** TerminateStreamSession: any status but ACTIVATING; an ending or ended session is left as it is. */
  terminate(session: StreamSession): E.Either<TransitionRefused, void> {
    switch (session.status) {
      case 'ACTIVATING':
        return refuse(session, 'termination', 'any status except ACTIVATING');
      case 'TERMINATING':
      case 'TERMINATED':
        return E.right(undefined);
      case 'ACTIVE':
      case 'CONNECTED':
      case 'PENDING_CLIENT_RECONNECTION':
      case 'RECONNECTING':
      case 'ERROR':
        this.enter(session, 'TERMINATING', undefined, 'automatic');
        return E.right(undefined);
      default:
        return assertNever(session.status);
    }
  }

  /** Control API: the player's client connects. */
  connectClient(session: StreamSession): E.Either<TransitionRefused, void> {
    if (session.status !== 'ACTIVE') {
      return refuse(session, 'a client connection', 'ACTIVE');
    }
    this.enter(session, 'CONNECTED', undefined, 'automatic');
    return E.right(undefined);
  }

  /** Control API: the player's client loses its connection. */
  dropClient(session: StreamSession): E.Either<TransitionRefused, void> {
    if (session.status !== 'CONNECTED') {
      return refuse(session, 'a client drop', 'CONNECTED');
    }
    this.enter(session, 'PENDING_CLIENT_RECONNECTION', undefined, 'automatic');
    return E.right(undefined);
  }

  /** Control API: put the session in any status; the status sticks until something else moves it. */
  force(session: StreamSession, status: StreamSessionStatus, reason: StreamSessionStatusReason | undefined): void {
    this.enter(session, status, reason, 'forced');
  }

  private enter(
    session: StreamSession,
    status: StreamSessionStatus,
    reason: StreamSessionStatusReason | undefined,
    mode: TransitionMode,
  ): void {
    session.status = status;
    session.statusReason = reason;
    session.lastUpdatedAtMs = this.now();
    this.timers.cancel(session.timers.followUp);
    this.timers.cancel(session.timers.connectionWindow);
    session.timers.followUp = undefined;
    session.timers.connectionWindow = undefined;
    this.keepSessionLengthLimit(session);
    // Follow-ups come last: with no delay they re-enter synchronously, and nothing may overwrite their result.
    switch (status) {
      case 'ACTIVATING':
        this.followUp(session, mode, () => this.enter(session, 'ACTIVE', undefined, 'automatic'));
        return;
      case 'ACTIVE':
        this.openConnectionWindow(session, session.reconnections > 0 ? 'reconnectionTimeout' : 'connectionTimeout');
        return;
      case 'PENDING_CLIENT_RECONNECTION':
        this.openConnectionWindow(session, 'reconnectionTimeout');
        return;
      case 'RECONNECTING':
        this.followUp(session, mode, () => this.enter(session, 'ACTIVE', undefined, 'automatic'));
        return;
      case 'TERMINATING':
        this.followUp(session, mode, () => this.enter(session, 'TERMINATED', 'apiTerminated', 'automatic'));
        return;
      case 'CONNECTED':
      case 'TERMINATED':
      case 'ERROR':
        return;
      default:
        assertNever(status);
    }
  }

  private followUp(session: StreamSession, mode: TransitionMode, advance: () => void): void {
    switch (mode) {
      case 'forced':
        return;
      case 'automatic': {
        const delayMs = this.transitionDelayMs();
        if (delayMs === 0) {
          advance();
          return;
        }
        session.timers.followUp = this.timers.schedule(delayMs, advance);
        return;
      }
      default:
        assertNever(mode);
    }
  }

  private openConnectionWindow(session: StreamSession, reason: StreamSessionStatusReason): void {
    session.timers.connectionWindow = this.timers.schedule(session.connectionTimeoutSeconds * 1000, () =>
      this.enter(session, 'TERMINATED', reason, 'automatic'),
    );
  }

  /**
   * The SessionLengthSeconds limit starts with the session and ends any live status. A session forced back to life
   * after it ended gets a fresh full limit.
   */
  private keepSessionLengthLimit(session: StreamSession): void {
    if (hasEnded(session.status)) {
      this.timers.cancel(session.timers.sessionLength);
      session.timers.sessionLength = undefined;
      return;
    }
    if (session.timers.sessionLength === undefined) {
      session.timers.sessionLength = this.timers.schedule(session.sessionLengthSeconds * 1000, () => {
        session.timers.sessionLength = undefined;
        this.enter(session, 'TERMINATED', 'maxSessionLengthTimeout', 'automatic');
      });
    }
  }
}
