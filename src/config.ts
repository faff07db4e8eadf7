import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import * as t from 'io-ts';

import type { UpstreamOperation } from './domain/admission';
import type { LogLevel } from './logging/logger';

/** Where reconnects go: the embedded GameLift Streams emulator (no AWS account needed) or real AWS. */
export type Backend = 'emulator' | 'aws';

/** grpc-js server options we set on purpose rather than inherit (see the README's configuration table). */
export interface GrpcServerTuning {
  readonly keepaliveTimeMs: number;
  readonly keepaliveTimeoutMs: number;
  /** Bounded connection age makes clients reconnect, and so rebalance across replicas. */
  readonly maxConnectionAgeMs: number;
  readonly maxConnectionAgeGraceMs: number;
  readonly maxConcurrentStreams: number;
}

/** The budgets that keep our calls within AWS's quotas: one per (region, operation), each at its operation's rate. */
export interface AdmissionSettings {
  /** Requests/s admitted per region, for each operation (AWS's documented 20/s by default). */
  readonly rates: Readonly<Record<UpstreamOperation, number>>;
  /** Calls admitted at once after a quiet period, per budget. */
  readonly burst: number;
  /** Calls that may wait for admission at once, per budget; past it they are refused at once. */
  readonly queueLimit: number;
}

/** WatchStreamSessions: how each watched stream group is polled, and what one stream may hold. */
export interface WatchSettings {
  /** How often a watched group's pending sessions are listed. */
  readonly pollIntervalMs: number;
  /** The ConnectionTimeoutSeconds a listed session is assumed to have: summaries do not carry it. */
  readonly assumedConnectionTimeoutSeconds: number;
  /** Polls that may fail in a row before the feed ends (its streams end UNAVAILABLE). */
  readonly failedPollsLimit: number;
  /** Changes one stream may have waiting for its client (its snapshot aside); past it the stream ends RESOURCE_EXHAUSTED. */
  readonly bufferMessages: number;
  /** Watch streams one caller may have open on a replica at once. */
  readonly maxStreamsPerCaller: number;
}

/** The Redis the replicas of a fleet share their budgets through. */
export interface RedisSettings {
  /** redis:// or rediss://, perhaps with a password in it; never logged (see redactedRedisUrl). */
  readonly url: string;
  /** A file holding the password, read at start-up, when it is not in the URL. */
  readonly passwordFile: string | undefined;
  /** Scopes every key to one AWS account: replicas that share an account share a prefix. */
  readonly keyPrefix: string;
  /** The deadline of one Redis call; a call that misses it counts as Redis being unreachable. */
  readonly callTimeoutMs: number;
}

export interface FleetSettings {
  /** Shared budgets through Redis; without it each process holds the budgets alone. */
  readonly redis: RedisSettings | undefined;
  /** The most replicas that may ever run at once: while Redis is unreachable each admits rate / this. */
  readonly maxReplicas: number;
  /** After Redis comes back, how long a replica keeps to its outage share while the others notice too. */
  readonly cooldownMs: number;
}

/** A session's owner, remembered after it was read once: it never changes. */
export interface OwnerCacheSettings {
  readonly size: number;
  readonly ttlMs: number;
}

export interface ShutdownSettings {
  /** How long in-flight calls may take to finish after SIGTERM/SIGINT before they are cancelled. */
  readonly graceMs: number;
  /** How long health reports NOT_SERVING before the server stops accepting calls (inside the grace). */
  readonly drainDelayMs: number;
}

/** PEM files for the gRPC port; with a client CA, callers must present a certificate it signed (mTLS). */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCaFile: string | undefined;
}

export interface SecuritySettings {
  readonly tls: TlsFiles | undefined;
  /** The JSON file of known callers (bearer token digests, certificate names, stream group grants). */
  readonly callersFile: string | undefined;
  /** Serve plaintext on a non-loopback address; for a mesh that terminates TLS in a sidecar, never for the open network. */
  readonly allowInsecurePlaintext: boolean;
  /** Whether health checks need credentials like every other call (by default probes reach them without). */
  readonly healthRequiresAuthentication: boolean;
}

/** The Prometheus endpoint, on its own port. */
export interface MetricsSettings {
  readonly enabled: boolean;
  readonly host: string;
  readonly port: number;
}

