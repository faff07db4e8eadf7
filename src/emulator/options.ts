import * as E from 'fp-ts/Either';
import * as RA from 'fp-ts/ReadonlyArray';
import type * as RNEA from 'fp-ts/ReadonlyNonEmptyArray';
import { CONTROL_LIMITS } from './control-types';
import { DEFAULT_MAX_BODY_BYTES } from './http-body';
import { OPERATION_NAMES, type OperationName, perOperation } from './operations';
import { DEFAULT_RATE_LIMITS, type RateLimit } from './throttle';

/** The subset of a pino logger the emulator uses, so a pino logger (or a child of one) can be passed as is. */
export interface EmulatorLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface EmulatorOptions {
  /** Default 127.0.0.1: loopback only. */
  readonly host?: string;
  /** Default 0: an ephemeral port, reported in `RunningEmulator.port`. */
  readonly port?: number;
  /**
   * Default us-west-2: the one region emulated, used in ARNs and as the sessions' Location. The same as
   * `regions: [region]`; give one or the other.
   */
  readonly region?: string;
  /**
   * The regions emulated, the default first; each has its own stream groups, sessions, ARNs, idempotency tokens,
   * token buckets, faults, counters and request log. An AWS request goes to the region its SigV4 credential scope
   * names, one without an `Authorization` header to the default region. Default `[region]`.
   */
  readonly regions?: ReadonlyArray<string>;
  /** Default 111122223333; used in ARNs. */
  readonly accountId?: string;
  /** Default 0: follow-up transitions happen before the response is written. */
  readonly transitionDelayMs?: number;
  /**
   * Default DEFAULT_ENDED_SESSION_RETENTION_MS: how long a TERMINATED or ERROR session stays visible before it is
   * forgotten (GetStreamSession then answers ResourceNotFoundException).
   */
  readonly endedSessionRetentionMs?: number;
  /** Per-operation token buckets, the same in every region; unspecified operations keep the defaults. */
  readonly rates?: Partial<Readonly<Record<OperationName, RateLimit>>>;
  /** Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Default: logs nothing. */
  readonly logger?: EmulatorLogger;
  /** Log one line per AWS call (operation, status, error type, request id, duration). Default false. */
  readonly logRequests?: boolean;
}

export interface ResolvedOptions {
  readonly host: string;
  readonly port: number;
  /** The default region first. */
  readonly regions: RNEA.ReadonlyNonEmptyArray<string>;
  readonly accountId: string;
  readonly transitionDelayMs: number;
  readonly endedSessionRetentionMs: number;
  readonly rateLimits: Readonly<Record<OperationName, RateLimit>>;
  readonly maxBodyBytes: number;
  readonly logger: EmulatorLogger;
  readonly logRequests: boolean;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_REGION = 'us-west-2';
export const DEFAULT_ACCOUNT_ID = '111122223333';
/**
 * One hour. AWS documents no retention for ended stream sessions; an hour is what EC2 documents for terminated
 * instances, and it keeps every test that reads an ended session well within it. See docs/ended-sessions.md.
 */
export const DEFAULT_ENDED_SESSION_RETENTION_MS = 3_600_000;

const silentLogger: EmulatorLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Regions end up inside ARNs, whose fields may not hold `:` or a newline. */
const REGION_PATTERN = /^[a-z0-9-]{1,32}$/;
const ACCOUNT_ID_PATTERN = /^[0-9]{12}$/;
const MAX_BODY_BYTES_LIMIT = 64 * 1024 * 1024;

const isIntegerIn = (value: number, min: number, max: number): boolean =>
  Number.isInteger(value) && value >= min && value <= max;

const rateProblem = (operation: OperationName, limit: RateLimit | undefined): string | undefined => {
  if (limit === undefined) {
    return undefined;
  }
  const validRate =
    Number.isFinite(limit.ratePerSecond) &&
    limit.ratePerSecond > 0 &&
    limit.ratePerSecond <= CONTROL_LIMITS.maxRatePerSecond;
  return validRate && isIntegerIn(limit.burst, 1, CONTROL_LIMITS.maxBurst)
    ? undefined
    : `rates.${operation} needs ratePerSecond > 0 and an integer burst >= 1`;
};

/** `region` is shorthand for a one-region list; an empty list is reported, not replaced by the default. */
const regionsOf = (options: EmulatorOptions): E.Either<string, RNEA.ReadonlyNonEmptyArray<string>> => {
  if (options.regions === undefined) {
    return E.right([options.region ?? DEFAULT_REGION]);
  }
  if (options.region !== undefined) {
    return E.left('give region or regions, not both');
  }
  return RA.isNonEmpty(options.regions) ? E.right(options.regions) : E.left('regions must not be empty');
};

const regionProblems = (regions: ReadonlyArray<string>): ReadonlyArray<string | undefined> => [
  regions.every((region) => REGION_PATTERN.test(region))
    ? undefined
    : 'a region must be 1-32 lowercase letters, digits or hyphens',
  new Set(regions).size === regions.length ? undefined : 'regions must not repeat',
];

/** Checks and completes the options; every problem is reported at once. */
export const resolveOptions = (options: EmulatorOptions): E.Either<string, ResolvedOptions> => {
  const regions = regionsOf(options);
  const resolved: ResolvedOptions = {
    host: options.host ?? DEFAULT_HOST,
    port: options.port ?? 0,
    // A placeholder when the regions are invalid: their problem is reported below, so it is never used.
    regions: E.isRight(regions) ? regions.right : [DEFAULT_REGION],
    accountId: options.accountId ?? DEFAULT_ACCOUNT_ID,
    transitionDelayMs: options.transitionDelayMs ?? 0,
    endedSessionRetentionMs: options.endedSessionRetentionMs ?? DEFAULT_ENDED_SESSION_RETENTION_MS,
    rateLimits: perOperation((operation) => options.rates?.[operation] ?? DEFAULT_RATE_LIMITS[operation]),
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    logger: options.logger ?? silentLogger,
    logRequests: options.logRequests ?? false,
  };
  const problems = [
    resolved.host === '' ? 'host must not be empty' : undefined,
    isIntegerIn(resolved.port, 0, 65_535) ? undefined : 'port must be an integer from 0 to 65535',
    ...(E.isLeft(regions) ? [regions.left] : regionProblems(regions.right)),
    ACCOUNT_ID_PATTERN.test(resolved.accountId) ? undefined : 'accountId must be 12 digits',
    isIntegerIn(resolved.transitionDelayMs, 0, CONTROL_LIMITS.maxTransitionDelayMs)
      ? undefined
      : `transitionDelayMs must be an integer from 0 to ${CONTROL_LIMITS.maxTransitionDelayMs}`,
    isIntegerIn(resolved.endedSessionRetentionMs, 0, CONTROL_LIMITS.maxEndedSessionRetentionMs)
      ? undefined
      : `endedSessionRetentionMs must be an integer from 0 to ${CONTROL_LIMITS.maxEndedSessionRetentionMs}`,
    isIntegerIn(resolved.maxBodyBytes, 1, MAX_BODY_BYTES_LIMIT)
      ? undefined
      : `maxBodyBytes must be an integer from 1 to ${MAX_BODY_BYTES_LIMIT}`,
    ...OPERATION_NAMES.map((operation) => rateProblem(operation, options.rates?.[operation])),
  ].filter((problem): problem is string => problem !== undefined);
  return problems.length === 0 ? E.right(resolved) : E.left(`invalid emulator options: ${problems.join('; ')}`);
};
