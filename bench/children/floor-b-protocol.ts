import * as E from 'fp-ts/Either';
import * as t from 'io-ts';

/**
 * The messages between the benchmark and its floor B child, decoded on arrival on both sides: an IPC message is
 * `unknown` until a codec says otherwise.
 */

/**
 * The HTTP handler of the floors' SDK client: `node`, the one the SDK ships with (node:http), which is what a plain
 * SDK caller pays and the floors' default; or `undici`, the one the service chose, to compare like with like.
 */
export const FloorHttpHandler = t.keyof({ node: null, undici: null });
export type FloorHttpHandler = t.TypeOf<typeof FloorHttpHandler>;

export const FloorBSettings = t.type({
  endpoint: t.string,
  groupId: t.string,
  sessionIds: t.array(t.string),
  maxSockets: t.number,
  httpHandler: FloorHttpHandler,
});
export type FloorBSettings = t.TypeOf<typeof FloorBSettings>;

export const RunPhase = t.intersection([
  t.type({
    kind: t.literal('run'),
    concurrency: t.number,
    warmupMs: t.number,
    warmupRequests: t.number,
    measureMs: t.number,
    maxRequests: t.number,
  }),
  t.partial({ ratePerSecond: t.number }),
]);
export type RunPhase = t.TypeOf<typeof RunPhase>;

const Latency = t.type({
  count: t.number,
  p50Ms: t.number,
  p90Ms: t.number,
  p99Ms: t.number,
  maxMs: t.number,
  meanMs: t.number,
});

export const PhaseResult = t.type({
  kind: t.literal('result'),
  concurrency: t.number,
  ratePerSecond: t.union([t.number, t.undefined]),
  completed: t.number,
  failed: t.number,
  failuresByName: t.record(t.string, t.number),
  elapsedMs: t.number,
  requestsPerSecond: t.number,
  latency: Latency,
  /** process.cpuUsage() user + system over the measured loop only, in ms. */
  cpuMs: t.number,
  rssBytes: t.number,
  /** process.resourceUsage().maxRSS: the peak since the child started (the same as /proc VmHWM). */
  peakRssBytes: t.number,
});
export type PhaseResult = t.TypeOf<typeof PhaseResult>;

export const Ready = t.type({ kind: t.literal('ready') });

/** A decoder in the shape NodeChild.nextMessage wants: the value, or undefined when it does not fit. */
export const decoderOf =
  <A>(codec: t.Decoder<unknown, A>) =>
  (value: unknown): A | undefined => {
    const decoded = codec.decode(value);
    return E.isRight(decoded) ? decoded.right : undefined;
  };
