import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { runStorm, type StormResult } from './scenarios/storm';

const RESULTS_DIRECTORY = join(__dirname, '..', '..', 'bench', 'results');

function stormTable(results: ReadonlyArray<StormResult>): string {
  const header = '| admission | sessions | reconnected | % | time to last success | upstream calls | upstream throttles | failures |';
  const rule = '|---|---|---|---|---|---|---|---|';
  const rows = results.map(
    (r) =>
      `| ${r.admission ? 'on' : 'off'} | ${r.sessions} | ${r.reconnected} | ${r.reconnectedPercent.toFixed(1)} | ${(r.timeToLastSuccessMs / 1000).toFixed(1)} s | ${r.upstreamCalls} | ${r.upstreamThrottles} | ${JSON.stringify(r.failuresByCode)} |`,
  );
  return [header, rule, ...rows].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { full: { type: 'boolean', default: false } } });
  const full = values.full === true;
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  const storm = full
    ? { sessions: 1000, ratePerSecond: 20, deadlineMs: 120_000 }
    : { sessions: 200, ratePerSecond: 100, deadlineMs: 20_000 };
  process.stdout.write(`storm: ${storm.sessions} sessions at ${storm.ratePerSecond}/s, deadlines ${storm.deadlineMs / 1000} s\n`);
  const stormResults = [await runStorm(storm, true), await runStorm(storm, false)];
  process.stdout.write(`${stormTable(stormResults)}\n`);
  await mkdir(RESULTS_DIRECTORY, { recursive: true });
  const file = join(RESULTS_DIRECTORY, `${new Date().toISOString().replace(/[:.]/g, '-')}${full ? '-full' : ''}.json`);
  await writeFile(file, JSON.stringify({ machine, full, storm: { settings: storm, results: stormResults } }, null, 2));
  process.stdout.write(`results written to ${file}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
