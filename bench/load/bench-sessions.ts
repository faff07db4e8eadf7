import { GameLiftStreamsClient, StartStreamSessionCommand } from '@aws-sdk/client-gameliftstreams';
import * as E from 'fp-ts/Either';
import type * as TE from 'fp-ts/TaskEither';

import type { EmulatorControl } from '../../src/emulator/control-client';
import { EMULATOR_SDK_CREDENTIALS } from '../../src/emulator/sdk-credentials';

export const BENCH_REGION = 'us-west-2';

export async function expectRight<L extends { readonly message: string }, A>(task: TE.TaskEither<L, A>): Promise<A> {
  const outcome = await task();
  if (E.isLeft(outcome)) throw new Error(outcome.left.message);
  return outcome.right;
}

/**
 * A stream group with `count` sessions that each accept CreateStreamSessionConnection again and again: started
 * ACTIVE (the emulator's transitions are immediate) with the longest connection window, and after every reconnect
 * back to ACTIVE at once. Returns the session IDs, one per in-flight slot.
 */
export async function prepareSessions(
  control: EmulatorControl,
  endpoint: string,
  groupId: string,
  count: number,
): Promise<ReadonlyArray<string>> {
  await expectRight(control.createStreamGroup({ id: groupId }));
  const aws = new GameLiftStreamsClient({
    region: BENCH_REGION,
    endpoint,
    credentials: EMULATOR_SDK_CREDENTIALS,
    maxAttempts: 1,
  });
  try {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const started = await aws.send(
        new StartStreamSessionCommand({
          Identifier: groupId,
          ApplicationIdentifier: 'a-benchApp01',
          Protocol: 'WebRTC',
          SignalRequest: 'NO_CLIENT_CONNECTION',
          ConnectionTimeoutSeconds: 3600,
          SessionLengthSeconds: 86_400,
        }),
      );
      const id = started.Arn?.split('/').pop();
      if (id === undefined || id === '') throw new Error('StartStreamSession answered without an ARN');
      ids.push(id);
    }
    return ids;
  } finally {
    aws.destroy();
  }
}

/** Lifts the emulator's token buckets for the operations the benchmark uses, so the emulator is never the limit. */
export async function unthrottleEmulator(control: EmulatorControl): Promise<void> {
  for (const operation of ['CreateStreamSessionConnection', 'StartStreamSession'] as const) {
    await expectRight(control.setRate({ operation, ratePerSecond: 1_000_000, burst: 1_000_000 }));
  }
}