/** JSON lines for machines; pretty for a person at a terminal (`auto` picks by whether stdout is a TTY). */
export type LogFormat = 'json' | 'pretty' | 'auto';

export interface Config {
  readonly backend: Backend;
  readonly grpcHost: string;
  readonly grpcPort: number;
  /** A plaintext port serving only health Check and Watch, for probes that cannot speak TLS (the kubelet's). */
  readonly healthPort: number | undefined;
  /** Served regions; the first is used for requests that name plain IDs rather than ARNs. */
  readonly regions: ReadonlyArray<string>;
  readonly maxSignalRequestBytes: number;
  readonly deadlineBudgetMs: number;
  readonly upstreamMaxSockets: number;
  readonly upstreamMaxAttempts: number;
  readonly admission: AdmissionSettings;
  readonly fleet: FleetSettings;
  readonly owners: OwnerCacheSettings;
  readonly watch: WatchSettings;
  readonly shutdown: ShutdownSettings;
  readonly reflectionEnabled: boolean;
  readonly grpcServer: GrpcServerTuning;
  readonly security: SecuritySettings;
  readonly metrics: MetricsSettings;
  readonly logFormat: LogFormat;
  readonly emulatorHost: string;
  readonly emulatorPort: number;
  readonly logLevel: LogLevel;
}

/** A codec for one environment variable: absent (undefined) takes the default, present must be valid. */
function envVar<A>(
  expectation: string,
  defaultValue: A,
  parse: (raw: string) => A | undefined,
): t.Type<A, string | undefined, unknown> {
  return new t.Type<A, string | undefined, unknown>(
    expectation,
    (u): u is A => parse(String(u)) !== undefined,
    (u, context) => {
      if (u === undefined || u === '') {
        return t.success(defaultValue);
      }
      const parsed = typeof u === 'string' ? parse(u) : undefined;
      return parsed === undefined ? t.failure(u, context, expectation) : t.success(parsed);
    },
    () => undefined,
  );
}

function integerIn(min: number, max: number) {
  return (raw: string): number | undefined => {
    if (!/^\d+$/.test(raw)) return undefined;
    const value = Number(raw);
    return value >= min && value <= max ? value : undefined;
  };
}

const booleanFlag = (raw: string): boolean | undefined => (raw === 'true' ? true : raw === 'false' ? false : undefined);

function positiveNumberUpTo(max: number) {
  return (raw: string): number | undefined => {
    if (!/^\d+(\.\d+)?$/.test(raw)) return undefined;
    const value = Number(raw);
    return value > 0 && value <= max ? value : undefined;
  };
}

function oneOf<A extends string>(values: ReadonlyArray<A>) {
  return (raw: string): A | undefined => values.find((value) => value === raw);
}

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const HOST_PATTERN = /^[A-Za-z0-9.:[\]-]+$/;

/** A Redis URL: the scheme, and a host; its password (if any) is kept, but never shown back in a message. */
const redisUrl = (raw: string): string | undefined => {
  try {
    const url = new URL(raw);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '' ? raw : undefined;
  } catch {
    return undefined;
  }
};

const keyPrefix = (raw: string): string | undefined => (/^[A-Za-z0-9._:-]{1,64}$/.test(raw) ? raw : undefined);

const filePath = (raw: string): string | undefined => (raw.length <= 4096 && !raw.includes('\0') ? raw : undefined);

const regionList = (raw: string): ReadonlyArray<string> | undefined => {
  const regions = raw
    .split(',')
    .map((region) => region.trim())
    .filter((region) => region.length > 0);
  return regions.length > 0 && regions.every((region) => REGION_PATTERN.test(region)) ? regions : undefined;
};
const region = (raw: string): string | undefined => (REGION_PATTERN.test(raw) ? raw : undefined);
const host = (raw: string): string | undefined => (HOST_PATTERN.test(raw) ? raw : undefined);
const LOG_LEVELS: ReadonlyArray<LogLevel> = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** grpc-js refuses larger messages by default; the signal limit must leave room for the other fields. */
const MAX_SIGNAL_REQUEST_BYTES = 4 * 1024 * 1024 - 4096;

