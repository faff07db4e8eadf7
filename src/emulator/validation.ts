import * as E from 'fp-ts/Either';
import { type JsonObject, member } from './json-body';
import { decodeNextToken, DEFAULT_MAX_RESULTS, MAX_MAX_RESULTS } from './pagination';
import type { GroupRoute, Label, SessionRoute } from './router';
import { type ServiceError, validationError } from './service-error';
import {
  type ExportFilesStatus,
  isExportFilesStatus,
  isStreamSessionStatus,
  type StreamSessionStatus,
} from './session-status';

/**
 * Decoders for the operations' inputs, following the model's constraints. Every violation is collected, so one
 * ValidationException names them all. Messages describe constraints and never quote values: a signal must never
 * appear in a message, and echoing other values buys nothing.
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
}

export interface ListStreamSessionsInput {
  readonly identifier: string;
  readonly status: StreamSessionStatus | undefined;
  readonly exportFilesStatus: ExportFilesStatus | undefined;
  readonly offset: number;
  readonly maxResults: number;
}

export interface CreateStreamSessionConnectionInput extends SessionAddress {
  readonly signalRequest: string;
  readonly clientToken: string | undefined;
}

/** Documented defaults; the model has no `@default`, so the SDK sends nothing when the caller omits them. */
export const DEFAULT_CONNECTION_TIMEOUT_SECONDS = 120;
export const DEFAULT_SESSION_LENGTH_SECONDS = 43_200;

const IDENTIFIER_PATTERN = /^(^[a-zA-Z0-9-]+$)|(^arn:aws:gameliftstreams:([^:\n]*):([0-9]{12}):([^:\n]*)$)$/;
const CLIENT_TOKEN_PATTERN = /^[\x21-\x7E]+$/;
const USER_ID_PATTERN = /^[-_a-zA-Z0-9/=+]*$/;
const LOCATION_PATTERN = /^[a-zA-Z0-9-]+$/;
const MAX_DESCRIPTION_LENGTH = 80;

/** Smithy `@length` counts Unicode code points, not UTF-16 units. */
const codePointLength = (text: string): number => {
  let length = 0;
  for (const _codePoint of text) {
    length += 1;
  }
  return length;
};

class Violations {
  private readonly messages: string[] = [];

  add(message: string): void {
    this.messages.push(message);
  }

  /** The decoded value when nothing was violated, else one ValidationException listing every violation. */
  conclude<T>(build: () => T): E.Either<ServiceError, T> {
    const count = this.messages.length;
    if (count === 0) {
      return E.right(build());
    }
    const noun = count === 1 ? 'error' : 'errors';
    return E.left(validationError(`${count} validation ${noun} detected: ${this.messages.join('; ')}.`));
  }
}

const identifierLabel = (name: string, label: Label, violations: Violations): string => {
  if (label.kind === 'malformed') {
    violations.add(`${name} is not valid percent-encoding`);
    return '';
  }
  const length = codePointLength(label.value);
  if (length < 1 || length > 128) {
    violations.add(`${name} must be 1-128 characters long`);
  } else if (!IDENTIFIER_PATTERN.test(label.value)) {
    violations.add(`${name} must be an ID of letters, digits and hyphens or a GameLift Streams ARN`);
  }
  return label.value;
};

const optionalString = (body: JsonObject, key: string, violations: Violations): string | undefined => {
  const value = member(body, key);
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    violations.add(`${key} must be a string`);
    return undefined;
  }
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

const integerInRange = (
  body: JsonObject,
  key: string,
  range: { readonly min: number; readonly max: number; readonly fallback: number },
  violations: Violations,
): number => {
  const value = member(body, key);
  if (value === undefined || value === null) {
    return range.fallback;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    violations.add(`${key} must be an integer from ${range.min} to ${range.max}`);
    return range.fallback;
  }
  return value;
};

const optionalStringList = (body: JsonObject, key: string, violations: Violations): string[] | undefined => {
  const value = member(body, key);
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
    violations.add(`${key} must be a list of strings`);
    return undefined;
  }
  return value;
};

const optionalStringMap = (
  body: JsonObject,
  key: string,
  violations: Violations,
): Record<string, string> | undefined => {
  const value = member(body, key);
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    violations.add(`${key} must be a map of strings to strings`);
    return undefined;
  }
  const entries = Object.entries(value);
  if (!entries.every((entry): entry is [string, string] => typeof entry[1] === 'string')) {
    violations.add(`${key} must be a map of strings to strings`);
    return undefined;
  }
  return Object.fromEntries(entries);
};

const checkClientToken = (clientToken: string | undefined, violations: Violations): void => {
  if (clientToken === undefined) {
    return;
  }
  const length = codePointLength(clientToken);
  if (length < 32 || length > 128 || !CLIENT_TOKEN_PATTERN.test(clientToken)) {
    violations.add('ClientToken must be 32-128 printable ASCII characters without spaces');
  }
};

const signalRequestOf = (body: JsonObject, violations: Violations): string | undefined => {
  const signalRequest = requiredString(body, 'SignalRequest', violations);
  if (signalRequest === '') {
    violations.add('SignalRequest must not be empty');
  }
  return signalRequest;
};

