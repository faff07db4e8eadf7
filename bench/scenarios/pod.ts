import { createMemoryCgroup, type MemoryCgroup } from '../process/memory-cgroup';
import type { MeasuredSubject } from '../subjects/measured-phase';
import { runThroughput, type ThroughputResult, type ThroughputSettings } from './throughput';

export interface PodSettings extends ThroughputSettings {
  readonly memoryLimitMiB: number;
}

export type PodResult =
  | { readonly _tag: 'Measured'; readonly memoryLimitMiB: number; readonly throughput: ThroughputResult }
  | { readonly _tag: 'Unavailable'; readonly why: string };

/** Where each subject of the pod scenario runs: the cgroup.procs file of its own cgroup. */
export interface PodPlacement {
  readonly service: string;
  readonly composed: string;
}

/**
 * The service and the composed floor as they run in a pod: each in a memory cgroup of the Deployment's limit, so Node
 * sizes V8's heap (and its young generation) from that limit, as in production, rather than from the machine's
 * memory. Then the same interleaved rounds as the throughput scenario, for their CPU and peak RSS side by side.
 * `start` stops whatever it started if it fails.
 */
export async function runPod(
  settings: PodSettings,
  start: (placement: PodPlacement) => Promise<ReadonlyArray<MeasuredSubject>>,
  log: (line: string) => void,
): Promise<PodResult> {
  const limitBytes = settings.memoryLimitMiB * 2 ** 20;
  const cgroups: MemoryCgroup[] = [];
  try {
    for (const name of ['reconnect-bench-service', 'reconnect-bench-composed']) {
      const made = await createMemoryCgroup(name, limitBytes);
      if (made._tag === 'Unavailable') return made;
      cgroups.push(made.cgroup);
    }
    const [service, composed] = cgroups;
    if (service === undefined || composed === undefined) return { _tag: 'Unavailable', why: 'no cgroups made' };
    let subjects: ReadonlyArray<MeasuredSubject>;
    try {
      subjects = await start({ service: service.procsFile, composed: composed.procsFile });
    } catch (error) {
      // Most often the shell could not join the cgroup (cgroup.procs not writable here).
      return { _tag: 'Unavailable', why: `a subject did not start in its cgroup: ${String(error)}` };
    }
    try {
      const throughput = await runThroughput(subjects, settings, log);
      return { _tag: 'Measured', memoryLimitMiB: settings.memoryLimitMiB, throughput };
    } finally {
      for (const subject of subjects) await subject.stop();
    }
  } finally {
    for (const cgroup of cgroups) {
      await cgroup.remove().catch((error: unknown) => log(`pod: a cgroup was not removed: ${String(error)}`));
    }
  }
}
