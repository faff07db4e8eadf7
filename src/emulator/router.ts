import type { OperationName } from './operations';

/**
 * An httpLabel value. Labels are percent-decoded only after the path has been split on `/`, because the SDK encodes a
 * session ARN's `/` as `%2F` and decoding first would add path segments.
 */
export type Label =
  { readonly kind: 'decoded'; readonly value: string } | { readonly kind: 'malformed'; readonly raw: string };

export type GroupRoute = {
  readonly operation: Extract<OperationName, 'StartStreamSession' | 'ListStreamSessions'>;
  readonly identifier: Label;
  readonly query: URLSearchParams;
};

export type SessionRoute = {
  readonly operation: Extract<
    OperationName,
    'GetStreamSession' | 'TerminateStreamSession' | 'CreateStreamSessionConnection'
  >;
  readonly identifier: Label;
  readonly streamSessionIdentifier: Label;
  readonly query: URLSearchParams;
};

/** An operation of the whole account, with no label. */
export type AccountRoute = {
  readonly operation: Extract<OperationName, 'ListStreamSessionsByAccount'>;
  readonly query: URLSearchParams;
};

export type AwsRoute = GroupRoute | SessionRoute | AccountRoute;

export interface RawTarget {
  readonly rawPath: string;
  readonly query: URLSearchParams;
}

/** Splits a request target into its undecoded path and its parsed query. */
export const splitTarget = (target: string): RawTarget => {
  const questionMark = target.indexOf('?');
  return questionMark === -1
    ? { rawPath: target, query: new URLSearchParams() }
    : { rawPath: target.slice(0, questionMark), query: new URLSearchParams(target.slice(questionMark + 1)) };
};

export const decodeLabel = (raw: string): Label => {
  try {
    return { kind: 'decoded', value: decodeURIComponent(raw) };
  } catch {
    // decodeURIComponent throws URIError on a stray `%`; a malformed label is reported as a validation error later.
    return { kind: 'malformed', raw };
  }
};

/** What the request log and error messages show for a label. */
export const labelText = (label: Label): string => (label.kind === 'decoded' ? label.value : label.raw);

/** Matches a request against the six operations' URI templates; `undefined` means no operation has that route. */
export const routeAwsRequest = (method: string, target: RawTarget): AwsRoute | undefined => {
  if (target.rawPath === '/streamsessions') {
    return method === 'GET' ? { operation: 'ListStreamSessionsByAccount', query: target.query } : undefined;
  }
  const segments = target.rawPath.split('/');
  const [leading, collection, groupLabel, sessions, sessionLabel, connections] = segments;
  if (leading !== '' || collection !== 'streamgroups' || groupLabel === undefined || sessions !== 'streamsessions') {
    return undefined;
  }
  const identifier = decodeLabel(groupLabel);
  const { query } = target;
  if (segments.length === 4) {
    switch (method) {
      case 'POST':
        return { operation: 'StartStreamSession', identifier, query };
      case 'GET':
        return { operation: 'ListStreamSessions', identifier, query };
      default:
        return undefined;
    }
  }
  if (sessionLabel === undefined) {
    return undefined;
  }
  const streamSessionIdentifier = decodeLabel(sessionLabel);
  if (segments.length === 5) {
    switch (method) {
      case 'GET':
        return { operation: 'GetStreamSession', identifier, streamSessionIdentifier, query };
      case 'DELETE':
        return { operation: 'TerminateStreamSession', identifier, streamSessionIdentifier, query };
      default:
        return undefined;
    }
  }
  if (segments.length === 6 && connections === 'connections' && method === 'POST') {
    return { operation: 'CreateStreamSessionConnection', identifier, streamSessionIdentifier, query };
  }
  return undefined;
};
