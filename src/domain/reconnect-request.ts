import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import * as t from 'io-ts';

import type { FieldViolation } from './field-violation';
import {
  ClientToken,
  StreamGroupIdentifier,
  StreamSessionIdentifier,
  parseArn,
  signalRequestCodec,
  type SignalRequest,
} from './identifiers';

/** A reconnect that has passed every check: the only shape the upstream port accepts. */
export interface ReconnectCommand {
  /** The AWS region whose GameLift Streams endpoint owns the stream group. */
  readonly region: string;
  readonly streamGroupIdentifier: StreamGroupIdentifier;
  readonly streamSessionIdentifier: StreamSessionIdentifier;
  readonly signalRequest: SignalRequest;
  readonly clientToken: ClientToken | undefined;
}

export interface ReconnectRequestPolicy {
  readonly maxSignalRequestBytes: number;
  /** Regions this deployment has an upstream client for; the first is used for plain IDs. */
  readonly defaultRegion: string;
  readonly servedRegions: ReadonlySet<string>;
}

/** The wire request's property names (ts-proto camelCase) and their proto field names, for error messages. */
const PROTO_FIELD_NAMES = {
  streamGroupIdentifier: 'stream_group_identifier',
  streamSessionIdentifier: 'stream_session_identifier',
  signalRequest: 'signal_request',
  clientToken: 'client_token',
} as const;

type WireField = keyof typeof PROTO_FIELD_NAMES;

function isWireField(key: string): key is WireField {
  return Object.prototype.hasOwnProperty.call(PROTO_FIELD_NAMES, key);
}

/** proto3 `optional`: absent is fine, present must be valid (an explicit empty string is not absent). */
function optional<A, O>(codec: t.Type<A, O, unknown>): t.Type<A | undefined, O | undefined, unknown> {
  return new t.Type<A | undefined, O | undefined, unknown>(
    `${codec.name} | undefined`,
    (u): u is A | undefined => u === undefined || codec.is(u),
    (u, context) => (u === undefined ? t.success(undefined) : codec.validate(u, context)),
    (a) => (a === undefined ? undefined : codec.encode(a)),
  );
}

function requestFieldsCodec(maxSignalRequestBytes: number) {
  return t.type({
    streamGroupIdentifier: StreamGroupIdentifier,
    streamSessionIdentifier: StreamSessionIdentifier,
    signalRequest: signalRequestCodec(maxSignalRequestBytes),
    clientToken: optional(ClientToken),
  });
}

function violationsFromErrors(errors: t.Errors): FieldViolation[] {
  return errors.map((error) => {
    const key = error.context[1]?.key ?? '';
    const field = isWireField(key) ? PROTO_FIELD_NAMES[key] : 'request';
    return { field, description: error.message ?? 'is invalid' };
  });
}

/** The identifiers that passed their own codec; cross-field checks look only at these. */
interface ValidIdentifiers {
  readonly streamGroupIdentifier: string | undefined;
  readonly streamSessionIdentifier: string | undefined;
}

/** Checks that need the deployment's regions or more than one field. */
function crossFieldViolations(ids: ValidIdentifiers, policy: ReconnectRequestPolicy): FieldViolation[] {
  const violations: FieldViolation[] = [];
  const groupArn = ids.streamGroupIdentifier === undefined ? undefined : parseArn(ids.streamGroupIdentifier);
  const sessionArn = ids.streamSessionIdentifier === undefined ? undefined : parseArn(ids.streamSessionIdentifier);
  const served = [...policy.servedRegions].join(', ');
  const checkRegion = (field: WireField, region: string | undefined): void => {
    if (region !== undefined && !policy.servedRegions.has(region)) {
      violations.push({
        field: PROTO_FIELD_NAMES[field],
        description: `names region "${region}", which this service does not serve (it serves: ${served})`,
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
  const groupId = groupArn === undefined ? ids.streamGroupIdentifier : groupArn.streamGroupId;
  if (sessionArn !== undefined && groupId !== undefined && sessionArn.streamGroupId !== groupId) {
    violations.push({
      field: PROTO_FIELD_NAMES.streamSessionIdentifier,
      description: 'is the ARN of a session in another stream group than stream_group_identifier',
    });
  }
  return violations;
}

function validOrUndefined<A>(codec: t.Type<A, string, unknown>, value: unknown): string | undefined {
  return E.isRight(codec.decode(value)) && typeof value === 'string' ? value : undefined;
}

function propertyOf(input: unknown, key: WireField): unknown {
  return typeof input === 'object' && input !== null ? (input as Partial<Record<WireField, unknown>>)[key] : undefined;
}

/**
 * Decodes a wire request into a ReconnectCommand, or every violation at once. Pure and total: it never throws,
 * whatever the input, and its messages never quote a field's value.
 */
export function decodeReconnectRequest(
  policy: ReconnectRequestPolicy,
): (input: unknown) => E.Either<ReadonlyArray<FieldViolation>, ReconnectCommand> {
  const codec = requestFieldsCodec(policy.maxSignalRequestBytes);
  return (input) => {
    const decoded = codec.decode(input);
    const crossField = crossFieldViolations(
      {
        streamGroupIdentifier: validOrUndefined(StreamGroupIdentifier, propertyOf(input, 'streamGroupIdentifier')),
        streamSessionIdentifier: validOrUndefined(
          StreamSessionIdentifier,
          propertyOf(input, 'streamSessionIdentifier'),
        ),
      },
      policy,
    );
    return pipe(
      decoded,
      E.mapLeft((errors) => [...violationsFromErrors(errors), ...crossField]),
      E.chain((fields): E.Either<ReadonlyArray<FieldViolation>, ReconnectCommand> => {
        if (crossField.length > 0) {
          return E.left(crossField);
        }
        const region =
          parseArn(fields.streamGroupIdentifier)?.region ??
          parseArn(fields.streamSessionIdentifier)?.region ??
          policy.defaultRegion;
        return E.right({ region, ...fields });
      }),
    );
  };
}
