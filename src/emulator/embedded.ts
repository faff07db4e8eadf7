import * as E from 'fp-ts/Either';

import type { Logger } from '../logging/logger';
import type { UpstreamTarget } from '../upstream/gameliftstreams';
import { EmulatorControl } from './control-client';
import { DEMO_STREAM_GROUP_ID, seedDemoInEveryRegion } from './demo';
import { EMULATOR_SDK_CREDENTIALS } from './sdk-credentials';
import { startEmulator } from './server';

/** The emulator as the service embeds it when RECONNECT_BACKEND=emulator: started, seeded, and how to reach it. */
export interface EmbeddedEmulator {
  readonly endpoint: string;
  readonly target: UpstreamTarget;
  readonly description: string;
  close(): Promise<void>;
}

export interface EmbeddedEmulatorSettings {
  readonly host: string;
  readonly port: number;
  /** Every region the service serves, its first the default; each gets its own state and the demo group. */
  readonly regions: ReadonlyArray<string>;
  readonly logger: Logger;
}

/** Starts the emulator and seeds the demo stream group; on any failure nothing is left listening. */
export async function startEmbeddedEmulator(
  settings: EmbeddedEmulatorSettings,
): Promise<E.Either<string, EmbeddedEmulator>> {
  const started = await startEmulator({
    host: settings.host,
    port: settings.port,
    regions: settings.regions,
    logger: settings.logger,
  })();
  if (E.isLeft(started)) {
    return E.left(
      `could not start the embedded emulator on ${settings.host}:${settings.port}: ${started.left.message}`,
    );
  }
  const emulator = started.right;
  const seeded = await seedDemoInEveryRegion(new EmulatorControl(emulator.endpoint), emulator.regions)();
  if (E.isLeft(seeded)) {
    await emulator.close();
    return E.left(`could not seed the embedded emulator: ${seeded.left.message}`);
  }
  return E.right({
    endpoint: emulator.endpoint,
    target: { _tag: 'Endpoint', endpoint: emulator.endpoint, credentials: EMULATOR_SDK_CREDENTIALS },
    description: `the embedded GameLift Streams emulator at ${emulator.endpoint} (demo stream group ${DEMO_STREAM_GROUP_ID}; set RECONNECT_BACKEND=aws for real AWS)`,
    close: () => emulator.close(),
  });
}
