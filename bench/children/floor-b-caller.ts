import { CreateStreamSessionConnectionCommand } from '@aws-sdk/client-gameliftstreams';
import * as E from 'fp-ts/Either';

import { runClosedLoop, type CallOutcome, type LoadCall } from '../load/closed-loop';
import { clientTokenFor, signalRequestFor } from '../load/workload';
import { bareSdkClient } from './bare-sdk-client';
import { FloorBSettings, RunPhase, type PhaseResult } from './floor-b-protocol';

/**
 * Floor B: a process that calls CreateStreamSessionConnection with the AWS SDK against the emulator directly, the
 * load generator and the measured process in one. Its CPU per call is what the SDK call itself costs a process
 * that does nothing else: build, serialise and sign the request, HTTP/1.1 over a keep-alive socket, parse the answer.
 */

function parseSettings(): FloorBSettings {
  const decoded = FloorBSettings.decode(JSON.parse(process.argv[2] ?? 'null'));
  if (E.isLeft(decoded)) throw new Error('floor B needs its settings as a JSON argument');
  return decoded.right;
}

const settings = parseSettings();
const client = bareSdkClient(settings.endpoint, settings.maxSockets, settings.httpHandler);
let sequence = 0;

const call: LoadCall = async (slot) => {
  const session = settings.sessionIds[slot];
  if (session === undefined) return { ok: false, failure: 'NoSessionForSlot' };
  sequence += 1;
  try {
    const output = await client.send(
      new CreateStreamSessionConnectionCommand({
        Identifier: settings.groupId,
        StreamSessionIdentifier: session,
        SignalRequest: signalRequestFor('floor-b', slot, sequence),
        ClientToken: clientTokenFor('b', slot, sequence),
      }),
    );
    const outcome: CallOutcome =
      output.SignalResponse === undefined ? { ok: false, failure: 'EmptySignalResponse' } : { ok: true };
    return outcome;
  } catch (error) {
    return { ok: false, failure: error instanceof Error ? error.name : 'rejected' };
  }
};

async function runPhase(phase: RunPhase): Promise<PhaseResult> {
  await runClosedLoop(
    {
      concurrency: phase.concurrency,
      ratePerSecond: phase.ratePerSecond,
      maxRequests: phase.warmupRequests,
      maxDurationMs: phase.warmupMs,
    },
    call,
  );
  const cpuBefore = process.cpuUsage();
  const result = await runClosedLoop(
    {
      concurrency: phase.concurrency,
      ratePerSecond: phase.ratePerSecond,
      maxRequests: phase.maxRequests,
      maxDurationMs: phase.measureMs,
    },
    call,
  );
  const cpu = process.cpuUsage(cpuBefore);
  return {
    kind: 'result',
    ...result,
    failuresByName: { ...result.failuresByName },
    cpuMs: (cpu.user + cpu.system) / 1000,
    rssBytes: process.memoryUsage.rss(),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

process.on('message', (message: unknown) => {
  const phase = RunPhase.decode(message);
  if (E.isLeft(phase)) {
    process.stderr.write(`floor B got an unexpected message: ${JSON.stringify(message)}\n`);
    process.exit(1);
  }
  runPhase(phase.right).then(
    (result) => process.send?.(result),
    (defect: unknown) => {
      process.stderr.write(
        `floor B failed: ${defect instanceof Error ? (defect.stack ?? defect.message) : String(defect)}\n`,
      );
      process.exit(1);
    },
  );
});
// The parent going away (a crashed benchmark) must not leave this caller running.
process.on('disconnect', () => process.exit(0));
process.send?.({ kind: 'ready' });
