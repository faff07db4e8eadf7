import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { ReconnectStreamSessionRequest } from '../../src/gen/reconnect/v1/reconnect';
import { decodeCpuProfile } from '../profile/cpu-profile';
import { summariseProfile, type ProfileSummary } from '../profile/summarise-profile';
import type { PhaseMeasurement, PhaseSettings } from '../subjects/measured-phase';
import { startService } from '../subjects/service';

export interface ProfileRunResult {
  readonly phase: PhaseMeasurement;
  readonly profileFile: string;
  readonly summary: ProfileSummary;
}

/**
 * The service scenario once more under `node --cpu-prof`, the profile written when the service exits on SIGTERM.
 * Profiling costs CPU itself, so this run's numbers are not the benchmark's; only where the time goes is.
 */
export async function runProfile(
  emulatorEndpoint: string,
  requestFor: (slot: number) => ReconnectStreamSessionRequest,
  phase: PhaseSettings,
  directory: string,
): Promise<ProfileRunResult> {
  await mkdir(directory, { recursive: true });
  const before = new Set(await readdir(directory));
  const service = await startService(
    {
      emulatorEndpoint,
      upstreamMaxSockets: phase.concurrency,
      nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${directory}`],
    },
    requestFor,
  );
  let measured: PhaseMeasurement;
  try {
    measured = await service.measure(phase);
  } finally {
    await service.stop();
  }
  const written = (await readdir(directory)).filter((name) => name.endsWith('.cpuprofile') && !before.has(name));
  const [name] = written;
  if (name === undefined) throw new Error(`the service wrote no CPU profile into ${directory}`);
  const profileFile = join(directory, name);
  return { phase: measured, profileFile, summary: summariseProfile(decodeCpuProfile(await readFile(profileFile, 'utf8'))) };
}
