import fc from 'fast-check';

import {
  WIRE_END_GROUP,
  WIRE_FIXED32,
  WIRE_FIXED64,
  WIRE_LENGTH_DELIMITED,
  WIRE_START_GROUP,
  WIRE_VARINT,
  lengthDelimited,
  tag,
  varint,
} from './raw-grpc';

/**
 * fast-check arbitraries of malformed protobuf request messages, built by hand around a valid message, so that
 * each is wrong in exactly one known way and the field to blame is known. Were the service to ignore the defect,
 * the valid message around it would be accepted (and reach AWS): that is what makes the property sensitive.
 */

/** One string field of a request message: its number, its proto name and its value. */
export interface WireField {
  readonly number: number;
  readonly name: string;
  readonly value: string;
}

/** A valid request message as a list of fields, and what the message type declares. */
export interface WireMessage {
  readonly fields: ReadonlyArray<WireField>;
  /** The message type's string fields, by number (all fields of both request types are strings). */
  readonly declared: ReadonlyMap<number, string>;
  /** Fields whose absence makes the request invalid ("is required"). */
  readonly required: ReadonlyArray<number>;
}

export interface MalformedMessage {
  /** Which construction made it, for reports. */
  readonly kind: string;
  readonly bytes: Buffer;
  /** The proto field the service must name in its BadRequest; "request" for a message-level problem. */
  readonly blamed: string;
}

const MAX_FIELD_NUMBER = 2 ** 29 - 1;

const bytesOf = (length: { readonly minLength?: number; readonly maxLength: number }): fc.Arbitrary<Buffer> =>
  fc.uint8Array(length).map((array) => Buffer.from(array));

function encodeFields(fields: ReadonlyArray<WireField>): Buffer[] {
  return fields.map((field) => lengthDelimited(field.number, field.value));
}

function insertAt(parts: ReadonlyArray<Buffer>, index: number, inserted: Buffer): Buffer {
  const position = Math.min(index, parts.length);
  return Buffer.concat([...parts.slice(0, position), inserted, ...parts.slice(position)]);
}

function unknownFieldNumber(message: WireMessage): fc.Arbitrary<number> {
  const first = Math.max(...message.declared.keys()) + 1;
  return fc.oneof(fc.integer({ min: first, max: first + 20 }), fc.integer({ min: first, max: MAX_FIELD_NUMBER }));
}

/** A payload that fits the wire type (or any bytes for the types that have no payload of their own). */
function payloadFor(wireType: number): fc.Arbitrary<Buffer> {
  switch (wireType) {
    case WIRE_VARINT:
      return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((value) => varint(value));
    case WIRE_FIXED64:
      return bytesOf({ minLength: 8, maxLength: 8 });
    case WIRE_FIXED32:
      return bytesOf({ minLength: 4, maxLength: 4 });
    default:
      return bytesOf({ maxLength: 8 });
  }
}

/** A field the message type does not declare, correctly encoded: proto3 requires it to be skipped. */
function validUnknownField(message: WireMessage): fc.Arbitrary<Buffer> {
  return fc
    .tuple(
      unknownFieldNumber(message),
      fc.constantFrom(WIRE_VARINT, WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_FIXED32),
      bytesOf({ maxLength: 24 }),
    )
    .chain(([number, wireType, bytes]) =>
      wireType === WIRE_LENGTH_DELIMITED
        ? fc.constant(lengthDelimited(number, bytes))
        : payloadFor(wireType).map((payload) => Buffer.concat([tag(number, wireType), payload])),
    );
}

/** Byte sequences that are never valid UTF-8, whatever valid text surrounds them. */
const INVALID_UTF8: ReadonlyArray<ReadonlyArray<number>> = [
  [0x80],
  [0xbf],
  [0xc0, 0xaf],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xfe],
  [0xff],
  [0xc3],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
];

/**
 * Malformed variants of a valid message: a declared field with another wire type; invalid UTF-8 in a declared
 * field; the message cut inside a field; a length past the end; a truncated or over-long varint; field number 0;
 * groups and wire types 6 and 7; and, valid on the wire, unknown fields around a message missing a required field.
 * Some random bytes may follow the defect.
 */