const EnvironmentCodec = t.type({
  RECONNECT_BACKEND: envVar<Backend>('must be "emulator" or "aws"', 'emulator', oneOf<Backend>(['emulator', 'aws'])),
  GRPC_HOST: envVar('must be a host name or IP address', '127.0.0.1', host),
  GRPC_PORT: envVar('must be an integer from 0 to 65535', 50051, integerIn(0, 65535)),
  GRPC_HEALTH_PORT: envVar<number | undefined>('must be an integer from 0 to 65535', undefined, integerIn(0, 65535)),
  AWS_REGION: envVar<string | undefined>('must be an AWS region such as us-west-2', undefined, region),
  RECONNECT_REGIONS: envVar<ReadonlyArray<string> | undefined>(
    'must be a comma-separated list of AWS regions such as us-west-2,eu-west-1',
    undefined,
    regionList,
  ),
  RECONNECT_MAX_SIGNAL_REQUEST_BYTES: envVar(
    `must be an integer from 1 to ${MAX_SIGNAL_REQUEST_BYTES}`,
    64 * 1024,
    integerIn(1, MAX_SIGNAL_REQUEST_BYTES),
  ),
  RECONNECT_DEADLINE_BUDGET_MS: envVar('must be an integer from 1 to 600000', 10_000, integerIn(1, 600_000)),
  RECONNECT_UPSTREAM_MAX_SOCKETS: envVar('must be an integer from 1 to 1024', 64, integerIn(1, 1024)),
  RECONNECT_UPSTREAM_MAX_ATTEMPTS: envVar('must be an integer from 1 to 10', 3, integerIn(1, 10)),
  RECONNECT_RATE_CREATE_STREAM_SESSION_CONNECTION: envVar(
    'must be a number greater than 0 and at most 10000',
    20,
    positiveNumberUpTo(10_000),
  ),
  RECONNECT_RATE_GET_STREAM_SESSION: envVar(
    'must be a number greater than 0 and at most 10000',
    20,
    positiveNumberUpTo(10_000),
  ),
  RECONNECT_RATE_LIST_STREAM_SESSIONS: envVar(
    'must be a number greater than 0 and at most 10000',
    5,
    positiveNumberUpTo(10_000),
  ),
  RECONNECT_UPSTREAM_BURST: envVar('must be an integer from 1 to 10000', 5, integerIn(1, 10_000)),
  RECONNECT_ADMISSION_QUEUE_LIMIT: envVar('must be an integer from 0 to 1000000', 2400, integerIn(0, 1_000_000)),
  RECONNECT_REDIS_URL: envVar<string | undefined>(
    'must be a redis:// or rediss:// URL with a host',
    undefined,
    redisUrl,
  ),
  RECONNECT_REDIS_PASSWORD_FILE: envVar<string | undefined>('must be a file path', undefined, filePath),
  RECONNECT_REDIS_KEY_PREFIX: envVar(
    'must be 1-64 letters, digits, ".", "_", ":" or "-"',
    'gameliftstreams-reconnect',
    keyPrefix,
  ),
  RECONNECT_REDIS_TIMEOUT_MS: envVar('must be an integer from 10 to 10000', 250, integerIn(10, 10_000)),
  RECONNECT_FLEET_MAX_REPLICAS: envVar('must be an integer from 1 to 1000', 10, integerIn(1, 1000)),
  RECONNECT_FLEET_COOLDOWN_MS: envVar('must be an integer from 0 to 600000', 3000, integerIn(0, 600_000)),
  RECONNECT_OWNER_CACHE_SIZE: envVar('must be an integer from 0 to 10000000', 100_000, integerIn(0, 10_000_000)),
  RECONNECT_OWNER_CACHE_TTL_MS: envVar('must be an integer from 0 to 86400000', 86_400_000, integerIn(0, 86_400_000)),
  RECONNECT_WATCH_POLL_INTERVAL_MS: envVar('must be an integer from 50 to 60000', 1000, integerIn(50, 60_000)),
  RECONNECT_WATCH_CONNECTION_TIMEOUT_SECONDS: envVar('must be an integer from 1 to 3600', 120, integerIn(1, 3600)),
  RECONNECT_WATCH_FAILED_POLLS_LIMIT: envVar('must be an integer from 1 to 10000', 10, integerIn(1, 10_000)),
  RECONNECT_WATCH_BUFFER: envVar('must be an integer from 1 to 1000000', 1000, integerIn(1, 1_000_000)),
  RECONNECT_WATCH_MAX_STREAMS_PER_CALLER: envVar('must be an integer from 1 to 100000', 32, integerIn(1, 100_000)),
  RECONNECT_SHUTDOWN_GRACE_MS: envVar('must be an integer from 0 to 600000', 15_000, integerIn(0, 600_000)),
  RECONNECT_SHUTDOWN_DRAIN_DELAY_MS: envVar('must be an integer from 0 to 600000', 1000, integerIn(0, 600_000)),
  RECONNECT_REFLECTION_ENABLED: envVar('must be "true" or "false"', true, booleanFlag),
  GRPC_KEEPALIVE_TIME_MS: envVar('must be an integer from 1000 to 86400000', 60_000, integerIn(1000, 86_400_000)),
  GRPC_KEEPALIVE_TIMEOUT_MS: envVar('must be an integer from 1000 to 600000', 20_000, integerIn(1000, 600_000)),
  GRPC_MAX_CONNECTION_AGE_MS: envVar(
    'must be an integer from 1000 to 86400000',
    1_800_000,
    integerIn(1000, 86_400_000),
  ),
  GRPC_MAX_CONNECTION_AGE_GRACE_MS: envVar('must be an integer from 0 to 3600000', 30_000, integerIn(0, 3_600_000)),
  GRPC_MAX_CONCURRENT_STREAMS: envVar('must be an integer from 1 to 100000', 1000, integerIn(1, 100_000)),
  GRPC_TLS_CERT_FILE: envVar<string | undefined>('must be a file path', undefined, filePath),
  GRPC_TLS_KEY_FILE: envVar<string | undefined>('must be a file path', undefined, filePath),
  GRPC_TLS_CLIENT_CA_FILE: envVar<string | undefined>('must be a file path', undefined, filePath),
  GRPC_ALLOW_INSECURE_PLAINTEXT: envVar('must be "true" or "false"', false, booleanFlag),
  RECONNECT_CALLERS_FILE: envVar<string | undefined>('must be a file path', undefined, filePath),
  RECONNECT_HEALTH_REQUIRES_AUTH: envVar('must be "true" or "false"', false, booleanFlag),
  METRICS_ENABLED: envVar('must be "true" or "false"', true, booleanFlag),
  METRICS_HOST: envVar('must be a host name or IP address', '127.0.0.1', host),
  METRICS_PORT: envVar('must be an integer from 0 to 65535', 9464, integerIn(0, 65535)),
  LOG_FORMAT: envVar<LogFormat>(
    'must be "json", "pretty" or "auto"',
    'auto',
    oneOf<LogFormat>(['json', 'pretty', 'auto']),
  ),
  EMULATOR_HOST: envVar('must be a host name or IP address', '127.0.0.1', host),
  EMULATOR_PORT: envVar('must be an integer from 0 to 65535', 50052, integerIn(0, 65535)),
  LOG_LEVEL: envVar<LogLevel>(`must be one of ${LOG_LEVELS.join(', ')}`, 'info', oneOf(LOG_LEVELS)),
});

