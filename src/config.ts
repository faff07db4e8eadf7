import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import * as t from 'io-ts';

import type { LogLevel } from './logging/logger';

/** Where reconnects go: the embedded GameLift Streams emulator (no AWS account needed) or real AWS. */
export type Backend = 'emulator' | 'aws';

export interface Config {
  readonly backend: Backend;
  readonly grpcHost: string;
  readonly grpcPort: number;
  /** Served regions; the first is used for requests that name plain IDs rather than ARNs. */
  readonly regions: ReadonlyArray<string>;
  readonly maxSignalRequestBytes: number;
  readonly deadlineBudgetMs: number;
  readonly upstreamMaxSockets: number;
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

function oneOf<A extends string>(values: ReadonlyArray<A>) {
  return (raw: string): A | undefined => values.find((value) => value === raw);
}

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const HOST_PATTERN = /^[A-Za-z0-9.:[\]-]+$/;

const regionList = (raw: string): ReadonlyArray<string> | undefined => {
  const regions = raw.split(',').map((region) => region.trim()).filter((region) => region.length > 0);
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
  EMULATOR_HOST: envVar('must be a host name or IP address', '127.0.0.1', host),
  EMULATOR_PORT: envVar('must be an integer from 0 to 65535', 50052, integerIn(0, 65535)),
  LOG_LEVEL: envVar<LogLevel>(`must be one of ${LOG_LEVELS.join(', ')}`, 'info', oneOf(LOG_LEVELS)),
});

type Environment = t.TypeOf<typeof EnvironmentCodec>;

const EMULATOR_DEFAULT_REGION = 'us-west-2';

function describeErrors(errors: t.Errors): string {
  const lines = errors.map((error) => {
    const name = error.context[1]?.key ?? 'environment';
    const got = typeof error.value === 'string' ? ` (got "${error.value}")` : '';
    return `  ${name}: ${error.message ?? 'is invalid'}${got}`;
  });
  return `invalid configuration:\n${lines.join('\n')}`;
}

function toConfig(env: Environment): E.Either<string, Config> {
  const regions = env.RECONNECT_REGIONS ?? (env.AWS_REGION === undefined ? undefined : [env.AWS_REGION]);
  if (regions === undefined && env.RECONNECT_BACKEND === 'aws') {
    return E.left('invalid configuration:\n  AWS_REGION: is required when RECONNECT_BACKEND is "aws" (or set RECONNECT_REGIONS)');
  }
  return E.right({
    backend: env.RECONNECT_BACKEND,
    grpcHost: env.GRPC_HOST,
    grpcPort: env.GRPC_PORT,
    regions: regions ?? [EMULATOR_DEFAULT_REGION],
    maxSignalRequestBytes: env.RECONNECT_MAX_SIGNAL_REQUEST_BYTES,
    deadlineBudgetMs: env.RECONNECT_DEADLINE_BUDGET_MS,
    upstreamMaxSockets: env.RECONNECT_UPSTREAM_MAX_SOCKETS,
    emulatorHost: env.EMULATOR_HOST,
    emulatorPort: env.EMULATOR_PORT,
    logLevel: env.LOG_LEVEL,
  });
}

/** Reads the whole configuration at once, so a bad deployment learns every mistake in one message. */
export function loadConfig(env: NodeJS.ProcessEnv): E.Either<string, Config> {
  return pipe(EnvironmentCodec.decode(env), E.mapLeft(describeErrors), E.chain(toConfig));
}
