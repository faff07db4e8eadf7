import { isUtf8 } from 'node:buffer';

import * as TE from 'fp-ts/TaskEither';

import type { StreamSessionReport } from '../domain/get-stream-session';
import type { FieldViolation } from '../domain/outcomes';
import type { ReconnectResult } from '../domain/reconnect';
import {
  GetStreamSessionRequest,
  ReconnectServiceService,
  ReconnectStreamSessionRequest,
  StreamSessionStatus,
  streamSessionStatusFromJSON,
  type GetStreamSessionResponse,
  type ReconnectServiceServer,
} from '../gen/reconnect/v1/reconnect';
import { unaryHandler, type UnaryAdapterOptions, type UnaryUseCase } from './unary-adapter';

/**
 * reconnect.v1.ReconnectService on grpc-js: the wire form of each request checked strictly before anything decodes
 * it, one generic adapter per RPC, and each result encoded as its response. No logic of its own.
 */

/**
 * A request message that is not a well-formed instance of its protobuf type. The strict deserializers below return
 * it instead of throwing, so the handler can answer INVALID_ARGUMENT (grpc-js answers a throwing deserializer with
 * a bare INTERNAL) and no use case ever sees the message.
 */
class UndecodableRequest {
  constructor(readonly violations: ReadonlyArray<FieldViolation>) {}
}

/** Wire types of the protobuf encoding. */
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;
const MAX_VARINT_BYTES = 10;
const MAX_TAG = 0xffff_ffff;

/** The string fields of a request message, by field number, with their proto names. */
type StringFields = ReadonlyMap<number, string>;

const RECONNECT_STRING_FIELDS: StringFields = new Map([
  [1, 'stream_group_identifier'],
  [2, 'stream_session_identifier'],
  [3, 'signal_request'],
  [4, 'client_token'],
  [5, 'user_id'],
]);

const GET_STREAM_SESSION_STRING_FIELDS: StringFields = new Map([
  [1, 'stream_group_identifier'],
  [2, 'stream_session_identifier'],
]);

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
function wireViolation(bytes: Uint8Array, stringFields: StringFields): FieldViolation | undefined {
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
    const stringField = stringFields.get(fieldNumber);
    if (stringField !== undefined && wireType !== LENGTH_DELIMITED) {
      return { field: stringField, description: `must be a string, but was sent with protobuf wire type ${wireType}` };
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

/** A deserializer that never throws: the decoded message, or an UndecodableRequest saying why there is none. */
function strictDeserializer<T>(
  decode: (bytes: Uint8Array) => T,
  stringFields: StringFields,
): (bytes: Buffer) => T | UndecodableRequest {
  return (bytes) => {
    const violation = wireViolation(bytes, stringFields);
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

/** reconnect.v1.ReconnectService as generated, with deserializers that turn bad bytes into INVALID_ARGUMENT. */
export const StrictReconnectServiceService = {
  ...ReconnectServiceService,
  reconnectStreamSession: {
    ...ReconnectServiceService.reconnectStreamSession,
    requestDeserialize: strictDeserializer(
      (bytes) => ReconnectStreamSessionRequest.decode(bytes),
      RECONNECT_STRING_FIELDS,
    ),
  },
  getStreamSession: {
    ...ReconnectServiceService.getStreamSession,
    requestDeserialize: strictDeserializer(
      (bytes) => GetStreamSessionRequest.decode(bytes),
      GET_STREAM_SESSION_STRING_FIELDS,
    ),
  },
} as const;

/** AWS spells statuses as our enum's names without the prefix; a status newer than the contract is UNSPECIFIED. */
function toStatusEnum(status: string | undefined): StreamSessionStatus {
  if (status === undefined) {
    return StreamSessionStatus.STREAM_SESSION_STATUS_UNSPECIFIED;
  }
  const known = streamSessionStatusFromJSON(`STREAM_SESSION_STATUS_${status}`);
  return known === StreamSessionStatus.UNRECOGNIZED ? StreamSessionStatus.STREAM_SESSION_STATUS_UNSPECIFIED : known;
}

function toGetStreamSessionResponse(report: StreamSessionReport): GetStreamSessionResponse {
  return {
    status: toStatusEnum(report.record.status),
    statusName: report.record.status ?? '',
    statusReason: report.record.statusReason ?? '',
    reconnectable: report.reconnectable,
    reconnectionWindowEndsAt: report.windowEndsAt,
    arn: report.record.arn ?? '',
    connectionTimeoutSeconds: report.record.connectionTimeoutSeconds ?? 0,
    lastUpdatedAt: report.record.lastUpdatedAt,
  };
}

/** A message the strict deserializer could not decode is an invalid request: no use case runs for it. */
function refusingUndecodable<Result>(useCase: UnaryUseCase<unknown, Result>): UnaryUseCase<unknown, Result> {
  return (request, context) =>
    request instanceof UndecodableRequest
      ? TE.left({ _tag: 'InvalidRequest', violations: request.violations })
      : useCase(request, context);
}

export interface ReconnectServiceUseCases {
  readonly reconnect: UnaryUseCase<unknown, ReconnectResult>;
  readonly getStreamSession: UnaryUseCase<unknown, StreamSessionReport>;
}

/** The grpc-js implementation of reconnect.v1.ReconnectService. */
export function reconnectServiceImplementation(
  useCases: ReconnectServiceUseCases,
  options: UnaryAdapterOptions,
): ReconnectServiceServer {
  return {
    reconnectStreamSession: unaryHandler(
      {
        useCase: refusingUndecodable(useCases.reconnect),
        encode: (result: ReconnectResult) => ({ signalResponse: result.signalResponse }),
        annotate: (result) => ({
          awsRequestId: result.awsRequestId,
          coalesced: result.coalesced,
          admissionWaitMs: Math.round(result.admissionWaitMs),
        }),
      },
      options,
    ),
    getStreamSession: unaryHandler(
      {
        useCase: refusingUndecodable(useCases.getStreamSession),
        encode: toGetStreamSessionResponse,
        annotate: () => ({}),
      },
      options,
    ),
  };
}