type Environment = t.TypeOf<typeof EnvironmentCodec>;

/** Every environment variable the configuration reads (the AWS SDK and OpenTelemetry read their own as well). */
export const CONFIGURATION_VARIABLES: ReadonlyArray<string> = Object.keys(EnvironmentCodec.props);

const EMULATOR_DEFAULT_REGION = 'us-west-2';

/** Variables whose values may hold a secret, so that a message never shows them back. */
const SECRET_VALUES: ReadonlySet<string> = new Set(['RECONNECT_REDIS_URL']);

function describeErrors(errors: t.Errors): string {
  const lines = errors.map((error) => {
    const name = error.context[1]?.key ?? 'environment';
    const got = typeof error.value === 'string' && !SECRET_VALUES.has(name) ? ` (got "${error.value}")` : '';
    return `  ${name}: ${error.message ?? 'is invalid'}${got}`;
  });
  return `invalid configuration:\n${lines.join('\n')}`;
}

/** Loopback addresses: the only ones where a development setup may run without TLS or callers. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

function securityProblems(env: Environment): string[] {
  const problems: string[] = [];
  const hasCert = env.GRPC_TLS_CERT_FILE !== undefined;
  const hasKey = env.GRPC_TLS_KEY_FILE !== undefined;
  if (hasCert !== hasKey) {
    problems.push(
      `  ${hasCert ? 'GRPC_TLS_KEY_FILE' : 'GRPC_TLS_CERT_FILE'}: is required with ${hasCert ? 'GRPC_TLS_CERT_FILE' : 'GRPC_TLS_KEY_FILE'}`,
    );
  }
  if (env.GRPC_TLS_CLIENT_CA_FILE !== undefined && !(hasCert && hasKey)) {
    problems.push('  GRPC_TLS_CLIENT_CA_FILE: mutual TLS needs GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE too');
  }
  if (!isLoopbackHost(env.GRPC_HOST)) {
    if (!hasCert && !env.GRPC_ALLOW_INSECURE_PLAINTEXT) {
      problems.push(
        `  GRPC_HOST: refusing plaintext gRPC on the non-loopback address "${env.GRPC_HOST}": set GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE (or, behind a TLS-terminating mesh only, GRPC_ALLOW_INSECURE_PLAINTEXT=true)`,
      );
    }
    if (env.RECONNECT_CALLERS_FILE === undefined && env.GRPC_TLS_CLIENT_CA_FILE === undefined) {
      problems.push(
        `  GRPC_HOST: refusing to serve "${env.GRPC_HOST}" with no authentication: set RECONNECT_CALLERS_FILE (bearer tokens) or GRPC_TLS_CLIENT_CA_FILE (mutual TLS)`,
      );
    }
  }
  return problems;
}

/** The health port answers without credentials, in plaintext: only where health itself needs none. */
function healthPortProblems(env: Environment): string[] {
  const port = env.GRPC_HEALTH_PORT;
  if (port === undefined) return [];
  return [
    ...(env.RECONNECT_HEALTH_REQUIRES_AUTH
      ? [
          '  GRPC_HEALTH_PORT: serves health in plaintext without credentials, which RECONNECT_HEALTH_REQUIRES_AUTH=true forbids',
        ]
      : []),
    ...(port !== 0 && port === env.GRPC_PORT ? ['  GRPC_HEALTH_PORT: must differ from GRPC_PORT'] : []),
  ];
}

