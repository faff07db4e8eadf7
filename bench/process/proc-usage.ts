import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU time and memory of another process, read from /proc (Linux), so the reader's own work is not counted. */
export interface ProcessUsage {
  /** user + system CPU time of every thread of the process since it started, in milliseconds. */
  readonly cpuMs: number;
  /** Resident set size now, in bytes. */
  readonly rssBytes: number;
  /** Peak resident set size since the process started (VmHWM), in bytes. */
  readonly peakRssBytes: number;
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime; 100 on every Linux we know, but asked, not assumed. */
function readClockTicks(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5000 }).trim());
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

const CLOCK_TICKS_PER_SECOND = readClockTicks();

/** The fields after `(comm)`: the command name may itself contain spaces and parentheses, so split after the last `)`. */
function statFields(pid: number): ReadonlyArray<string> {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function statusKibibytes(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

export function readProcessUsage(pid: number): ProcessUsage {
  const fields = statFields(pid);
  // utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3 (state).
  const ticks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_SECOND,
    rssBytes: statusKibibytes(status, 'VmRSS') * 1024,
    peakRssBytes: statusKibibytes(status, 'VmHWM') * 1024,
  };
}

export const clockTicksPerSecond = (): number => CLOCK_TICKS_PER_SECOND;
