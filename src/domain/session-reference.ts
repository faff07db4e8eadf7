import * as E from 'fp-ts/Either';
import * as t from 'io-ts';

import type { FieldViolation } from './field-violation';
import { StreamGroupIdentifier, StreamSessionIdentifier, parseArn } from './identifiers';

/** A validated pointer to one stream session, and the region whose endpoint owns it. */
export interface SessionReference {
  readonly region: string;
  readonly streamGroupIdentifier: StreamGroupIdentifier;
  readonly streamSessionIdentifier: StreamSessionIdentifier;
}

export interface RegionPolicy {
  /** Regions this deployment has an upstream client for; the default is used for plain IDs. */
  readonly defaultRegion: string;
  readonly servedRegions: ReadonlySet<string>;
}

/** The wire requests' property names (ts-proto camelCase) and their proto field names, for error messages. */
export const PROTO_FIELD_NAMES = {
  streamGroupIdentifier: 'stream_group_identifier',
  streamSessionIdentifier: 'stream_session_identifier',
  signalRequest: 'signal_request',
  clientToken: 'client_token',
  userId: 'user_id',
} as const;

export type WireField = keyof typeof PROTO_FIELD_NAMES;

function isWireField(key: string): key is WireField {
  return Object.prototype.hasOwnProperty.call(PROTO_FIELD_NAMES, key);
}

export const sessionReferenceProps = {
  streamGroupIdentifier: StreamGroupIdentifier,
  streamSessionIdentifier: StreamSessionIdentifier,
};

function violationsFromErrors(errors: t.Errors): FieldViolation[] {
  return errors.map((error) => {
    const key = error.context[1]?.key ?? '';
    const field = isWireField(key) ? PROTO_FIELD_NAMES[key] : 'request';
    return { field, description: error.message ?? 'is invalid' };
  });
}

function validOrUndefined<A>(codec: t.Type<A, string, unknown>, value: unknown): string | undefined {
  return E.isRight(codec.decode(value)) && typeof value === 'string' ? value : undefined;
}

/** What the checks across both identifiers found, and the region that owns the session when they found nothing. */
interface ReferenceCheck {
  readonly violations: FieldViolation[];
  /** An ARN's region, or the default one for plain IDs. */
  readonly region: string;
}

/**
 * Checks that need the deployment's regions or both identifiers, given the identifiers that passed their own codec
 * (undefined for one that did not), so they can run beside per-field validation and every problem is reported at
 * once. Each ARN is parsed once, for the checks and the region alike.
 */
function checkReferences(
  groupIdentifier: string | undefined,
  sessionIdentifier: string | undefined,
  policy: RegionPolicy,
): ReferenceCheck {
  const violations: FieldViolation[] = [];
  const groupArn = groupIdentifier === undefined ? undefined : parseArn(groupIdentifier);
  const sessionArn = sessionIdentifier === undefined ? undefined : parseArn(sessionIdentifier);
  const checkRegion = (field: WireField, region: string | undefined): void => {
    if (region !== undefined && !policy.servedRegions.has(region)) {
      violations.push({
        field: PROTO_FIELD_NAMES[field],
        description: `names region "${region}", which this service does not serve (it serves: ${[...policy.servedRegions].join(', ')})`,
      });
    }
  };
  checkRegion('streamGroupIdentifier', groupArn?.region);
  checkRegion('streamSessionIdentifier', sessionArn?.region);
  if (groupArn !== undefined && sessionArn !== undefined) {
    if (groupArn.region !== sessionArn.region || groupArn.accountId !== sessionArn.accountId) {
      violations.push({
        field: PROTO_FIELD_NAMES.streamSessionIdentifier,
        description: 'names a different region or account than stream_group_identifier',
      });
    }
  }
  const groupId = groupArn === undefined ? groupIdentifier : groupArn.streamGroupId;
  if (sessionArn !== undefined && groupId !== undefined && sessionArn.streamGroupId !== groupId) {
    violations.push({
      field: PROTO_FIELD_NAMES.streamSessionIdentifier,
      description: 'is the ARN of a session in another stream group than stream_group_identifier',
    });
  }
  return { violations, region: groupArn?.region ?? sessionArn?.region ?? policy.defaultRegion };
}

/** The cross-field checks on a request whose identifiers may not have passed their codecs. */
function crossFieldViolations(input: unknown, policy: RegionPolicy): FieldViolation[] {
  const fields = typeof input === 'object' && input !== null ? input : {};
  return checkReferences(
    validOrUndefined(StreamGroupIdentifier, 'streamGroupIdentifier' in fields ? fields.streamGroupIdentifier : undefined),
    validOrUndefined(StreamSessionIdentifier, 'streamSessionIdentifier' in fields ? fields.streamSessionIdentifier : undefined),
    policy,
  ).violations;
}

/**
 * Decodes any wire request whose fields are `props` (the two identifiers and maybe more) into its fields plus the
 * owning region, or every violation at once. Pure and total, and its messages never quote a value.
 */
export function decodeWithSessionReference<P extends typeof sessionReferenceProps & t.Props>(
  props: P,
  policy: RegionPolicy,
): (input: unknown) => E.Either<ReadonlyArray<FieldViolation>, t.TypeOf<t.TypeC<P>> & { readonly region: string }> {
  const codec = t.type(props);
  return (input) => {
    const decoded = codec.decode(input);
    if (E.isLeft(decoded)) {
      return E.left([...violationsFromErrors(decoded.left), ...crossFieldViolations(input, policy)]);
    }
    // The identifiers passed their codecs: check them as decoded, without decoding them again.
    const { streamGroupIdentifier, streamSessionIdentifier } = decoded.right;
    const check = checkReferences(streamGroupIdentifier, streamSessionIdentifier, policy);
    return check.violations.length > 0 ? E.left(check.violations) : E.right({ ...decoded.right, region: check.region });
  };
}

export function decodeSessionReference(
  policy: RegionPolicy,
): (input: unknown) => E.Either<ReadonlyArray<FieldViolation>, SessionReference> {
  return decodeWithSessionReference(sessionReferenceProps, policy);
}
