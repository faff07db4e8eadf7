import type { Metadata } from '@grpc/grpc-js';

import type { Any } from '../gen/google/protobuf/any';
import {
  BadRequest,
  ErrorInfo,
  PreconditionFailure,
  QuotaFailure,
  RequestInfo,
  ResourceInfo,
  RetryInfo,
  protobufPackage as googleRpcPackage,
} from '../gen/google/rpc/error_details';
import { Status } from '../gen/google/rpc/status';

/**
 * The rich error model of reconnect.v1 (https://google.aip.dev/193), shared by the server, which encodes it, and the
 * TypeScript client, which decodes it: one list of the google.rpc detail types a status may carry.
 */

/** The ErrorInfo domain of every error this service answers (named in the proto's documentation). */
export const ERROR_DOMAIN = 'reconnect.gameliftstreams.internal';

/** The trailer that carries the serialized google.rpc.Status of a failed call. */
export const STATUS_DETAILS_TRAILER = 'grpc-status-details-bin';

/**
 * The google.rpc error details of one failed call: exactly one ErrorInfo, and each other type at most once. Only
 * identifiers, AWS request ids, error names and numbers go in here; never a signal string, a token, a credential, or
 * AWS's free-text message.
 */
export type ErrorDetails = Readonly<Pick<DetailMessages, 'errorInfo'>> & Readonly<Partial<DetailMessages>>;

/** Every google.rpc detail type a status of this service may carry, by its key in ErrorDetails. */
interface DetailMessages {
  errorInfo: ErrorInfo;
  badRequest: BadRequest;
  resourceInfo: ResourceInfo;
  preconditionFailure: PreconditionFailure;
  retryInfo: RetryInfo;
  quotaFailure: QuotaFailure;
  requestInfo: RequestInfo;
}

/**
 * The details as a client reads them: all optional, because a status that grpc-js or a proxy produced on its own (an
 * oversized message, a local deadline) carries none.
 */
export type DecodedErrorDetails = Partial<ErrorDetails>;

type DetailKey = keyof DetailMessages;

interface DetailType<T> {
  /** The message's name in package google.rpc. */
  readonly name: string;
  readonly codec: {
    encode(message: T): { finish(): Uint8Array };
    decode(input: Uint8Array): T;
  };
}

/** Every detail type, in the order they are sent (ErrorInfo first). */
const DETAIL_TYPES: { readonly [K in DetailKey]: DetailType<DetailMessages[K]> } = {
  errorInfo: { name: 'ErrorInfo', codec: ErrorInfo },
  badRequest: { name: 'BadRequest', codec: BadRequest },
  resourceInfo: { name: 'ResourceInfo', codec: ResourceInfo },
  preconditionFailure: { name: 'PreconditionFailure', codec: PreconditionFailure },
  retryInfo: { name: 'RetryInfo', codec: RetryInfo },
  quotaFailure: { name: 'QuotaFailure', codec: QuotaFailure },
  requestInfo: { name: 'RequestInfo', codec: RequestInfo },
};

const DETAIL_KEYS = [
  'errorInfo',
  'badRequest',
  'resourceInfo',
  'preconditionFailure',
  'retryInfo',
  'quotaFailure',
  'requestInfo',
] as const satisfies ReadonlyArray<DetailKey>;

/** Fails to compile when a key of ErrorDetails is missing from DETAIL_KEYS. */
const everyKeyListed: [Exclude<DetailKey, (typeof DETAIL_KEYS)[number]>] extends [never] ? true : never = true;
void everyKeyListed;

const typeUrlOf = (name: string): string => `type.googleapis.com/${googleRpcPackage}.${name}`;

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function pack<K extends DetailKey>(key: K, details: Partial<DetailMessages>): Any[] {
  const message: DetailMessages[K] | undefined = details[key];
  if (message === undefined) return [];
  const type: DetailType<DetailMessages[K]> = DETAIL_TYPES[key];
  return [{ typeUrl: typeUrlOf(type.name), value: asBuffer(type.codec.encode(message).finish()) }];
}

/** A failed call's status as it goes on the wire. */
export interface DetailedStatus {
  readonly code: number;
  readonly message: string;
  readonly details: ErrorDetails;
}

/** The serialized google.rpc.Status; its code and message are the call's own. */
export function encodeStatus(status: DetailedStatus): Buffer {
  const details = DETAIL_KEYS.flatMap((key) => pack(key, status.details));
  return asBuffer(Status.encode({ code: status.code, message: status.message, details }).finish());
}

function attempt<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch {
    return undefined;
  }
}

/** The first detail of this type that decodes; undefined when there is none. */
function unpack<T>(type: DetailType<T>, details: ReadonlyArray<Any>): T | undefined {
  const fullName = `${googleRpcPackage}.${type.name}`;
  for (const any of details) {
    // The name is everything after the type URL's last '/', whatever its prefix.
    if (any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1) === fullName) {
      const message = attempt(() => type.codec.decode(any.value));
      if (message !== undefined) return message;
    }
  }
  return undefined;
}

type MutableDecodedDetails = Partial<DetailMessages>;

function unpackInto<K extends DetailKey>(decoded: MutableDecodedDetails, key: K, details: ReadonlyArray<Any>): void {
  const type: DetailType<DetailMessages[K]> = DETAIL_TYPES[key];
  const message = unpack(type, details);
  if (message !== undefined) decoded[key] = message;
}

/** Decodes a serialized google.rpc.Status into its known details. Total: bytes that do not decode give none. */
export function decodeStatusDetails(bytes: Uint8Array): DecodedErrorDetails {
  const status = attempt(() => Status.decode(bytes));
  const decoded: MutableDecodedDetails = {};
  for (const key of DETAIL_KEYS) {
    if (status !== undefined) unpackInto(decoded, key, status.details);
  }
  return decoded;
}

/** Reads the grpc-status-details-bin trailer of a failed call. Total: a missing or malformed trailer gives none. */
export function decodeErrorDetails(metadata: Metadata): DecodedErrorDetails {
  const bytes = metadata.get(STATUS_DETAILS_TRAILER).find((value): value is Buffer => Buffer.isBuffer(value));
  return bytes === undefined ? {} : decodeStatusDetails(bytes);
}
