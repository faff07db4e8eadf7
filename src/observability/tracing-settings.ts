import * as E from 'fp-ts/Either';

/** service.name when neither OTEL_SERVICE_NAME nor OTEL_RESOURCE_ATTRIBUTES names the service. */
export const DEFAULT_TRACING_SERVICE_NAME = 'gameliftstreams-reconnect';

/** What the OpenTelemetry SDK (NodeSDK) accepts for each variable; anything else it would silently ignore. */
const EXPORTERS: ReadonlySet<string> = new Set(['otlp', 'console', 'zipkin']);
const OTLP_PROTOCOLS: ReadonlySet<string> = new Set(['http/protobuf', 'http/json', 'grpc']);
const SAMPLERS: ReadonlySet<string> = new Set([
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
]);
const RATIO_SAMPLERS: ReadonlySet<string> = new Set(['traceidratio', 'parentbased_traceidratio']);
const PROPAGATORS: ReadonlySet<string> = new Set(['tracecontext', 'baggage', 'b3', 'b3multi', 'jaeger', 'none']);

/** The SDK's defaults, restated so the start-up line can say what is in force. */
const DEFAULT_OTLP_PROTOCOL = 'http/protobuf';
const DEFAULT_SAMPLER = 'parentbased_always_on';
const DEFAULT_PROPAGATORS: ReadonlyArray<string> = ['tracecontext', 'baggage'];

export interface TracingOff {
  readonly _tag: 'Off';
  /** Why, for the start-up line. */
  readonly reason: string;
}

/** Tracing as the SDK will set it up from the same variables; nothing here is a secret (no headers, no URL path). */
export interface TracingOn {
  readonly _tag: 'On';
  readonly exporters: ReadonlyArray<string>;
  /** Only when an exporter is otlp. */
  readonly otlp: { readonly protocol: string; readonly endpointOrigin: string } | undefined;
  readonly sampler: string;
  readonly propagators: ReadonlyArray<string>;
}

export type TracingSettings = TracingOff | TracingOn;

type Environment = Readonly<Record<string, string | undefined>>;

