import type { CpuProfile, ProfileNode } from './cpu-profile';

/** Where a function lives, in the groups the BENCHMARKS.md profile summary speaks of. */
export function categoryOf(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  if (url === '') {
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(garbage collector)') return 'garbage collector';
    if (functionName === '(program)') return 'V8/native (program)';
    return `native: ${functionName || '(anonymous)'}`;
  }
  const rules: ReadonlyArray<readonly [RegExp, string]> = [
    // undici parses HTTP/1.1 with llhttp compiled to WebAssembly; nothing else in these processes runs any.
    [/node_modules\/(undici|@smithy\/undici-http-handler)\/|^wasm:\/\//, 'undici (HTTP/1.1 client)'],
    // The SDK's default HTTP handler is HTTP client work, as undici's is: the SDK rows are the SDK without either.
    [/node_modules\/@smithy\/node-http-handler\//, "Node http (the SDK's HTTP/1.1)"],
    [/node_modules\/@aws-sdk\//, 'AWS SDK (@aws-sdk)'],
    [/node_modules\/@smithy\//, 'SDK runtime (@smithy)'],
    [/node_modules\/@aws-crypto\//, 'SDK hashing (@aws-crypto)'],
    [/node_modules\/@grpc\/grpc-js\//, 'grpc-js'],
    [/node_modules\/@opentelemetry\//, 'OpenTelemetry'],
    [/node_modules\/(pino|pino-std-serializers|sonic-boom|thread-stream)\//, 'pino (logging)'],
    [/node_modules\/prom-client\//, 'prom-client (metrics)'],
    [/node_modules\/(io-ts|fp-ts)\//, 'io-ts / fp-ts'],
    [/node_modules\//, 'other packages'],
    [/\/dist\/src\/domain\//, 'service: src/domain'],
    [/\/dist\/src\/upstream\//, 'service: src/upstream'],
    [/\/dist\/src\/transport\//, 'service: src/transport'],
    [/\/dist\/src\/gen\//, 'service: generated protobuf code'],
    [/\/dist\/src\//, 'service: other src'],
    // Node's own modules, split by what they serve: the SDK's HTTP/1.1, grpc-js's HTTP/2, hashing, the rest.
    [/^node:_http_|^node:http$/, "Node http (the SDK's HTTP/1.1)"],
    [/^node:internal\/http2\//, 'Node http2 (gRPC)'],
    [/^node:internal\/crypto\//, 'Node crypto (SigV4, SHA-256)'],
    [/^node:(net|internal\/streams\/|internal\/stream_base_commons|stream)/, 'Node sockets and streams'],
    [/^node:internal\/(abort_controller|event_target)/, 'Node AbortController / EventTarget'],
    [/^node:(events|internal\/events)/, 'Node events'],
    [/^node:(timers|internal\/timers)/, 'Node timers'],
    [/^node:internal\/process\/task_queues/, 'Node task queues'],
    [/^node:/, 'Node core, other'],
  ];
  return rules.find(([pattern]) => pattern.test(url))?.[1] ?? 'other';
}

export interface TimeShare {
  readonly name: string;
  readonly ms: number;
  /** Of the busy time (every sample except idle). */
  readonly percent: number;
}

export interface ProfileSummary {
  readonly wallMs: number;
  readonly busyMs: number;
  readonly byCategory: ReadonlyArray<TimeShare>;
  /** Self time: the function itself, not what it calls. */
  readonly topSelf: ReadonlyArray<TimeShare>;
  /** Total time: the function and everything under it (each sample counted once per function, recursion or not). */
  readonly topTotal: ReadonlyArray<TimeShare>;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/dist\//, '')
    .replace(/^file:\/\//, '');
  return url === '' ? functionName : `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
}

function ranked(times: ReadonlyMap<string, number>, busyMs: number, limit: number): ReadonlyArray<TimeShare> {
  return [...times.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, ms]) => ({ name, ms: Math.round(ms), percent: Math.round((1000 * ms) / busyMs) / 10 }));
}

/**
 * Self and total time per function and self time per category, from the samples and their time deltas (sample
 * i lasted until sample i + 1). Idle samples are left out of the percentages: they are time the process waited.
 */
export function summariseProfile(profile: CpuProfile, limit = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const categories = new Map<string, number>();
  let busyMs = 0;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const ms = (profile.timeDeltas[index + 1] ?? 0) / 1000;
    if (node === undefined || node.callFrame.functionName === '(idle)') return;
    busyMs += ms;
    const category = categoryOf(node);
    categories.set(category, (categories.get(category) ?? 0) + ms);
    self.set(frameName(node), (self.get(frameName(node)) ?? 0) + ms);
    const seen = new Set<string>();
    for (
      let current: ProfileNode | undefined = node;
      current !== undefined;
      current = byId.get(parentOf.get(current.id) ?? -1)
    ) {
      const name = frameName(current);
      if (name !== '(root)' && !seen.has(name)) {
        seen.add(name);
        total.set(name, (total.get(name) ?? 0) + ms);
      }
    }
  });
  return {
    wallMs: Math.round((profile.endTime - profile.startTime) / 1000),
    busyMs: Math.round(busyMs),
    byCategory: ranked(categories, busyMs, 50),
    topSelf: ranked(self, busyMs, limit),
    topTotal: ranked(total, busyMs, limit),
  };
}
