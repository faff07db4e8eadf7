import { strict as assert } from 'node:assert';

/** The Prometheus text a service serves at GET /metrics. */
export async function scrape(port: number | undefined): Promise<string> {
  assert.ok(port !== undefined, 'metrics should be on');
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
  assert.equal(response.status, 200);
  return response.text();
}

/** The value of the first sample of `name` whose labels include `labels`; 0 when there is none. */
export function metricValue(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number {
  const line = text.split('\n').find((candidate) => {
    if (!candidate.startsWith(`${name}{`) && !candidate.startsWith(`${name} `)) return false;
    return Object.entries(labels).every(([key, value]) => candidate.includes(`${key}="${value}"`));
  });
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** One metric of a running service, scraped now. */
export async function scrapedValue(
  port: number | undefined,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number> {
  return metricValue(await scrape(port), name, labels);
}