function toConfig(env: Environment): E.Either<string, Config> {
  const regions = env.RECONNECT_REGIONS ?? (env.AWS_REGION === undefined ? undefined : [env.AWS_REGION]);
  const problems = [
    ...(env.RECONNECT_BACKEND === 'emulator' && !isLoopbackHost(env.GRPC_HOST)
      ? [
          `  RECONNECT_BACKEND: the embedded emulator's answers are made up, so it is served on loopback only, and GRPC_HOST "${env.GRPC_HOST}" is not a loopback address: set RECONNECT_BACKEND=aws to call Amazon GameLift Streams`,
        ]
      : []),
    ...(regions === undefined && env.RECONNECT_BACKEND === 'aws'
      ? ['  AWS_REGION: is required when RECONNECT_BACKEND is "aws" (or set RECONNECT_REGIONS)']
      : []),
    ...securityProblems(env),
    ...healthPortProblems(env),
  ];
  if (problems.length > 0) {
    return E.left(`invalid configuration:\n${problems.join('\n')}`);
  }
  const tls =
    env.GRPC_TLS_CERT_FILE !== undefined && env.GRPC_TLS_KEY_FILE !== undefined
      ? { certFile: env.GRPC_TLS_CERT_FILE, keyFile: env.GRPC_TLS_KEY_FILE, clientCaFile: env.GRPC_TLS_CLIENT_CA_FILE }
      : undefined;
  return E.right({
    backend: env.RECONNECT_BACKEND,
    grpcHost: env.GRPC_HOST,
    grpcPort: env.GRPC_PORT,
    healthPort: env.GRPC_HEALTH_PORT,
    regions: regions ?? [EMULATOR_DEFAULT_REGION],
    maxSignalRequestBytes: env.RECONNECT_MAX_SIGNAL_REQUEST_BYTES,
    deadlineBudgetMs: env.RECONNECT_DEADLINE_BUDGET_MS,
    upstreamMaxSockets: env.RECONNECT_UPSTREAM_MAX_SOCKETS,
    upstreamMaxAttempts: env.RECONNECT_UPSTREAM_MAX_ATTEMPTS,
    admission: {
      rates: {
        CreateStreamSessionConnection: env.RECONNECT_RATE_CREATE_STREAM_SESSION_CONNECTION,
        GetStreamSession: env.RECONNECT_RATE_GET_STREAM_SESSION,
        ListStreamSessions: env.RECONNECT_RATE_LIST_STREAM_SESSIONS,
      },
      burst: env.RECONNECT_UPSTREAM_BURST,
      queueLimit: env.RECONNECT_ADMISSION_QUEUE_LIMIT,
    },
    fleet: {
      redis:
        env.RECONNECT_REDIS_URL === undefined
          ? undefined
          : {
              url: env.RECONNECT_REDIS_URL,
              passwordFile: env.RECONNECT_REDIS_PASSWORD_FILE,
              keyPrefix: env.RECONNECT_REDIS_KEY_PREFIX,
              callTimeoutMs: env.RECONNECT_REDIS_TIMEOUT_MS,
            },
      maxReplicas: env.RECONNECT_FLEET_MAX_REPLICAS,
      cooldownMs: env.RECONNECT_FLEET_COOLDOWN_MS,
    },
    owners: { size: env.RECONNECT_OWNER_CACHE_SIZE, ttlMs: env.RECONNECT_OWNER_CACHE_TTL_MS },
    watch: {
      pollIntervalMs: env.RECONNECT_WATCH_POLL_INTERVAL_MS,
      assumedConnectionTimeoutSeconds: env.RECONNECT_WATCH_CONNECTION_TIMEOUT_SECONDS,
      failedPollsLimit: env.RECONNECT_WATCH_FAILED_POLLS_LIMIT,
      bufferMessages: env.RECONNECT_WATCH_BUFFER,
      maxStreamsPerCaller: env.RECONNECT_WATCH_MAX_STREAMS_PER_CALLER,
    },
    shutdown: {
      graceMs: env.RECONNECT_SHUTDOWN_GRACE_MS,
      drainDelayMs: Math.min(env.RECONNECT_SHUTDOWN_DRAIN_DELAY_MS, env.RECONNECT_SHUTDOWN_GRACE_MS),
    },
    reflectionEnabled: env.RECONNECT_REFLECTION_ENABLED,
    grpcServer: {
      keepaliveTimeMs: env.GRPC_KEEPALIVE_TIME_MS,
      keepaliveTimeoutMs: env.GRPC_KEEPALIVE_TIMEOUT_MS,
      maxConnectionAgeMs: env.GRPC_MAX_CONNECTION_AGE_MS,
      maxConnectionAgeGraceMs: env.GRPC_MAX_CONNECTION_AGE_GRACE_MS,
      maxConcurrentStreams: env.GRPC_MAX_CONCURRENT_STREAMS,
    },
    security: {
      tls,
      callersFile: env.RECONNECT_CALLERS_FILE,
      allowInsecurePlaintext: env.GRPC_ALLOW_INSECURE_PLAINTEXT,
      healthRequiresAuthentication: env.RECONNECT_HEALTH_REQUIRES_AUTH,
    },
    metrics: { enabled: env.METRICS_ENABLED, host: env.METRICS_HOST, port: env.METRICS_PORT },
    logFormat: env.LOG_FORMAT,
    emulatorHost: env.EMULATOR_HOST,
    emulatorPort: env.EMULATOR_PORT,
    logLevel: env.LOG_LEVEL,
  });
}

/** RECONNECT_ variables the codec does not read: a misspelt setting would otherwise be silently ignored. */
function unknownSettings(env: NodeJS.ProcessEnv): E.Either<string, NodeJS.ProcessEnv> {
  const known = new Set(CONFIGURATION_VARIABLES);
  const unknown = Object.keys(env).filter((name) => name.startsWith('RECONNECT_') && !known.has(name));
  return unknown.length === 0
    ? E.right(env)
    : E.left(
        `invalid configuration:\n${unknown.map((name) => `  ${name}: is not a setting of this service (see docs/configuration.md)`).join('\n')}`,
      );
}

/** Reads the whole configuration at once, so a bad deployment learns every mistake in one message. */
export function loadConfig(env: NodeJS.ProcessEnv): E.Either<string, Config> {
  return pipe(
    unknownSettings(env),
    E.flatMap((checked) => pipe(EnvironmentCodec.decode(checked), E.mapLeft(describeErrors))),
    E.flatMap(toConfig),
  );
}
