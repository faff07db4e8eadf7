import * as E from 'fp-ts/Either';
import {
  DEFAULT_ACCOUNT_ID,
  DEFAULT_ENDED_SESSION_RETENTION_MS,
  DEFAULT_HOST,
  DEFAULT_REGION,
  type EmulatorOptions,
} from './options';

/** Default port of a standalone emulator; the service's embedded emulator and CLI use the same one. */
export const DEFAULT_STANDALONE_PORT = 50052;

type Environment = Readonly<Record<string, string | undefined>>;

const integerFrom = (text: string | undefined, fallback: number, name: string, problems: string[]): number => {
  if (text === undefined || text === '') {
    return fallback;
  }
  if (!/^[0-9]{1,9}$/.test(text)) {
    problems.push(`${name} must be a non-negative integer`);
    return fallback;
  }
  return Number(text);
};

const booleanFrom = (text: string | undefined, name: string, problems: string[]): boolean => {
  switch (text) {
    case undefined:
    case '':
    case 'false':
    case '0':
      return false;
    case 'true':
    case '1':
      return true;
    default:
      problems.push(`${name} must be true or false`);
      return false;
  }
};

/**
 * EMULATOR_REGIONS, comma-separated with the default first, or else EMULATOR_REGION as a one-region list. Blank
 * entries are dropped, as in the service's RECONNECT_REGIONS, so a trailing comma is harmless.
 */
const regionsFrom = (env: Environment, problems: string[]): Pick<EmulatorOptions, 'region' | 'regions'> => {
  const list = env.EMULATOR_REGIONS;
  if (list === undefined || list === '') {
    return { region: env.EMULATOR_REGION ?? DEFAULT_REGION };
  }
  if (env.EMULATOR_REGION !== undefined && env.EMULATOR_REGION !== '') {
    problems.push('set EMULATOR_REGION or EMULATOR_REGIONS, not both');
  }
  return {
    regions: list
      .split(',')
      .map((region) => region.trim())
      .filter((region) => region !== ''),
  };
};

/**
 * Reads the standalone emulator's settings: EMULATOR_HOST (127.0.0.1), EMULATOR_PORT (50052), EMULATOR_REGIONS or
 * EMULATOR_REGION (us-west-2), EMULATOR_ACCOUNT_ID (111122223333), EMULATOR_TRANSITION_DELAY_MS (0),
 * EMULATOR_ENDED_SESSION_RETENTION_MS (3600000), EMULATOR_LOG_REQUESTS (false).
 * Value checks beyond syntax are left to `startEmulator`, which reports them all at once.
 */
export const standaloneOptions = (env: Environment): E.Either<string, EmulatorOptions> => {
  const problems: string[] = [];
  const options: EmulatorOptions = {
    host: env.EMULATOR_HOST ?? DEFAULT_HOST,
    port: integerFrom(env.EMULATOR_PORT, DEFAULT_STANDALONE_PORT, 'EMULATOR_PORT', problems),
    ...regionsFrom(env, problems),
    accountId: env.EMULATOR_ACCOUNT_ID ?? DEFAULT_ACCOUNT_ID,
    transitionDelayMs: integerFrom(env.EMULATOR_TRANSITION_DELAY_MS, 0, 'EMULATOR_TRANSITION_DELAY_MS', problems),
    endedSessionRetentionMs: integerFrom(
      env.EMULATOR_ENDED_SESSION_RETENTION_MS,
      DEFAULT_ENDED_SESSION_RETENTION_MS,
      'EMULATOR_ENDED_SESSION_RETENTION_MS',
      problems,
    ),
    logRequests: booleanFrom(env.EMULATOR_LOG_REQUESTS, 'EMULATOR_LOG_REQUESTS', problems),
  };
  return problems.length === 0 ? E.right(options) : E.left(problems.join('; '));
};
