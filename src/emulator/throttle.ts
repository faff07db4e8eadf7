import { type OperationName, perOperation } from './operations';

export interface RateLimit {
  readonly ratePerSecond: number;
  readonly burst: number;
}

/** CreateStreamSessionConnection's default is the real AWS quota; the others are generous. */
export const DEFAULT_RATE_LIMITS: Readonly<Record<OperationName, RateLimit>> = perOperation((operation) =>
  operation === 'CreateStreamSessionConnection' ? { ratePerSecond: 20, burst: 20 } : { ratePerSecond: 100, burst: 100 },
);

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