export const decodeStartStreamSession = (
  route: GroupRoute,
  body: JsonObject,
): E.Either<ServiceError, StartStreamSessionInput> => {
  const violations = new Violations();
  const identifier = identifierLabel('Identifier', route.identifier, violations);
  const protocol = requiredString(body, 'Protocol', violations);
  if (protocol !== undefined && protocol !== 'WebRTC') {
    violations.add('Protocol must be WebRTC');
  }
  const signalRequest = signalRequestOf(body, violations);
  const applicationIdentifier = requiredString(body, 'ApplicationIdentifier', violations);
  if (applicationIdentifier !== undefined) {
    identifierLabel('ApplicationIdentifier', { kind: 'decoded', value: applicationIdentifier }, violations);
  }
  const clientToken = optionalString(body, 'ClientToken', violations);
  checkClientToken(clientToken, violations);
  const description = optionalString(body, 'Description', violations);
  if (description !== undefined && codePointLength(description) > MAX_DESCRIPTION_LENGTH) {
    violations.add(`Description must be at most ${MAX_DESCRIPTION_LENGTH} characters long`);
  }
  const userId = optionalString(body, 'UserId', violations);
  if (userId !== undefined && (codePointLength(userId) > 1024 || !USER_ID_PATTERN.test(userId))) {
    violations.add('UserId must be at most 1024 letters, digits or the characters - _ / = +');
  }
  const locations = optionalStringList(body, 'Locations', violations);
  if (locations !== undefined && !locations.every((location) => location.length <= 20 && LOCATION_PATTERN.test(location))) {
    violations.add('Locations must hold region names of 1-20 letters, digits and hyphens');
  }
  const connectionTimeoutSeconds = integerInRange(
    body,
    'ConnectionTimeoutSeconds',
    { min: 1, max: 3600, fallback: DEFAULT_CONNECTION_TIMEOUT_SECONDS },
    violations,
  );
  const sessionLengthSeconds = integerInRange(
    body,
    'SessionLengthSeconds',
    { min: 1, max: 86_400, fallback: DEFAULT_SESSION_LENGTH_SECONDS },
    violations,
  );
  const additionalLaunchArgs = optionalStringList(body, 'AdditionalLaunchArgs', violations);
  const additionalEnvironmentVariables = optionalStringMap(body, 'AdditionalEnvironmentVariables', violations);
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
  }));
};

const optionalQuery = (query: URLSearchParams, key: string): string | undefined => query.get(key) ?? undefined;

export const decodeListStreamSessions = (route: GroupRoute): E.Either<ServiceError, ListStreamSessionsInput> => {
  const violations = new Violations();
  const identifier = identifierLabel('Identifier', route.identifier, violations);
  const statusText = optionalQuery(route.query, 'Status');
  const status = isStreamSessionStatus(statusText) ? statusText : undefined;
  if (statusText !== undefined && status === undefined) {
    violations.add('Status must be a stream session status such as ACTIVE');
  }
  const exportText = optionalQuery(route.query, 'ExportFilesStatus');
  const exportFilesStatus = isExportFilesStatus(exportText) ? exportText : undefined;
  if (exportText !== undefined && exportFilesStatus === undefined) {
    violations.add('ExportFilesStatus must be SUCCEEDED, FAILED or PENDING');
  }
  const nextToken = optionalQuery(route.query, 'NextToken');
  const offset = nextToken === undefined ? 0 : decodeNextToken(nextToken);
  if (offset === undefined) {
    violations.add('NextToken is not a token this endpoint returned');
  }
  const maxResultsText = optionalQuery(route.query, 'MaxResults');
  const maxResults = maxResultsText === undefined ? DEFAULT_MAX_RESULTS : Number(maxResultsText);
  if (!/^[0-9]{1,3}$/.test(maxResultsText ?? '25') || maxResults < 1 || maxResults > MAX_MAX_RESULTS) {
    violations.add(`MaxResults must be an integer from 1 to ${MAX_MAX_RESULTS}`);
  }
  return violations.conclude(() => ({
    identifier,
    status,
    exportFilesStatus,
    offset: offset ?? 0,
    maxResults,
  }));
};

export const decodeSessionAddress = (route: SessionRoute): E.Either<ServiceError, SessionAddress> => {
  const violations = new Violations();
  const identifier = identifierLabel('Identifier', route.identifier, violations);
  const streamSessionIdentifier = identifierLabel('StreamSessionIdentifier', route.streamSessionIdentifier, violations);
  return violations.conclude(() => ({ identifier, streamSessionIdentifier }));
};

export const decodeCreateStreamSessionConnection = (
  route: SessionRoute,
  body: JsonObject,
): E.Either<ServiceError, CreateStreamSessionConnectionInput> => {
  const violations = new Violations();
  const identifier = identifierLabel('Identifier', route.identifier, violations);
  const streamSessionIdentifier = identifierLabel('StreamSessionIdentifier', route.streamSessionIdentifier, violations);
  const signalRequest = signalRequestOf(body, violations);
  const clientToken = optionalString(body, 'ClientToken', violations);
  checkClientToken(clientToken, violations);
  return violations.conclude(() => ({
    identifier,
    streamSessionIdentifier,
    // Unreachable fallback: a missing SignalRequest is a violation, and `conclude` builds only without violations.
    signalRequest: signalRequest ?? '',
    clientToken,
  }));
};
