import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';

export interface MachineDescription {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly cpuMHz: number | undefined;
  readonly cacheSize: string | undefined;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  /** The load average when the run started: other tenants of a shared machine show here. */
  readonly loadAverage1m: number;
  readonly packages: Readonly<Record<string, string>>;
}

/** The first value of a field in /proc/cpuinfo (model name, cpu MHz, cache size); undefined off Linux. */
function cpuinfoField(cpuinfo: string, field: string): string | undefined {
  const match = new RegExp(`^${field}\\s*:\\s*(.+)$`, 'm').exec(cpuinfo);
  return match?.[1]?.trim();
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The installed version of a dependency, from its package.json; numbers are only comparable at equal versions. */
function installedVersion(name: string): string {
  const text = readOrEmpty(join(__dirname, '..', '..', '..', 'node_modules', name, 'package.json'));
  const match = /"version"\s*:\s*"([^"]+)"/.exec(text);
  return match?.[1] ?? 'unknown';
}

export function describeMachine(): MachineDescription {
  const cpuinfo = readOrEmpty('/proc/cpuinfo');
  const mhz = cpuinfoField(cpuinfo, 'cpu MHz');
  return {
    cpus: cpus().length,
    cpuModel: cpuinfoField(cpuinfo, 'model name') ?? cpus()[0]?.model ?? 'unknown',
    cpuMHz: mhz === undefined ? undefined : Math.round(Number(mhz)),
    cacheSize: cpuinfoField(cpuinfo, 'cache size'),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    packages: Object.fromEntries(
      ['@grpc/grpc-js', '@aws-sdk/client-gameliftstreams', '@smithy/node-http-handler', 'hdr-histogram-js'].map(
        (name) => [name, installedVersion(name)],
      ),
    ),
  };
}

export function machineLine(machine: MachineDescription): string {
  return (
    `${machine.cpus} × ${machine.cpuModel}${machine.cpuMHz === undefined ? '' : ` @ ${machine.cpuMHz} MHz`}` +
    `${machine.cacheSize === undefined ? '' : `, ${machine.cacheSize} cache`}, ${machine.memoryGiB} GiB, Linux ${machine.kernel}, ` +
    `Node ${machine.node}, load average ${machine.loadAverage1m} at start`
  );
}