/** Like the SDK: an empty or blank variable counts as unset. */
function valueOf(env: Environment, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

function listOf(env: Environment, name: string): ReadonlyArray<string> | undefined {
  const raw = valueOf(env, name);
  return raw === undefined
    ? undefined
    : raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
}

function unknownValues(values: ReadonlyArray<string>, known: ReadonlySet<string>): ReadonlyArray<string> {
  return values.filter((value) => !known.has(value));
}

/** The origin only: a URL's user info, path and query may hold credentials and do not belong in a log line. */
function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function otlpSettings(env: Environment, problems: string[]): TracingOn['otlp'] {
  const protocol =
    valueOf(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ??
    valueOf(env, 'OTEL_EXPORTER_OTLP_PROTOCOL') ??
    DEFAULT_OTLP_PROTOCOL;
  if (!OTLP_PROTOCOLS.has(protocol)) {
    problems.push(
      `OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL: "${protocol}" is not one of ${[...OTLP_PROTOCOLS].join(', ')}`,
    );
  }
  const tracesEndpoint = valueOf(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = valueOf(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const defaultEndpoint = protocol === 'grpc' ? 'http://localhost:4317' : 'http://localhost:4318';
  const [name, url] =
    tracesEndpoint !== undefined
      ? ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', tracesEndpoint]
      : endpoint !== undefined
        ? ['OTEL_EXPORTER_OTLP_ENDPOINT', endpoint]
        : ['the default endpoint', defaultEndpoint];
  const endpointOrigin = originOf(url);
  if (endpointOrigin === undefined) {
    // Not echoed: a malformed URL may still carry a credential.
    problems.push(`${name}: not a URL`);
  }
  return { protocol, endpointOrigin: endpointOrigin ?? 'invalid' };
}

function samplerOf(env: Environment, problems: string[]): string {
  const sampler = valueOf(env, 'OTEL_TRACES_SAMPLER') ?? DEFAULT_SAMPLER;
  if (!SAMPLERS.has(sampler)) {
    problems.push(`OTEL_TRACES_SAMPLER: "${sampler}" is not one of ${[...SAMPLERS].join(', ')}`);
    return sampler;
  }
  const argument = valueOf(env, 'OTEL_TRACES_SAMPLER_ARG');
  if (!RATIO_SAMPLERS.has(sampler) || argument === undefined) {
    return sampler;
  }
  const ratio = Number(argument);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    problems.push(`OTEL_TRACES_SAMPLER_ARG: "${argument}" is not a ratio between 0 and 1`);
  }
  return `${sampler} ${argument}`;
}

function propagatorsOf(env: Environment, problems: string[]): ReadonlyArray<string> {
  const propagators = listOf(env, 'OTEL_PROPAGATORS') ?? DEFAULT_PROPAGATORS;
  const unknown = unknownValues(propagators, PROPAGATORS);
  if (unknown.length > 0) {
    problems.push(
      `OTEL_PROPAGATORS: ${unknown.map((value) => `"${value}"`).join(', ')} not among ${[...PROPAGATORS].join(', ')}`,
    );
  }
  return propagators;
}

/**
 * Whether to trace, from the standard OpenTelemetry variables: off unless OTEL_TRACES_EXPORTER names an exporter
 * or an OTLP endpoint is set, so a deployment that never heard of tracing pays nothing for it. When on, a value the
 * SDK would silently ignore (a typo in an exporter or sampler name) is refused, as every other bad setting is.
 */
export function tracingSettingsFromEnv(env: Environment): E.Either<string, TracingSettings> {
  if (valueOf(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') {
    return E.right({ _tag: 'Off', reason: 'OTEL_SDK_DISABLED is true' });
  }
  const named = listOf(env, 'OTEL_TRACES_EXPORTER') ?? [];
  const endpointSet =
    valueOf(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') !== undefined ||
    valueOf(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') !== undefined;
  if (named.length === 1 && named[0] === 'none') {
    return E.right({ _tag: 'Off', reason: 'OTEL_TRACES_EXPORTER is none' });
  }
  if (named.length === 0 && !endpointSet) {
    return E.right({ _tag: 'Off', reason: 'set OTEL_TRACES_EXPORTER or OTEL_EXPORTER_OTLP_ENDPOINT to turn it on' });
  }
  const problems: string[] = [];
  // The SDK's default exporter is otlp, which is what an endpoint alone asks for.
  const exporters = named.length === 0 ? ['otlp'] : named;
  const unknown = unknownValues(exporters, EXPORTERS);
  if (unknown.length > 0) {
    problems.push(
      `OTEL_TRACES_EXPORTER: ${unknown.map((value) => `"${value}"`).join(', ')} not among ${[...EXPORTERS].join(', ')} (or none alone)`,
    );
  }
  const settings: TracingOn = {
    _tag: 'On',
    exporters,
    otlp: exporters.includes('otlp') ? otlpSettings(env, problems) : undefined,
    sampler: samplerOf(env, problems),
    propagators: propagatorsOf(env, problems),
  };
  return problems.length === 0
    ? E.right(settings)
    : E.left(`invalid tracing configuration:\n  ${problems.join('\n  ')}`);
}

/** The start-up line: whether traces are on and where they go (never headers, credentials or URL paths). */
export function describeTracing(settings: TracingSettings): string {
  switch (settings._tag) {
    case 'Off':
      return `traces off: ${settings.reason}`;
    case 'On': {
      const exporters = settings.exporters
        .map((exporter) =>
          exporter === 'otlp' && settings.otlp !== undefined
            ? `otlp (${settings.otlp.protocol}) to ${settings.otlp.endpointOrigin}`
            : exporter,
        )
        .join(', ');
      return `traces on: exported by ${exporters}; sampler ${settings.sampler}; propagators ${settings.propagators.join(',')}`;
    }
    default: {
      const unreachable: never = settings;
      return unreachable;
    }
  }
}
