import { isUtf8 } from 'node:buffer';

import type { FieldViolation } from '../domain/outcomes';

/**
 * Strict decoding of request messages: bad bytes are an invalid request, not a grpc-js INTERNAL. Each request's
 * wire form is walked before the generated decoder sees it.
 */

/**
 * A request message that is not a well-formed instance of its protobuf type. The strict deserializers below return
 * it instead of throwing, so the handler can answer INVALID_ARGUMENT (grpc-js answers a throwing deserializer with
 * a bare INTERNAL) and no use case ever sees the message.
 */
export class UndecodableRequest {
  constructor(readonly violations: ReadonlyArray<FieldViolation>) {}
}

/** Wire types of the protobuf encoding. */
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;
const MAX_VARINT_BYTES = 10;
const MAX_TAG = 0xffff_ffff;

/** The fields of a request message the checker knows, by field number, with their proto names. */
export interface CheckedFields {
  /** Strings: length-delimited, valid UTF-8. */
  readonly strings: ReadonlyMap<number, string>;
  /** Repeated enums: varints, one per element, or packed into one length-delimited run of whole varints. */
  readonly repeatedEnums: ReadonlyMap<number, string>;
}

const stringsOnly = (strings: ReadonlyMap<number, string>): CheckedFields => ({ strings, repeatedEnums: new Map() });

export const RECONNECT_FIELDS: CheckedFields = stringsOnly(
  new Map([
    [1, 'stream_group_identifier'],
    [2, 'stream_session_identifier'],
    [3, 'signal_request'],
    [4, 'client_token'],
    [5, 'user_id'],
  ]),
);

export const GET_STREAM_SESSION_FIELDS: CheckedFields = stringsOnly(
  new Map([
    [1, 'stream_group_identifier'],
    [2, 'stream_session_identifier'],
  ]),
);

export const WATCH_STREAM_SESSIONS_FIELDS: CheckedFields = {
  strings: new Map([[1, 'stream_group_identifier']]),
  repeatedEnums: new Map([[2, 'statuses']]),
};

const malformed = (problem: string): FieldViolation => ({
  field: 'request',
  description: `is not a well-formed protobuf message: ${problem}`,
});

/**
 * Walks the message's wire format and returns what is wrong with it, or undefined. Stricter than the generated
 * decoder, which stops quietly at a zero tag, skips a known field sent with another wire type, and replaces invalid
 * UTF-8 with U+FFFD (so a corrupted offer would reach AWS). Unknown fields with a valid encoding are accepted, as
 * proto3 requires; groups (deprecated, never in these messages) are not. Messages never quote the bytes.
 */
function wireViolation(bytes: Uint8Array, fields: CheckedFields): FieldViolation | undefined {
  let position = 0;
  const readVarint = (): number | undefined => {
    let value = 0;
    for (let index = 0; index < MAX_VARINT_BYTES; index += 1) {
      const byte = bytes[position];
      if (byte === undefined) {
        return undefined;
      }
      position += 1;
      value += (byte & 0x7f) * 2 ** (7 * index);
      if ((byte & 0x80) === 0) {
        return value;
      }
    }
    return undefined;
  };
  while (position < bytes.length) {
    const tag = readVarint();
    if (tag === undefined || tag > MAX_TAG) {
      return malformed('a field tag is truncated or too long');
    }
    const fieldNumber = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (fieldNumber === 0) {
      return malformed('a field has number 0');
    }
    const stringField = fields.strings.get(fieldNumber);
    if (stringField !== undefined && wireType !== LENGTH_DELIMITED) {
      return { field: stringField, description: `must be a string, but was sent with protobuf wire type ${wireType}` };
    }
    const enumField = fields.repeatedEnums.get(fieldNumber);
    if (enumField !== undefined && wireType !== VARINT && wireType !== LENGTH_DELIMITED) {
      return {
        field: enumField,
        description: `must be a list of enum values, but was sent with protobuf wire type ${wireType}`,
      };
    }
    switch (wireType) {
      case VARINT:
        if (readVarint() === undefined) {
          return malformed('a varint is truncated or too long');
        }
        break;
      case FIXED64:
        position += 8;
        break;
      case FIXED32:
        position += 4;
        break;
      case LENGTH_DELIMITED: {
        const length = readVarint();
        if (length === undefined) {
          return malformed('a length is truncated or too long');
        }
        if (length > bytes.length - position) {
          return malformed('a length-delimited field is longer than the message');
        }
        if (stringField !== undefined && !isUtf8(bytes.subarray(position, position + length))) {
          return { field: stringField, description: 'must be valid UTF-8' };
        }
        if (enumField !== undefined && !wholeVarints(bytes.subarray(position, position + length))) {
          return { field: enumField, description: 'is a packed list whose last value is truncated or too long' };
        }
        position += length;
        break;
      }
      default:
        return malformed(`wire type ${wireType} is not allowed here`);
    }
    if (position > bytes.length) {
      return malformed('a fixed-size field is longer than the message');
    }
  }
  return undefined;
}

/** Whether a packed run is nothing but complete varints of at most ten bytes each. */
function wholeVarints(run: Uint8Array): boolean {
  let length = 0;
  for (const byte of run) {
    length += 1;
    if (length > MAX_VARINT_BYTES) return false;
    if ((byte & 0x80) === 0) length = 0;
  }
  return length === 0;
}

/** A deserializer that never throws: the decoded message, or an UndecodableRequest saying why there is none. */
export function strictDeserializer<T>(
  decode: (bytes: Uint8Array) => T,
  fields: CheckedFields,
): (bytes: Buffer) => T | UndecodableRequest {
  return (bytes) => {
    const violation = wireViolation(bytes, fields);
    if (violation !== undefined) {
      return new UndecodableRequest([violation]);
    }
    try {
      return decode(bytes);
    } catch {
      return new UndecodableRequest([malformed('it could not be decoded')]);
    }
  };
}
