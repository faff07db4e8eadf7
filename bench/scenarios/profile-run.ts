import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { decodeCpuProfile } from '../profile/cpu-profile';
import { summariseProfile, type ProfileSummary } from '../profile/summarise-profile';
import type { MeasuredSubject, PhaseMeasurement, PhaseSettings } from '../subjects/measured-phase';

export interface ProfileRunResult {
  readonly phase: PhaseMeasurement;
  readonly profileFile: string;
  readonly summary: ProfileSummary;
}

/**
 * One subject (the service, or the composed floor to compare it with) once more under `node --cpu-prof`, the
 * profile written when it exits on SIGTERM. Profiling costs CPU itself, so this run's numbers are not the
 * benchmark's; only where the time goes is.
 */
export async function runProfile(
  start: (nodeFlags: ReadonlyArray<string>) => Promise<MeasuredSubject>,
  phase: PhaseSettings,
  directory: string,
): Promise<ProfileRunResult> {
  await mkdir(directory, { recursive: true });
  const before = new Set(await readdir(directory));
  const subject = await start(['--cpu-prof', `--cpu-prof-dir=${directory}`]);
  let measured: PhaseMeasurement;
  try {
    measured = await subject.measure(phase);
  } finally {
    await subject.stop();
  }
  const written = (await readdir(directory)).filter((name) => name.endsWith('.cpuprofile') && !before.has(name));
  const [name] = written;
  if (name === undefined) throw new Error(`${subject.name} wrote no CPU profile into ${directory}`);
  const profileFile = join(directory, name);
  return {
    phase: measured,
    profileFile,
    summary: summariseProfile(decodeCpuProfile(await readFile(profileFile, 'utf8'))),
  };
}
