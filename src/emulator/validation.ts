import * as E from 'fp-ts/Either';
import { isJsonObject, type JsonObject, member } from './json-body';
import {
  CLIENT_TOKEN,
  CONNECTION_TIMEOUT_SECONDS,
  codePointLength,
  DEFAULT_MAX_RESULTS,
  DESCRIPTION,
  ENVIRONMENT_VARIABLES,
  GAME_LAUNCH_ARG_LIST,
  IAM_ROLE_ARN,
  IDENTIFIER,
  type IntegerRule,
  type ListRule,
  LOCATION_LIST,
  LOCATION_NAME,
  MAX_RESULTS,
  matchesPattern,
  RESOLUTION_HEIGHT,
  RESOLUTION_MAX_PIXELS,
  RESOLUTION_WIDTH,
  satisfiesLength,
  SESSION_LENGTH_SECONDS,
  SIGNAL_REQUEST,
  type StringRule,
  USER_ID,
} from './model-constraints';
import { decodeNextToken } from './pagination';
import type { AccountRoute, GroupRoute, Label, SessionRoute } from './router';
import { type ModelledError, validationError } from './service-error';
import {
  type ExportFilesStatus,
  isExportFilesStatus,
  isStreamSessionStatus,
  type StreamSessionStatus,
} from './session-status';
import type { DisplayConfiguration, PerformanceStatsConfiguration, Resolution } from './stream-session';

/**
 * Decoders for the operations' inputs, enforcing the model's constraints (`model-constraints.ts`). Every violation is
 * collected, so one ValidationException names them all. Messages describe constraints and never quote values: a
 * signal must never appear in a message, and echoing other values buys nothing. Members the model does not define
 * are ignored, as a restJson1 service does for forward compatibility.
 */

export interface SessionAddress {
  readonly identifier: string;
  readonly streamSessionIdentifier: string;
}

export interface StartStreamSessionInput {
  readonly identifier: string;
  readonly protocol: 'WebRTC';
  readonly signalRequest: string;
  readonly applicationIdentifier: string;
  readonly clientToken: string | undefined;
  readonly description: string | undefined;
  readonly userId: string | undefined;
  readonly locations: readonly string[] | undefined;
  readonly connectionTimeoutSeconds: number;
  readonly sessionLengthSeconds: number;
  readonly additionalLaunchArgs: readonly string[] | undefined;
  readonly additionalEnvironmentVariables: Readonly<Record<string, string>> | undefined;
  readonly performanceStatsConfiguration: PerformanceStatsConfiguration | undefined;
  readonly roleArn: string | undefined;
  readonly displayConfiguration: DisplayConfiguration | undefined;
}

/** The query both list operations share: filters and a page. */
export interface SessionListQuery {
  readonly status: StreamSessionStatus | undefined;
  readonly exportFilesStatus: ExportFilesStatus | undefined;
  /** The creation sequence number the page starts at (from NextToken). */
  readonly from: number;
  readonly maxResults: number;
}

export interface ListStreamSessionsInput extends SessionListQuery {
  readonly identifier: string;
}

export interface CreateStreamSessionConnectionInput extends SessionAddress {
  readonly signalRequest: string;
  readonly clientToken: string | undefined;
}

type Invalid = ModelledError<'ValidationException'>;

/** Documented defaults; the model has no `@default`, so the SDK sends nothing when the caller omits them. */
export const DEFAULT_CONNECTION_TIMEOUT_SECONDS = 120;
export const DEFAULT_SESSION_LENGTH_SECONDS = 43_200;

class Violations {
  private readonly messages = new Set<string>();

  /** A repeated message is kept once: a rule broken by several list items or map keys is reported once. */
  add(message: string): void {
    this.messages.add(message);
  }

  /** The decoded value when nothing was violated, else one ValidationException listing every violation. */
  conclude<T>(build: () => T): E.Either<Invalid, T> {
    const count = this.messages.size;
    if (count === 0) {
      return E.right(build());
    }
    const noun = count === 1 ? 'error' : 'errors';
    return E.left(validationError(`${count} validation ${noun} detected: ${[...this.messages].join('; ')}.`));
  }
}

const countText = (
  length: { readonly min: number; readonly max?: number },
  unit: string,
  units = `${unit}s`,
): string => {
  const { min, max } = length;
  if (max === undefined) {
    return `at least ${min} ${min === 1 ? unit : units}`;
  }
  return min === 0 ? `at most ${max} ${units}` : `${min}-${max} ${units}`;
};

