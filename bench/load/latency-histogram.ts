import { build, type Histogram } from 'hdr-histogram-js';

/** Latency percentiles of one measured phase, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
}

/** Latencies go in as microseconds: the service's overhead is a fraction of a millisecond, so ms would hide it. */
const MICROS_PER_MS = 1000;
/** One minute: anything slower is recorded at this value rather than throwing (every call has a shorter deadline). */
const HIGHEST_TRACKABLE_MICROS = 60_000_000;

/**
 * An HDR histogram of call latencies (3 significant digits, so a percentile is within 0.1 % of the truth).
 * The pure-JS implementation is used: the WebAssembly one must be initialised asynchronously and is not needed
 * at a few thousand values per second.
 */
export class LatencyHistogram {
  private readonly histogram: Histogram = build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_MICROS,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
  });

  recordNanoseconds(elapsed: bigint): void {
    const micros = Number(elapsed / 1000n);
    this.histogram.recordValue(Math.min(Math.max(1, micros), HIGHEST_TRACKABLE_MICROS));
  }

  summary(): LatencySummary {
    const h = this.histogram;
    const ms = (micros: number): number => micros / MICROS_PER_MS;
    return {
      count: h.totalCount,
      p50Ms: ms(h.getValueAtPercentile(50)),
      p90Ms: ms(h.getValueAtPercentile(90)),
      p99Ms: ms(h.getValueAtPercentile(99)),
      maxMs: ms(h.maxValue),
      meanMs: ms(h.mean),
    };
  }

  destroy(): void {
    this.histogram.destroy();
  }
}
