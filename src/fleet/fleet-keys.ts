import type { BudgetKey } from '../domain/admission';
import type { SessionKey } from '../domain/request';
import type { WatchedGroupKey } from '../domain/watch-feed';

/**
 * The names of the fleet's keys in Redis. Every key carries the prefix as a hash tag, so a Redis Cluster keeps them
 * in one slot and each script may touch several; the prefix scopes them to one AWS account.
 */
export class FleetKeys {
  private readonly tag: string;

  constructor(prefix: string) {
    this.tag = `{${prefix}}`;
  }

  get live(): string {
    return `${this.tag}:live`;
  }

  get cooling(): string {
    return `${this.tag}:cooling`;
  }

  budget(key: BudgetKey): string {
    return `${this.tag}:budget:${key.region}:${key.operation}`;
  }

  queue(key: BudgetKey): string {
    return `${this.tag}:queue:${key.region}:${key.operation}`;
  }

  lease(session: SessionKey): string {
    return `${this.tag}:lease:${session}`;
  }

  leaseHolders(session: SessionKey): string {
    return `${this.tag}:lease-holders:${session}`;
  }

  /** Which replica polls a watched group now: its lease, renewed each poll interval. */
  watchLease(group: WatchedGroupKey): string {
    return `${this.tag}:watch:${group}:lease`;
  }

  /** The sessions pending in a watched group, as its polling replica last published them. */
  watchPending(group: WatchedGroupKey): string {
    return `${this.tag}:watch:${group}:pending`;
  }

  /** The changes of a watched group, in order, for every replica to read. */
  watchChanges(group: WatchedGroupKey): string {
    return `${this.tag}:watch:${group}:changes`;
  }
}
