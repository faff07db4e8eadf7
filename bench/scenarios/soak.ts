import type { ReconnectStreamSessionRequest } from '../../src/gen/reconnect/v1/reconnect';
import { runClosedLoop, type LoadCall } from '../load/closed-loop';
import { readProcessUsage } from '../process/proc-usage';
import { CALL_DEADLINE_MS } from '../subjects/grpc-subject';
import type { ServiceSubject } from '../subjects/service';
import { median } from '../report/median';

export interface SoakSettings {
  readonly concurrency: number;
  readonly requests: number;
  /** The early mark RSS growth is measured from: past start-up, JIT warm-up and the first pool growth. */
  readonly baselineMark: number;
  readonly sampleEvery: number;
  /**
   * The RSS at a mark is the median of the samples in this many calls up to it: one sample can land on the peak
   * or the trough of a GC cycle (a few percent either way), which says nothing about a leak.
   */
  readonly markWindow: number;
  readonly maxDurationMs: number;
}

export interface RssSample {
  readonly completed: number;
  readonly rssBytes: number;
}

export interface SoakResult {
  readonly settings: SoakSettings;
  readonly completed: number;
  readonly failed: number;
  readonly failuresByName: Readonly<Record<string, number>>;
  readonly elapsedMs: number;
  readonly requestsPerSecond: number;
  readonly samples: ReadonlyArray<RssSample>;
  readonly baselineRssBytes: number | undefined;
  readonly finalRssBytes: number | undefined;
  /** (final - baseline) / baseline; undefined when the run did not reach both marks. */
  readonly rssGrowth: number | undefined;
}

/** The median RSS of the samples in the window of calls that ends at the mark; undefined if none was taken. */
function rssAtMark(samples: ReadonlyArray<RssSample>, mark: number, window: number): number | undefined {
  const near = samples.filter((sample) => sample.completed > mark - window && sample.completed <= mark);
  return near.length === 0 || near.every((sample) => sample.completed !== mark)
    ? undefined
    : median(near.map((sample) => sample.rssBytes));
}

/**
 * A long closed loop against a freshly started service, sampling its RSS from /proc every `sampleEvery` calls.
 * A leak of even a few hundred bytes per call shows as growth between the baseline mark and the end; a heap
 * that has reached its working size stays flat (GC makes RSS wobble by a few percent, not grow).
 */
export async function runSoak(
  service: ServiceSubject,
  requestFor: (slot: number) => ReconnectStreamSessionRequest,
  settings: SoakSettings,
): Promise<SoakResult> {
  const samples: RssSample[] = [];
  const call: LoadCall = async (slot) => {
    const answer = await service.caller.reconnect(requestFor(slot), CALL_DEADLINE_MS);
    return answer.ok ? { ok: true } : answer;
  };
  const result = await runClosedLoop(
    {
      concurrency: settings.concurrency,
      maxRequests: settings.requests,
      maxDurationMs: settings.maxDurationMs,
      progressEvery: settings.sampleEvery,
      onProgress: (completed) => samples.push({ completed, rssBytes: readProcessUsage(service.pid).rssBytes }),
    },
    call,
  );
  const baseline = rssAtMark(samples, settings.baselineMark, settings.markWindow);
  const final = rssAtMark(samples, settings.requests, settings.markWindow);
  return {
    settings,
    completed: result.completed,
    failed: result.failed,
    failuresByName: result.failuresByName,
    elapsedMs: result.elapsedMs,
    requestsPerSecond: result.requestsPerSecond,
    samples,
    baselineRssBytes: baseline,
    finalRssBytes: final,
    rssGrowth: baseline !== undefined && final !== undefined ? (final - baseline) / baseline : undefined,
  };
}
