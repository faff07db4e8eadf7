import type { ReconnectStreamSessionRequest } from '../../src/gen/reconnect/v1/reconnect';
import { runClosedLoop, type LoadCall } from '../load/closed-loop';
import { readProcessUsage } from '../process/proc-usage';
import { CALL_DEADLINE_MS } from '../subjects/grpc-subject';
import type { ServiceSubject } from '../subjects/service';

export interface SoakSettings {
  readonly concurrency: number;
  readonly requests: number;
  /** The early mark RSS growth is measured from: past start-up, JIT warm-up and the first pool growth. */
  readonly baselineMark: number;
  readonly sampleEvery: number;
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
  const baseline = samples.find((sample) => sample.completed === settings.baselineMark);
  const final = samples.find((sample) => sample.completed === settings.requests);
  return {
    settings,
    completed: result.completed,
    failed: result.failed,
    failuresByName: result.failuresByName,
    elapsedMs: result.elapsedMs,
    requestsPerSecond: result.requestsPerSecond,
    samples,
    baselineRssBytes: baseline?.rssBytes,
    finalRssBytes: final?.rssBytes,
    rssGrowth: baseline !== undefined && final !== undefined ? (final.rssBytes - baseline.rssBytes) / baseline.rssBytes : undefined,
  };
}