export function malformedMessage(message: WireMessage): fc.Arbitrary<MalformedMessage> {
  const parts = encodeFields(message.fields);
  const declaredNumbers = [...message.declared.keys()];
  const nameOf = (number: number): string => message.declared.get(number) ?? 'request';
  const index = fc.integer({ min: 0, max: parts.length });
  const trailingGarbage = bytesOf({ maxLength: 32 });

  const wrongWireType = fc
    .tuple(fc.constantFrom(...declaredNumbers), fc.constantFrom(0, 1, 3, 4, 5, 6, 7), index, trailingGarbage)
    .chain(([number, wireType, at, garbage]) =>
      payloadFor(wireType).map((payload) => ({
        kind: `field ${number} with wire type ${wireType}`,
        bytes: Buffer.concat([insertAt(parts, at, Buffer.concat([tag(number, wireType), payload])), garbage]),
        blamed: nameOf(number),
      })),
    );

  const invalidUtf8 = fc
    .tuple(
      fc.constantFrom(...declaredNumbers),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.constantFrom(...INVALID_UTF8),
      fc.string({ unit: 'binary', maxLength: 20 }),
      index,
      trailingGarbage,
    )
    .map(([number, before, invalid, after, at, garbage]) => {
      const payload = Buffer.concat([Buffer.from(before, 'utf8'), Buffer.from(invalid), Buffer.from(after, 'utf8')]);
      const field = lengthDelimited(number, payload);
      const existing = message.fields.findIndex((candidate) => candidate.number === number);
      const replaced =
        existing >= 0
          ? Buffer.concat(parts.map((part, position) => (position === existing ? field : part)))
          : insertAt(parts, at, field);
      return {
        kind: `invalid UTF-8 in field ${number}`,
        bytes: Buffer.concat([replaced, garbage]),
        blamed: nameOf(number),
      };
    });

  const cutInsideField = fc.integer({ min: 0, max: parts.length - 1 }).chain((which) => {
    const field = parts[which] ?? Buffer.alloc(0);
    // After the one-byte tag and before the field's last byte: a cut length, or a payload shorter than announced.
    return fc.integer({ min: 1, max: Math.max(1, field.length - 1) }).map((cut) => ({
      kind: `cut inside field ${message.fields[which]?.number ?? 0}`,
      bytes: Buffer.concat([...parts.slice(0, which), field.subarray(0, cut)]),
      blamed: 'request',
    }));
  });

  const lengthPastEnd = fc
    .tuple(
      fc.oneof(fc.constantFrom(...declaredNumbers), unknownFieldNumber(message)),
      bytesOf({ maxLength: 16 }),
      fc.bigInt({ min: 1n, max: 2n ** 32n }),
    )
    .map(([number, present, excess]) => ({
      kind: `field ${number} longer than the message`,
      bytes: Buffer.concat([
        ...parts,
        tag(number, WIRE_LENGTH_DELIMITED),
        varint(BigInt(present.length) + excess),
        present,
      ]),
      blamed: 'request',
    }));

  const truncatedVarint = fc
    .tuple(
      unknownFieldNumber(message),
      fc.array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 1, maxLength: 9 }),
      fc.boolean(),
    )
    .map(([number, continued, asTag]) => ({
      kind: asTag ? 'truncated tag' : 'truncated varint',
      bytes: Buffer.concat([...parts, ...(asTag ? [] : [tag(number, WIRE_VARINT)]), Buffer.from(continued)]),
      blamed: 'request',
    }));

  const overlongTag = fc
    .tuple(fc.oneof(fc.bigInt({ min: 2n ** 32n, max: 2n ** 64n - 1n }), fc.constant(2n ** 70n)), index, trailingGarbage)
    .map(([value, at, garbage]) => ({
      kind: 'tag beyond 32 bits',
      bytes: Buffer.concat([insertAt(parts, at, varint(value)), garbage]),
      blamed: 'request',
    }));

  const fieldZero = fc
    .tuple(fc.integer({ min: 0, max: 7 }), bytesOf({ maxLength: 8 }), index, trailingGarbage)
    .map(([wireType, payload, at, garbage]) => ({
      kind: `field number 0, wire type ${wireType}`,
      bytes: Buffer.concat([insertAt(parts, at, Buffer.concat([tag(0, wireType), payload])), garbage]),
      blamed: 'request',
    }));

  const groupsAndIllegalTypes = fc
    .tuple(
      unknownFieldNumber(message),
      fc.constantFrom(WIRE_START_GROUP, WIRE_END_GROUP, 6, 7),
      bytesOf({ maxLength: 8 }),
      index,
      trailingGarbage,
    )
    .map(([number, wireType, payload, at, garbage]) => ({
      kind: `unknown field with wire type ${wireType}`,
      bytes: Buffer.concat([insertAt(parts, at, Buffer.concat([tag(number, wireType), payload])), garbage]),
      blamed: 'request',
    }));

  const missingRequiredAmongUnknown = fc
    .tuple(
      fc.constantFrom(...message.required),
      fc.array(validUnknownField(message), { minLength: 1, maxLength: 4 }),
      fc.array(index, { minLength: 4, maxLength: 4 }),
    )
    .map(([missing, unknown, positions]) => {
      let kept = message.fields
        .filter((field) => field.number !== missing)
        .map((field) => lengthDelimited(field.number, field.value));
      unknown.forEach((field, position) => {
        kept = [...kept.slice(0, positions[position] ?? 0), field, ...kept.slice(positions[position] ?? 0)];
      });
      return {
        kind: `field ${missing} missing, unknown fields around`,
        bytes: Buffer.concat(kept),
        blamed: nameOf(missing),
      };
    });

  return fc.oneof(
    wrongWireType,
    invalidUtf8,
    cutInsideField,
    lengthPastEnd,
    truncatedVarint,
    overlongTag,
    fieldZero,
    groupsAndIllegalTypes,
    missingRequiredAmongUnknown,
  );
}

/**
 * The same valid message, re-encoded in ways proto3 parsers must accept: unknown fields anywhere, fields out of
 * order, a field repeated (the last one wins, so the repeat carries the same value).
 */
export function equivalentEncoding(message: WireMessage): fc.Arbitrary<Buffer> {
  return fc
    .tuple(
      fc.shuffledSubarray([...message.fields], { minLength: message.fields.length, maxLength: message.fields.length }),
      fc.array(validUnknownField(message), { maxLength: 4 }),
      fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
      fc.option(fc.constantFrom(...message.fields), { nil: undefined }),
    )
    .map(([ordered, unknown, positions, repeated]) => {
      let parts = [
        ...(repeated === undefined ? [] : [lengthDelimited(repeated.number, repeated.value)]),
        ...encodeFields(ordered),
      ];
      unknown.forEach((field, position) => {
        const at = (positions[position] ?? 0) % (parts.length + 1);
        parts = [...parts.slice(0, at), field, ...parts.slice(at)];
      });
      return Buffer.concat(parts);
    });
}