/** The pattern as the model prints it, with its newlines escaped so that the message stays on one line. */
const patternText = (pattern: string): string => pattern.replace(/\n/g, '\\n');

/** Checks one string against its rule; `name` says where it is, e.g. "Description" or "each key of X". */
const checkString = (name: string, text: string, rule: StringRule, violations: Violations): void => {
  if (!satisfiesLength(rule, codePointLength(text))) {
    violations.add(`${name} must be ${countText(rule.length, 'character')} long`);
  } else if (rule.pattern !== undefined && !matchesPattern(rule, text)) {
    violations.add(`${name} must match the pattern ${patternText(rule.pattern)}`);
  }
};

const checkListLength = (name: string, items: readonly unknown[], rule: ListRule, violations: Violations): void => {
  if (!satisfiesLength(rule, items.length)) {
    violations.add(`${name} must hold ${countText(rule.length, 'item')}`);
  }
  if (rule.uniqueItems && new Set(items).size !== items.length) {
    violations.add(`${name} must not hold the same item twice`);
  }
};

const identifierLabel = (name: string, label: Label, violations: Violations): string => {
  if (label.kind === 'malformed') {
    violations.add(`${name} is not valid percent-encoding`);
    return '';
  }
  checkString(name, label.value, IDENTIFIER, violations);
  return label.value;
};

const optionalString = (
  body: JsonObject,
  key: string,
  rule: StringRule,
  violations: Violations,
): string | undefined => {
  const value = member(body, key);
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    violations.add(`${key} must be a string`);
    return undefined;
  }
  checkString(key, value, rule, violations);
  return value;
};

/** `undefined` once a violation has been recorded, so no follow-up check repeats it. */
const requiredString = (body: JsonObject, key: string, violations: Violations): string | undefined => {
  const value = member(body, key);
  if (value === undefined || value === null) {
    violations.add(`${key} is required`);
    return undefined;
  }
  if (typeof value !== 'string') {
    violations.add(`${key} must be a string`);
    return undefined;
  }
  return value;
};

const isIntegerIn = (value: unknown, rule: IntegerRule): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= rule.range.min && value <= rule.range.max;

const integerMessage = (name: string, rule: IntegerRule): string =>
  `${name} must be ${rule.even === true ? 'an even' : 'an'} integer from ${rule.range.min} to ${rule.range.max}`;

const satisfiesInteger = (value: unknown, rule: IntegerRule): value is number =>
  isIntegerIn(value, rule) && (rule.even !== true || value % 2 === 0);

const optionalInteger = (
  body: JsonObject,
  key: string,
  rule: IntegerRule,
  fallback: number,
  violations: Violations,
): number => {
  const value = member(body, key);
  if (value === undefined || value === null) {
    return fallback;
  }
  if (!satisfiesInteger(value, rule)) {
    violations.add(integerMessage(key, rule));
    return fallback;
  }
  return value;
};

/** An optional structure member: `undefined` when absent (or null), else the object, or a violation. */
const optionalStructure = (
  body: JsonObject,
  key: string,
  name: string,
  violations: Violations,
): JsonObject | undefined => {
  const value = member(body, key);
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!isJsonObject(value)) {
    violations.add(`${name} must be an object`);
    return undefined;
  }
  return value;
};

const performanceStatsConfigurationOf = (
  body: JsonObject,
  violations: Violations,
): PerformanceStatsConfiguration | undefined => {
  const configuration = optionalStructure(
    body,
    'PerformanceStatsConfiguration',
    'PerformanceStatsConfiguration',
    violations,
  );
  if (configuration === undefined) {
    return undefined;
  }
  const shared = member(configuration, 'SharedWithClient');
  if (shared !== undefined && shared !== null && typeof shared !== 'boolean') {
    violations.add('PerformanceStatsConfiguration.SharedWithClient must be a boolean');
    return undefined;
  }
  return { sharedWithClient: typeof shared === 'boolean' ? shared : undefined };
};

/** Width and Height are required members of Resolution. */
const resolutionOf = (configuration: JsonObject, violations: Violations): Resolution | undefined => {
  const resolution = optionalStructure(configuration, 'Resolution', 'DisplayConfiguration.Resolution', violations);
  if (resolution === undefined) {
    return undefined;
  }
  const dimension = (key: 'Width' | 'Height', rule: IntegerRule): number | undefined => {
    const name = `DisplayConfiguration.Resolution.${key}`;
    const value = member(resolution, key);
    if (value === undefined || value === null) {
      violations.add(`${name} is required`);
      return undefined;
    }
    if (!satisfiesInteger(value, rule)) {
      violations.add(integerMessage(name, rule));
      return undefined;
    }
    return value;
  };
  const width = dimension('Width', RESOLUTION_WIDTH);
  const height = dimension('Height', RESOLUTION_HEIGHT);
  if (width === undefined || height === undefined) {
    return undefined;
  }
  if (width * height > RESOLUTION_MAX_PIXELS.value) {
    violations.add(
      `DisplayConfiguration.Resolution must have at most ${RESOLUTION_MAX_PIXELS.value} pixels (Width × Height)`,
    );
    return undefined;
  }
  return { width, height };
};

