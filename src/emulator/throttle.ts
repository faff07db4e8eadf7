import { assertNever } from './assert-never';
import { type OperationName, perOperation } from './operations';

export interface RateLimit {
  readonly ratePerSecond: number;
  readonly burst: number;
}

/**
 * AWS's documented quota (developer guide, "Regions, quotas, and limitations", API rate limits): 20 requests/s per
 * account and region. No burst is published; a burst of one second's worth is the emulator's choice.
 */
const DOCUMENTED_QUOTA: RateLimit = { ratePerSecond: 20, burst: 20 };

/**
 * The list operations have no documented quota, and the model calls polling ListStreamSessionsByAccount costly. A
 * low default makes a test that polls a list fail here before it meets an unknown limit at AWS.
 */
const UNDOCUMENTED_LIST_QUOTA: RateLimit = { ratePerSecond: 5, burst: 5 };

/** The emulator's rates when nothing raises them; a test that needs more sets them through PUT /_emulator/rates. */
export const DEFAULT_RATE_LIMITS: Readonly<Record<OperationName, RateLimit>> = perOperation((operation) => {
  switch (operation) {
    case 'StartStreamSession':
    case 'GetStreamSession':
    case 'TerminateStreamSession':
    case 'CreateStreamSessionConnection':
      return DOCUMENTED_QUOTA;
    case 'ListStreamSessions':
    case 'ListStreamSessionsByAccount':
      return UNDOCUMENTED_LIST_QUOTA;
    default:
      return assertNever(operation);
  }
});

/** A token bucket refilled lazily from a monotonic clock, so it needs no timer. */
export class TokenBucket {
  private tokens: number;
  private refilledAtMs: number;

  constructor(
    readonly limit: RateLimit,
    nowMs: number,
  ) {
    this.tokens = limit.burst;
    this.refilledAtMs = nowMs;
  }

  tryTake(nowMs: number): boolean {
    const elapsedSeconds = Math.max(0, nowMs - this.refilledAtMs) / 1000;
    this.tokens = Math.min(this.limit.burst, this.tokens + elapsedSeconds * this.limit.ratePerSecond);
    this.refilledAtMs = nowMs;
    if (this.tokens < 1) {
      return false;
    }
    this.tokens -= 1;
    return true;
  }
}

/** One bucket per operation, as AWS applies its request-rate quotas per API. */
export class OperationThrottle {
  private buckets: Record<OperationName, TokenBucket>;

  constructor(
    private readonly defaults: Readonly<Record<OperationName, RateLimit>>,
    private readonly monotonicNowMs: () => number,
  ) {
    this.buckets = this.fullBuckets();
  }

  tryAcquire(operation: OperationName): boolean {
    return this.buckets[operation].tryTake(this.monotonicNowMs());
  }

  /** A new limit starts with a full bucket. */
  setLimit(operation: OperationName, limit: RateLimit): void {
    this.buckets[operation] = new TokenBucket(limit, this.monotonicNowMs());
  }

  reset(): void {
    this.buckets = this.fullBuckets();
  }

  private fullBuckets(): Record<OperationName, TokenBucket> {
    const nowMs = this.monotonicNowMs();
    return perOperation((operation) => new TokenBucket(this.defaults[operation], nowMs));
  }
}
