import { pipe } from 'fp-ts/function';
import * as TE from 'fp-ts/TaskEither';

import { throughAdmission, type AdmissionRounds, type UpstreamBudgets } from './admission';
import type { CallTiming } from './call-context';
import type { AdmissionRefused, CallEnded, ReadFailure } from './outcomes';
import type { StreamSessionReader, StreamSessionRecord } from './ports';
import { sessionKeyOf, type SessionKey, type SessionReference } from './request';
import { Singleflight } from './singleflight';

/**
 * Reading sessions within GetStreamSession's budget: identical reads in flight share one AWS call, and a session's
 * owner, which never changes, is remembered once read, so a retried reconnect that names its player does not read
 * the session again.
 */

export interface OwnerMemory {
  /** The most owners remembered; the least recently used is forgotten first. */
  readonly size: number;
  /** How long an owner is remembered (a session lives at most SessionLengthSeconds, 24 h). */
  readonly ttlMs: number;
}

/** The UserId a session was started for; undefined for a session started for no player. */
interface RememberedOwner {
  readonly userId: string | undefined;
  readonly until: number;
}

/** A bounded map of owners with an expiry each; a Map keeps insertion order, which makes it LRU. */
class Owners {
  private readonly owners = new Map<SessionKey, RememberedOwner>();

  constructor(
    private readonly memory: OwnerMemory,
    private readonly now: () => number,
  ) {}

  get(key: SessionKey): RememberedOwner | undefined {
    const owner = this.owners.get(key);
    if (owner === undefined) return undefined;
    this.owners.delete(key);
    if (owner.until <= this.now()) return undefined;
    this.owners.set(key, owner);
    return owner;
  }

  remember(key: SessionKey, userId: string | undefined): void {
    if (this.memory.size === 0) return;
    this.owners.delete(key);
    this.owners.set(key, { userId, until: this.now() + this.memory.ttlMs });
    for (const oldest of this.owners.keys()) {
      if (this.owners.size <= this.memory.size) break;
      this.owners.delete(oldest);
    }
  }

  size(): number {
    return this.owners.size;
  }
}

export type SessionReadFailure = ReadFailure | CallEnded | AdmissionRefused;

export interface SessionReadsDependencies {
  readonly reader: StreamSessionReader;
  readonly budgets: UpstreamBudgets;
  readonly rounds: AdmissionRounds;
  readonly owners: OwnerMemory;
  /** Epoch milliseconds; the owners' expiry. */
  readonly now: () => number;
}

export class SessionReads {
  private readonly reads = new Singleflight<SessionKey, SessionReadFailure, StreamSessionRecord>();
  private readonly owners: Owners;

  constructor(private readonly dependencies: SessionReadsDependencies) {
    this.owners = new Owners(dependencies.owners, dependencies.now);
  }

  /** The session as AWS says it is now: one GetStreamSession within the budget, shared by identical reads in flight. */
  read(reference: SessionReference, timing: CallTiming): TE.TaskEither<SessionReadFailure, StreamSessionRecord> {
    const key = sessionKeyOf(reference);
    const { reader, budgets, rounds } = this.dependencies;
    return pipe(
      this.reads.run(key, '', timing, (flightTiming) =>
        pipe(
          throughAdmission(
            budgets.budget({ region: reference.region, operation: 'GetStreamSession' }),
            flightTiming,
            () => reader.getStreamSession(reference, flightTiming),
            rounds,
          ),
          TE.map(({ value }) => value),
        ),
      ),
      TE.map(({ value }) => value),
      TE.tap((record) => TE.fromIO(() => this.owners.remember(key, record.userId))),
    );
  }

  /** The session's owner: remembered, or read once. */
  ownerOf(reference: SessionReference, timing: CallTiming): TE.TaskEither<SessionReadFailure, string | undefined> {
    const remembered = this.owners.get(sessionKeyOf(reference));
    return remembered !== undefined
      ? TE.right(remembered.userId)
      : pipe(
          this.read(reference, timing),
          TE.map((record) => record.userId),
        );
  }

  /** Reads in flight and owners remembered, for metrics. */
  state(): { readonly readsInFlight: number; readonly ownersRemembered: number } {
    return { readsInFlight: this.reads.inFlight(), ownersRemembered: this.owners.size() };
  }
}
