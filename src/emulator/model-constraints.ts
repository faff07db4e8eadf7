/**
 * Every constraint the AWS model puts on a member the emulator reads, in one place and each with its source. The
 * decoders in `validation.ts` enforce exactly these, and the table-driven test builds its boundary rows from them, so
 * a value changed here changes both.
 *
 * Patterns are kept as the model spells them (after JSON decoding, so `\n` is a newline) and compiled once.
 */

/** The newest AWS model: the file last changed on 2026-04-27. */
export const AWS_MODEL =
  'adwsingh/api-models-aws@5b9627844475df0b85d8402e7c011f5085ed74a0 ' +
  'models/gameliftstreams/service/2018-05-10/gameliftstreams-2018-05-10.json';

/**
 * The model the SDK is generated from, as stored at this commit. It is newer than AWS_MODEL and has what the
 * installed SDK (3.1138.0) has and AWS_MODEL lacks: RoleArn and DisplayConfiguration.
 */
export const SDK_MODEL =
  'aws/aws-sdk-js-v3@03de214927dd649bdfe66913c1fb45b5ab72a8c7 codegen/sdk-codegen/aws-models/gameliftstreams.json';

interface Sourced {
  /** The model shape (or `Shape$member`) that carries the constraint. */
  readonly shape: string;
  readonly source: string;
}

/** `@length` (in Unicode code points) and `@pattern` of a string shape. */
export interface StringRule extends Sourced {
  readonly length: { readonly min: number; readonly max?: number };
  readonly pattern?: string;
}

/** `@range` of an integer shape; `even` is a rule the model states only in a member's documentation. */
export interface IntegerRule extends Sourced {
  readonly range: { readonly min: number; readonly max: number };
  readonly even?: boolean;
}

/** `@length` (in items) and `@uniqueItems` of a list shape. */
export interface ListRule extends Sourced {
  readonly length: { readonly min: number; readonly max?: number };
  readonly uniqueItems: boolean;
}

/** `@length` (in entries) of a map shape and the rules of its keys and values. */
export interface MapRule extends Sourced {
  readonly length: { readonly min: number; readonly max: number };
  readonly key: StringRule;
  readonly value: StringRule;
}

const inAwsModel = (shape: string): string => `${AWS_MODEL}, shape ${shape}`;
const inSdkModel = (shape: string): string => `${SDK_MODEL}, shape ${shape}`;

export const IDENTIFIER: StringRule = {
  shape: 'Identifier',
  length: { min: 1, max: 128 },
  pattern: '^(^[a-zA-Z0-9-]+$)|(^arn:aws:gameliftstreams:([^:\n]*):([0-9]{12}):([^:\n]*)$)$',
  source: inAwsModel('Identifier'),
};

export const CLIENT_TOKEN: StringRule = {
  shape: 'ClientToken',
  length: { min: 32, max: 128 },
  pattern: '^[\\x21-\\x7E]+$',
  source: inAwsModel('ClientToken'),
};

/** No maximum: the model gives none. */
export const SIGNAL_REQUEST: StringRule = {
  shape: 'SignalRequest',
  length: { min: 1 },
  source: inAwsModel('SignalRequest'),
};

export const DESCRIPTION: StringRule = {
  shape: 'Description',
  length: { min: 1, max: 80 },
  pattern: '^[a-zA-Z0-9-_.!+@/][a-zA-Z0-9-_.!+@/ ]*$',
  source: inAwsModel('Description'),
};

export const USER_ID: StringRule = {
  shape: 'UserId',
  length: { min: 0, max: 1024 },
  pattern: '^[-_a-zA-Z0-9/=+]*$',
  source: inAwsModel('UserId'),
};

export const LOCATION_LIST: ListRule = {
  shape: 'LocationList',
  length: { min: 1 },
  uniqueItems: true,
  source: inAwsModel('LocationList'),
};

export const LOCATION_NAME: StringRule = {
  shape: 'LocationName',
  length: { min: 1, max: 20 },
  pattern: '^[a-zA-Z0-9-]+$',
  source: inAwsModel('LocationName'),
};

export const CONNECTION_TIMEOUT_SECONDS: IntegerRule = {
  shape: 'ConnectionTimeoutSeconds',
  range: { min: 1, max: 3600 },
  source: inAwsModel('ConnectionTimeoutSeconds'),
};

