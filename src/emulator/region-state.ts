import type { AccountScope } from './arn';
import type { Clock } from './clock';
import { OperationCounters } from './counters';
import { FaultPlan } from './faults';
import { SessionLifecycle } from './lifecycle';
import type { OperationName } from './operations';
import { RequestLog } from './request-log';
import { EmulatorStore } from './store';
import { StreamSessionOperations } from './stream-session-operations';
import { OperationThrottle, type RateLimit } from './throttle';
import { TimerRegistry } from './timers';

/** What a region was started with; a reset returns to exactly this. */
export interface RegionBaseline {
  readonly scope: AccountScope;
  readonly transitionDelayMs: number;
  readonly endedSessionRetentionMs: number;
  readonly rateLimits: Readonly<Record<OperationName, RateLimit>>;
}

/**
 * Everything one emulated region remembers, with a single reset. AWS keeps each region apart (its own resources,
 * idempotency tokens and per-region quotas), so each emulated region has all of these to itself.
 */
export class RegionState {
  readonly timers = new TimerRegistry();
  readonly store: EmulatorStore;
  readonly lifecycle: SessionLifecycle;
  readonly operations: StreamSessionOperations;
  readonly faults = new FaultPlan();
  readonly throttle: OperationThrottle;
  readonly counters = new OperationCounters();
  readonly requestLog = new RequestLog();
  private delayMs: number;
  private retentionMs: number;

  constructor(
    readonly baseline: RegionBaseline,
    clock: Clock,
  ) {
    this.delayMs = baseline.transitionDelayMs;
    this.retentionMs = baseline.endedSessionRetentionMs;
    this.store = new EmulatorStore(baseline.scope, clock.nowMs, () => this.retentionMs);
    this.lifecycle = new SessionLifecycle(this.timers, () => this.delayMs, clock.nowMs);
    this.operations = new StreamSessionOperations(baseline.scope, this.store, this.lifecycle, clock.nowMs);
    this.throttle = new OperationThrottle(baseline.rateLimits, clock.monotonicMs);
  }

  get region(): string {
    return this.baseline.scope.region;
  }

  get transitionDelayMs(): number {
    return this.delayMs;
  }

  /** Applies to transitions that start after the change; ones already scheduled keep their delay. */
  setTransitionDelay(delayMs: number): void {
    this.delayMs = delayMs;
  }

  get endedSessionRetentionMs(): number {
    return this.retentionMs;
  }

  /** Applies at once to every ended session, those that ended before the change included. */
  setEndedSessionRetention(retentionMs: number): void {
    this.retentionMs = retentionMs;
  }

  reset(): void {
    this.timers.cancelAll();
    this.store.clear();
    this.operations.reset();
    this.faults.clear();
    this.throttle.reset();
    this.counters.reset();
    this.requestLog.clear();
    this.delayMs = this.baseline.transitionDelayMs;
    this.retentionMs = this.baseline.endedSessionRetentionMs;
  }

  close(): void {
    this.timers.close();
  }
}
