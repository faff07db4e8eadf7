import type { EmulatorControl } from '../../src/emulator/control-client';
import { expectRight } from '../load/bench-sessions';
import type { GrpcReconnectCaller } from '../load/grpc-reconnect-caller';
import { signalRequestFor } from '../load/workload';

export interface CoalescingResult {
  readonly requests: number;
  readonly succeeded: number;
  readonly failuresByCode: Readonly<Record<string, number>>;
  /** Different answers the callers got: 1 when they all shared one upstream call. */
  readonly distinctAnswers: number;
  /** CreateStreamSessionConnection calls the emulator counted while the requests ran. */
  readonly upstreamCalls: number;
  readonly elapsedMs: number;
  readonly pass: boolean;
}

/**
 * 100 identical reconnects (same session, same offer, no client token) at once. The emulator holds the first
 * upstream call for a while (an injected latency fault), so the others certainly arrive while it is in flight:
 * without that, a loopback answer could come back before the last request is sent, and a second upstream call
 * would be right, not a coalescing failure. Expected: exactly one upstream call, and every caller gets its answer.
 */
export async function runCoalescing(
  control: EmulatorControl,
  caller: GrpcReconnectCaller,
  target: { readonly groupId: string; readonly sessionId: string },
  requests: number,
): Promise<CoalescingResult> {
  const holdMs = 500;
  await expectRight(
    control.injectFault({
      operation: 'CreateStreamSessionConnection',
      fault: { kind: 'latency', ms: holdMs },
      count: 1,
    }),
  );
  const before = await expectRight(control.counters());
  const request = {
    streamGroupIdentifier: target.groupId,
    streamSessionIdentifier: target.sessionId,
    signalRequest: signalRequestFor('coalescing', 0, 0),
    clientToken: undefined,
    userId: undefined,
  };
  const startedAt = Date.now();
  const answers = await Promise.all(Array.from({ length: requests }, () => caller.reconnect(request, holdMs + 10_000)));
  const elapsedMs = Date.now() - startedAt;
  const after = await expectRight(control.counters());
  await expectRight(control.clearFaults());
  const failuresByCode: Record<string, number> = {};
  const distinct = new Set<string>();
  for (const answer of answers) {
    if (answer.ok) distinct.add(answer.signalResponse);
    else failuresByCode[answer.failure] = (failuresByCode[answer.failure] ?? 0) + 1;
  }
  const succeeded = answers.filter((answer) => answer.ok).length;
  const upstreamCalls = after.calls.CreateStreamSessionConnection - before.calls.CreateStreamSessionConnection;
  return {
    requests,
    succeeded,
    failuresByCode,
    distinctAnswers: distinct.size,
    upstreamCalls,
    elapsedMs,
    pass: upstreamCalls === 1 && succeeded === requests && distinct.size === 1,
  };
}