export const SESSION_LENGTH_SECONDS: IntegerRule = {
  shape: 'SessionLengthSeconds',
  range: { min: 1, max: 86_400 },
  source: inAwsModel('SessionLengthSeconds'),
};

/** The arguments themselves are plain `smithy.api#String`s: only their number is constrained. */
export const GAME_LAUNCH_ARG_LIST: ListRule = {
  shape: 'GameLaunchArgList',
  length: { min: 0, max: 100 },
  uniqueItems: false,
  source: inAwsModel('GameLaunchArgList'),
};

/**
 * The SDK_MODEL allows values of up to 4096 characters where AWS_MODEL allows 1024. The emulator keeps the stricter
 * 1024, so that a test that passes here passes against either version of the service.
 */
export const ENVIRONMENT_VARIABLES: MapRule = {
  shape: 'EnvironmentVariables',
  length: { min: 0, max: 50 },
  key: {
    shape: 'EnvironmentVariables$key',
    length: { min: 1, max: 256 },
    pattern: '^[_a-zA-Z][_a-zA-Z0-9]*$',
    source: inAwsModel('EnvironmentVariables (key)'),
  },
  value: {
    shape: 'EnvironmentVariables$value',
    length: { min: 0, max: 1024 },
    source: inAwsModel('EnvironmentVariables (value)'),
  },
  source: inAwsModel('EnvironmentVariables'),
};

export const MAX_RESULTS: IntegerRule = {
  shape: 'MaxResults',
  range: { min: 1, max: 100 },
  source: inAwsModel('MaxResults'),
};

/** Documented, not a trait: "Default value is 25" (ListStreamSessions and ListStreamSessionsByAccount, MaxResults). */
export const DEFAULT_MAX_RESULTS = 25;

/**
 * `RoleArn` (sensitive). The member's documentation adds that the role name must start with `GameLiftStreams-`; that
 * is a condition of AWS assuming the role, not a constraint of the request, so the emulator does not check it.
 */
export const IAM_ROLE_ARN: StringRule = {
  shape: 'IamRoleArn',
  length: { min: 20, max: 2048 },
  pattern: '^arn:aws[a-zA-Z-]*:iam::\\d{12}:role/.+$',
  source: inSdkModel('IamRoleArn'),
};

/** "The value must be an even number" is the documentation of Resolution$Width. */
export const RESOLUTION_WIDTH: IntegerRule = {
  shape: 'ResolutionWidth',
  range: { min: 320, max: 4096 },
  even: true,
  source: inSdkModel('ResolutionWidth, and the documentation of Resolution$Width'),
};

/** "The value must be an even number" is the documentation of Resolution$Height. */
export const RESOLUTION_HEIGHT: IntegerRule = {
  shape: 'ResolutionHeight',
  range: { min: 320, max: 4096 },
  even: true,
  source: inSdkModel('ResolutionHeight, and the documentation of Resolution$Height'),
};

/** "The total number of pixels (width × height) must not exceed 2,073,600 (equivalent to 1920 × 1080)." */
export const RESOLUTION_MAX_PIXELS = {
  shape: 'Resolution',
  value: 2_073_600,
  source: inSdkModel('Resolution (its documentation)'),
} as const;

const compiled = new Map<string, RegExp>();

/** Whether `text` satisfies `rule.pattern` (always true without one). Patterns are compiled once. */
export const matchesPattern = (rule: StringRule, text: string): boolean => {
  if (rule.pattern === undefined) {
    return true;
  }
  let regex = compiled.get(rule.pattern);
  if (regex === undefined) {
    regex = new RegExp(rule.pattern);
    compiled.set(rule.pattern, regex);
  }
  return regex.test(text);
};

/** Smithy `@length` counts Unicode code points, not UTF-16 units. */
export const codePointLength = (text: string): number => {
  let length = 0;
  for (const _codePoint of text) {
    length += 1;
  }
  return length;
};

export const satisfiesLength = (rule: StringRule | ListRule | MapRule, length: number): boolean =>
  length >= rule.length.min && (rule.length.max === undefined || length <= rule.length.max);
