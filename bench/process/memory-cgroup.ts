import { access, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A memory cgroup with a limit, standing in for a container's: Node sizes V8's heap from the memory it may use
 * (`process.constrainedMemory()`), so a process started inside one sizes its heap, and with it its young generation,
 * as a replica in a pod with that limit does, not as a process on a machine with many GiB free.
 */
export interface MemoryCgroup {
  readonly limitBytes: number;
  /** The file a process writes its pid to, to join the cgroup (cgroup.procs). */
  readonly procsFile: string;
  /** Removes the cgroup; its processes must have exited. */
  remove(): Promise<void>;
}

export type MemoryCgroupOutcome =
  { readonly _tag: 'Created'; readonly cgroup: MemoryCgroup } | { readonly _tag: 'Unavailable'; readonly why: string };

const CGROUP_ROOT = '/sys/fs/cgroup';

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

const words = async (path: string): Promise<ReadonlyArray<string>> => (await readFile(path, 'utf8')).split(/\s+/);

/** Where memory cgroups are made here, and the file that takes the limit: cgroup v2's memory.max, or v1's. */
async function memoryHierarchy(): Promise<{ readonly parent: string; readonly limitFile: string } | undefined> {
  if (await exists(join(CGROUP_ROOT, 'cgroup.controllers'))) {
    if (!(await words(join(CGROUP_ROOT, 'cgroup.controllers'))).includes('memory')) return undefined;
    // A child of the root gets the memory controller only if the root hands it down; most hosts already do.
    const subtree = join(CGROUP_ROOT, 'cgroup.subtree_control');
    if (!(await words(subtree)).includes('memory')) await writeFile(subtree, '+memory');
    return { parent: CGROUP_ROOT, limitFile: 'memory.max' };
  }
  const v1 = join(CGROUP_ROOT, 'memory');
  return (await exists(join(v1, 'memory.limit_in_bytes')))
    ? { parent: v1, limitFile: 'memory.limit_in_bytes' }
    : undefined;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A new memory cgroup named `name` limited to `limitBytes`; needs root and a cgroup file system mounted read-write. */
export async function createMemoryCgroup(name: string, limitBytes: number): Promise<MemoryCgroupOutcome> {
  let directory: string | undefined;
  try {
    const hierarchy = await memoryHierarchy();
    if (hierarchy === undefined)
      return { _tag: 'Unavailable', why: `no memory cgroup controller under ${CGROUP_ROOT}` };
    directory = join(hierarchy.parent, name);
    // One left by an interrupted run is empty (its processes are gone), so it can be removed and made afresh.
    if (await exists(directory)) await rmdir(directory);
    await mkdir(directory);
    await writeFile(join(directory, hierarchy.limitFile), String(limitBytes));
    const made = directory;
    return {
      _tag: 'Created',
      cgroup: { limitBytes, procsFile: join(made, 'cgroup.procs'), remove: () => rmdir(made) },
    };
  } catch (error) {
    if (directory !== undefined) await rmdir(directory).catch(() => undefined);
    return { _tag: 'Unavailable', why: `cannot make a memory cgroup: ${messageOf(error)}` };
  }
}
