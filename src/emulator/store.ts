import * as E from 'fp-ts/Either';
import { type AccountScope, lastResourceSegment, looksLikeArn, streamGroupArn } from './arn';
import { conflict, type ModelledError } from './service-error';
import { hasEnded } from './session-status';
import type { StreamGroup, StreamSession } from './stream-session';

/** Sessions a group retains; beyond it the oldest ended session is forgotten, so memory stays bounded under load. */
export const MAX_SESSIONS_PER_GROUP = 10_000;

export type EnsureResult = { readonly group: StreamGroup; readonly created: boolean };

/**
 * In-memory stream groups and their sessions, looked up by ID or ARN. An ended session (TERMINATED or ERROR) is kept
 * for the ended-session retention, counted from when it ended, and then forgotten: every lookup and listing stops
 * seeing it at that moment, as AWS stops answering for a session it no longer keeps. Forgetting happens when a
 * session is next looked at, so it needs no timer.
 */
export class EmulatorStore {
  private readonly groups = new Map<string, StreamGroup>();
  private lastSequence = 0;

  constructor(
    private readonly scope: AccountScope,
    private readonly now: () => number,
    private readonly endedSessionRetentionMs: () => number,
  ) {}

  ensureStreamGroup(id: string): EnsureResult {
    const existing = this.groups.get(id);
    if (existing !== undefined) {
      return { group: existing, created: false };
    }
    const group: StreamGroup = {
      id,
      arn: streamGroupArn(this.scope, id),
      createdAtMs: this.now(),
      sessions: new Map(),
    };
    this.groups.set(id, group);
    return { group, created: true };
  }

  hasStreamGroup(id: string): boolean {
    return this.groups.has(id);
  }

  /** An ARN matches only if it is exactly the group's ARN, so an ARN from another region or account is not found. */
  findStreamGroup(identifier: string): StreamGroup | undefined {
    const group = this.groups.get(looksLikeArn(identifier) ? lastResourceSegment(identifier) : identifier);
    if (group === undefined) {
      return undefined;
    }
    return !looksLikeArn(identifier) || group.arn === identifier ? group : undefined;
  }

  /** A session ARN whose group part differs from `group` is not found, like an unknown or forgotten session. */
  findStreamSession(group: StreamGroup, identifier: string): StreamSession | undefined {
    const id = looksLikeArn(identifier) ? lastResourceSegment(identifier) : identifier;
    const session = group.sessions.get(id);
    if (session === undefined || this.forgetIfRetentionEnded(group, session)) {
      return undefined;
    }
    return !looksLikeArn(identifier) || session.arn === identifier ? session : undefined;
  }

  /** The group's sessions in creation order, forgotten ones left out. */
  sessionsOf(group: StreamGroup): StreamSession[] {
    return [...group.sessions.values()].filter((session) => !this.forgetIfRetentionEnded(group, session));
  }

  /** The sessions of every group of the account, in creation order. */
  allSessions(): StreamSession[] {
    return [...this.groups.values()]
      .flatMap((group) => this.sessionsOf(group))
      .sort((first, second) => first.sequence - second.sequence);
  }

  /** The creation sequence number of the next session; never reused, not even after a reset. */
  nextSequence(): number {
    this.lastSequence += 1;
    return this.lastSequence;
  }

  addSession(group: StreamGroup, session: StreamSession): E.Either<ModelledError<'ConflictException'>, StreamSession> {
    if (group.sessions.size >= MAX_SESSIONS_PER_GROUP && !this.evictOldestEndedSession(group)) {
      return E.left(
        conflict(
          `Stream group ${group.id} already holds ${MAX_SESSIONS_PER_GROUP} sessions that have not ended ` +
            '(an emulator limit); terminate some before starting more.',
        ),
      );
    }
    group.sessions.set(session.id, session);
    return E.right(session);
  }

  clear(): void {
    this.groups.clear();
  }

  private forgetIfRetentionEnded(group: StreamGroup, session: StreamSession): boolean {
    const forgotten =
      hasEnded(session.status) && this.now() - session.lastUpdatedAtMs >= this.endedSessionRetentionMs();
    if (forgotten) {
      group.sessions.delete(session.id);
    }
    return forgotten;
  }

  private evictOldestEndedSession(group: StreamGroup): boolean {
    for (const [id, session] of group.sessions) {
      if (hasEnded(session.status)) {
        group.sessions.delete(id);
        return true;
      }
    }
    return false;
  }
}
