import type { ReconnectStreamSessionRequest } from '../../src/gen/reconnect/v1/reconnect';
import { runClosedLoop, type LoadCall } from '../load/closed-loop';
import type { GrpcReconnectCaller } from '../load/grpc-reconnect-caller';
import { readProcessUsage } from '../process/proc-usage';
import { cpuMicrosPerRequest, type PhaseMeasurement, type PhaseSettings, type SubjectName } from './measured-phase';

/** Every gRPC call of the load driver has this deadline: far above any expected latency, so it only bounds a hang. */
export const CALL_DEADLINE_MS = 10_000;

/**
 * Loads a gRPC server in another process (floor A or the service) from this process, and measures that process
 * from /proc: its CPU over the measured loop, its RSS after it. The load driver's own CPU is not counted.
 */
export async function measureGrpcPhase(
  subject: SubjectName,
  pid: number,
  caller: GrpcReconnectCaller,
  requestFor: (slot: number) => ReconnectStreamSessionRequest,
  phase: PhaseSettings,
): Promise<PhaseMeasurement> {
  const call: LoadCall = async (slot) => {
    const answer = await caller.reconnect(requestFor(slot), CALL_DEADLINE_MS);
    return answer.ok ? { ok: true } : answer;
  };
  await runClosedLoop(
    {
      concurrency: phase.concurrency,
      ratePerSecond: phase.ratePerSecond,
      maxRequests: phase.warmupRequests,
      maxDurationMs: phase.warmupMs,
    },
    call,
  );
  const before = readProcessUsage(pid);
  const result = await runClosedLoop(
    {
      concurrency: phase.concurrency,
      ratePerSecond: phase.ratePerSecond,
      maxRequests: phase.maxRequests,
      maxDurationMs: phase.measureMs,
    },
    call,
  );
  const after = readProcessUsage(pid);
  const cpuMs = after.cpuMs - before.cpuMs;
  return {
    subject,
    ...result,
    cpuMs,
    cpuMicrosPerRequest: cpuMicrosPerRequest(cpuMs, result.completed),
    rssBytes: after.rssBytes,
    peakRssBytes: after.peakRssBytes,
  };
}