const displayConfigurationOf = (body: JsonObject, violations: Violations): DisplayConfiguration | undefined => {
  const configuration = optionalStructure(body, 'DisplayConfiguration', 'DisplayConfiguration', violations);
  return configuration === undefined ? undefined : { resolution: resolutionOf(configuration, violations) };
};

const optionalStringList = (
  body: JsonObject,
  key: string,
  rule: ListRule,
  violations: Violations,
): string[] | undefined => {
  const value = member(body, key);
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
    violations.add(`${key} must be a list of strings`);
    return undefined;
  }
  checkListLength(key, value, rule, violations);
  return value;
};

const locationsOf = (body: JsonObject, violations: Violations): string[] | undefined => {
  const locations = optionalStringList(body, 'Locations', LOCATION_LIST, violations);
  for (const location of locations ?? []) {
    checkString('each item of Locations', location, LOCATION_NAME, violations);
  }
  return locations;
};

const environmentVariablesOf = (body: JsonObject, violations: Violations): Record<string, string> | undefined => {
  const key = 'AdditionalEnvironmentVariables';
  const value = member(body, key);
  if (value === undefined || value === null) {
    return undefined;
  }
  const entries = typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : undefined;
  if (entries === undefined || !entries.every((entry): entry is [string, string] => typeof entry[1] === 'string')) {
    violations.add(`${key} must be a map of strings to strings`);
    return undefined;
  }
  const rule = ENVIRONMENT_VARIABLES;
  if (entries.length < rule.length.min || entries.length > rule.length.max) {
    violations.add(`${key} must hold ${countText(rule.length, 'entry', 'entries')}`);
  }
  for (const [name, text] of entries) {
    checkString(`each key of ${key}`, name, rule.key, violations);
    checkString(`each value of ${key}`, text, rule.value, violations);
  }
  return Object.fromEntries(entries);
};

const clientTokenOf = (body: JsonObject, violations: Violations): string | undefined =>
  optionalString(body, 'ClientToken', CLIENT_TOKEN, violations);

const signalRequestOf = (body: JsonObject, violations: Violations): string | undefined => {
  const signalRequest = requiredString(body, 'SignalRequest', violations);
  if (signalRequest !== undefined) {
    checkString('SignalRequest', signalRequest, SIGNAL_REQUEST, violations);
  }
  return signalRequest;
};

export const decodeStartStreamSession = (
  route: GroupRoute,
  body: JsonObject,
): E.Either<Invalid, StartStreamSessionInput> => {
  const violations = new Violations();
  const identifier = identifierLabel('Identifier', route.identifier, violations);
  const protocol = requiredString(body, 'Protocol', violations);
  if (protocol !== undefined && protocol !== 'WebRTC') {
    violations.add('Protocol must be WebRTC');
  }
  const signalRequest = signalRequestOf(body, violations);
  const applicationIdentifier = requiredString(body, 'ApplicationIdentifier', violations);
  if (applicationIdentifier !== undefined) {
    checkString('ApplicationIdentifier', applicationIdentifier, IDENTIFIER, violations);
  }
  const clientToken = clientTokenOf(body, violations);
  const description = optionalString(body, 'Description', DESCRIPTION, violations);
  const userId = optionalString(body, 'UserId', USER_ID, violations);
  const locations = locationsOf(body, violations);
  const connectionTimeoutSeconds = optionalInteger(
    body,
    'ConnectionTimeoutSeconds',
    CONNECTION_TIMEOUT_SECONDS,
    DEFAULT_CONNECTION_TIMEOUT_SECONDS,
    violations,
  );
  const sessionLengthSeconds = optionalInteger(
    body,
    'SessionLengthSeconds',
    SESSION_LENGTH_SECONDS,
    DEFAULT_SESSION_LENGTH_SECONDS,
    violations,
  );
  const additionalLaunchArgs = optionalStringList(body, 'AdditionalLaunchArgs', GAME_LAUNCH_ARG_LIST, violations);
  const additionalEnvironmentVariables = environmentVariablesOf(body, violations);
  const performanceStatsConfiguration = performanceStatsConfigurationOf(body, violations);
  const roleArn = optionalString(body, 'RoleArn', IAM_ROLE_ARN, violations);
  const displayConfiguration = displayConfigurationOf(body, violations);
  // `conclude` builds only when nothing was violated, so the required values are present; `?? ''` is unreachable.
  return violations.conclude(() => ({
    identifier,
    protocol: 'WebRTC',
    signalRequest: signalRequest ?? '',
    applicationIdentifier: applicationIdentifier ?? '',
    clientToken,
    description,
    userId,
    locations,
    connectionTimeoutSeconds,
    sessionLengthSeconds,
    additionalLaunchArgs,
    additionalEnvironmentVariables,
    performanceStatsConfiguration,
    roleArn,
    displayConfiguration,
  }));
};

