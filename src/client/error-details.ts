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

/** The trailer in which the service sends a failed call's google.rpc.Status. */
export const STATUS_DETAILS_TRAILER = 'grpc-status-details-bin';

/**
 * The google.rpc error details of a failed call, as far as they could be read. The service always sends an
 * ErrorInfo (domain "reconnect.gameliftstreams.internal"); a status that grpc-js or a proxy produced on its own
 * (an oversized message, a local deadline) has none, so every field is optional.
 */
export interface DecodedErrorDetails {
  readonly errorInfo?: ErrorInfo;
  readonly badRequest?: BadRequest;
  readonly retryInfo?: RetryInfo;
  readonly quotaFailure?: QuotaFailure;
  readonly preconditionFailure?: PreconditionFailure;
  readonly resourceInfo?: ResourceInfo;
  readonly requestInfo?: RequestInfo;
}

interface Decoder<T> {
  decode(input: Uint8Array): T;
}

function attempt<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch {
    return undefined;
  }
}

/** The fully qualified name in a type URL: everything after its last '/'. */
function typeName(any: Any): string {
  return any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1);
}

/** The first detail of the given google.rpc type that decodes; undefined when there is none. */
function unpack<T>(details: ReadonlyArray<Any>, name: string, decoder: Decoder<T>): T | undefined {
  const fullName = `${googleRpcPackage}.${name}`;
  for (const any of details) {
    if (typeName(any) === fullName) {
      const message = attempt(() => decoder.decode(any.value));
      if (message !== undefined) {
        return message;
      }
    }
  }
  return undefined;
}

/** Decodes a serialized google.rpc.Status into its known details. Total: bytes that do not decode give none. */
export function decodeStatusDetails(bytes: Uint8Array): DecodedErrorDetails {
  const status = attempt(() => Status.decode(bytes));
  if (status === undefined) {
    return {};
  }
  return {
    errorInfo: unpack(status.details, 'ErrorInfo', ErrorInfo),
    badRequest: unpack(status.details, 'BadRequest', BadRequest),
    retryInfo: unpack(status.details, 'RetryInfo', RetryInfo),
    quotaFailure: unpack(status.details, 'QuotaFailure', QuotaFailure),
    preconditionFailure: unpack(status.details, 'PreconditionFailure', PreconditionFailure),
    resourceInfo: unpack(status.details, 'ResourceInfo', ResourceInfo),
    requestInfo: unpack(status.details, 'RequestInfo', RequestInfo),
  };
}

/** Reads the grpc-status-details-bin trailer of a failed call. Total: a missing or malformed trailer gives none. */
export function decodeErrorDetails(metadata: Metadata): DecodedErrorDetails {
  const bytes = metadata.get(STATUS_DETAILS_TRAILER).find((value): value is Buffer => Buffer.isBuffer(value));
  return bytes === undefined ? {} : decodeStatusDetails(bytes);
}