const optionalQuery = (query: URLSearchParams, key: string): string | undefined => query.get(key) ?? undefined;

/** An httpQuery integer arrives as text; only plain decimal digits can be a valid one. */
const maxResultsOf = (query: URLSearchParams, violations: Violations): number => {
  const text = optionalQuery(query, 'MaxResults');
  if (text === undefined) {
    return DEFAULT_MAX_RESULTS;
  }
  const value = /^[0-9]{1,16}$/.test(text) ? Number(text) : undefined;
  if (!isIntegerIn(value, MAX_RESULTS)) {
    violations.add(integerMessage('MaxResults', MAX_RESULTS));
    return DEFAULT_MAX_RESULTS;
  }
  return value;
};

/** Status and ExportFilesStatus arrive as httpQuery values, exactly as the SDK sends them. */
const sessionListQueryOf = (query: URLSearchParams, violations: Violations): SessionListQuery => {
  const statusText = optionalQuery(query, 'Status');
  const status = isStreamSessionStatus(statusText) ? statusText : undefined;
  if (statusText !== undefined && status === undefined) {
    violations.add('Status must be a stream session status such as ACTIVE');
  }
  const exportText = optionalQuery(query, 'ExportFilesStatus');
  const exportFilesStatus = isExportFilesStatus(exportText) ? exportText : undefined;
  if (exportText !== undefined && exportFilesStatus === undefined) {
    violations.add('ExportFilesStatus must be SUCCEEDED, FAILED or PENDING');
  }
  const nextToken = optionalQuery(query, 'NextToken');
  const from = nextToken === undefined ? 0 : decodeNextToken(nextToken);
  if (from === undefined) {
    violations.add('NextToken is not a token this endpoint returned');
  }
  return { status, exportFilesStatus, from: from ?? 0, maxResults: maxResultsOf(query, violations) };
};

export const decodeListStreamSessions = (route: GroupRoute): E.Either<Invalid, ListStreamSessionsInput> => {
  const violations = new Violations();
  const identifier = identifierLabel('Identifier', route.identifier, violations);
  const query = sessionListQueryOf(route.query, violations);
  return violations.conclude(() => ({ identifier, ...query }));
};

export const decodeListStreamSessionsByAccount = (route: AccountRoute): E.Either<Invalid, SessionListQuery> => {
  const violations = new Violations();
  const query = sessionListQueryOf(route.query, violations);
  return violations.conclude(() => query);
};

export const decodeSessionAddress = (route: SessionRoute): E.Either<Invalid, SessionAddress> => {
  const violations = new Violations();
  const identifier = identifierLabel('Identifier', route.identifier, violations);
  const streamSessionIdentifier = identifierLabel('StreamSessionIdentifier', route.streamSessionIdentifier, violations);
  return violations.conclude(() => ({ identifier, streamSessionIdentifier }));
};

export const decodeCreateStreamSessionConnection = (
  route: SessionRoute,
  body: JsonObject,
): E.Either<Invalid, CreateStreamSessionConnectionInput> => {
  const violations = new Violations();
  const identifier = identifierLabel('Identifier', route.identifier, violations);
  const streamSessionIdentifier = identifierLabel('StreamSessionIdentifier', route.streamSessionIdentifier, violations);
  const signalRequest = signalRequestOf(body, violations);
  const clientToken = clientTokenOf(body, violations);
  return violations.conclude(() => ({
    identifier,
    streamSessionIdentifier,
    // Unreachable fallback: a missing SignalRequest is a violation, and `conclude` builds only without violations.
    signalRequest: signalRequest ?? '',
    clientToken,
  }));
};
