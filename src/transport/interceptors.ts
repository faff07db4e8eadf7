import { randomUUID } from 'node:crypto';

import * as grpc from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';

import { STATUS_DETAILS_TRAILER, decodeStatusDetails } from '../contract/error-details';
import type { Caller } from '../domain/call-context';
import { flatLineLogger, type FlatLine, type Logger } from '../logging/logger';
import { authenticate, type AuthenticationPolicy } from '../security/authentication';
import { statusOf, statusTrailers } from './outcome-status';

/**
 * The server's interceptors, one per concern: metrics, the access log, open-call tracking for shutdown, and
 * authentication. grpc-js runs them in list order from the network inwards (the first sees every status any of the
 * others sends), so the service lists them in that order, authentication last, nearest the handlers.
 *
 * Two values cross them typed, as the objects grpc-js hands from one layer to the next: the request metadata that
 * authentication passes on carries the caller it established (AuthenticatedMetadata), and the trailers a handler
 * answers with carry what the access line should say about the call (AnnotatedTrailers).
 */

/** The method a call is for, as far as the interceptors look at it. */
export type CallMethod = Pick<
  grpc.ServerMethodDefinition<unknown, unknown>,
  'path' | 'requestStream' | 'responseStream'
>;

/** One call being observed, from the moment the server sees it. */
export interface CallObservation {
  /** Called with every status sent on the call (normally one), as it passes the interceptor. */
  finished(code: grpc.status): void;
}

/** Told about every call the server sees (metrics). */
export interface CallObserver {
  callStarted(method: CallMethod): CallObservation;
}

/** Copies every value of every key but `authorization`: once checked, no later code (or log) sees the token. */
function copyWithoutCredentials(from: grpc.Metadata, into: grpc.Metadata): void {
  for (const key of Object.keys(from.getMap())) {
    if (key !== 'authorization') {
      for (const value of from.get(key)) {
        into.add(key, value);
      }
    }
  }
}

/** Request metadata as authentication passes it on: the caller it established travels with the call, typed. */
export class AuthenticatedMetadata extends grpc.Metadata {
  constructor(
    readonly caller: Caller,
    received: grpc.Metadata,
  ) {
    super();
    copyWithoutCredentials(received, this);
  }
}

/** What the access line says about a call beyond its status: never a signal string, token or user id. */
export type AccessAnnotations = FlatLine;

/** Trailers as a handler answers with them: what the access line should say about the call travels with them. */
export class AnnotatedTrailers extends grpc.Metadata {
  constructor(readonly annotations: AccessAnnotations) {
    super();
  }
}

/** Counts every call from its start to every status it sends: refusals of the interceptors after it included. */
export function metricsInterceptor(observer: CallObserver): grpc.ServerInterceptor {
  return (method, inner) => {
    const observation = observer.callStarted(method);
    return new grpc.ServerInterceptingCall(inner, {
      // The status goes out first: counting it is not on the call's path.
      sendStatus: (status, next) => {
        next(status);
        observation.finished(status.code);
      },
    });
  };
}

export const REQUEST_ID_KEY = 'x-request-id';

/** A caller's request id is kept only if it is a plain token, so logs cannot be forged or flooded through it. */
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's `x-request-id`, or a fresh one: it ties the caller's logs, ours and AWS's request id together. */
function requestIdOf(metadata: grpc.Metadata): string {
  const [given] = metadata.get(REQUEST_ID_KEY);
  return typeof given === 'string' && ACCEPTABLE_REQUEST_ID.test(given) ? given : randomUUID();
}

/** Client-side outcomes are routine; refused credentials and grants, and server-side outcomes, deserve attention. */
const ROUTINE_CODES: ReadonlySet<grpc.status> = new Set([
  grpc.status.OK,
  grpc.status.INVALID_ARGUMENT,
  grpc.status.NOT_FOUND,
  grpc.status.FAILED_PRECONDITION,
  grpc.status.CANCELLED,
]);

function levelOf(code: grpc.status): 'info' | 'warn' | 'error' {
  if (code === grpc.status.INTERNAL) return 'error';
  return ROUTINE_CODES.has(code) ? 'info' : 'warn';
}

export interface AccessLogOptions {
  readonly logger: Logger;
  /** Methods logged at debug only (health checks: probes every few seconds would drown the calls that matter). */
  readonly quietMethods: ReadonlySet<string>;
}

/**
 * One access line per call, whatever ended it: method, code, duration, peer, request id, the ErrorInfo reason and AWS
 * request id of a failure (read from the status's own details), and the handler's annotations. Every call gets a
 * request id: the caller's when usable, else a fresh one; it is passed on in the metadata (so the handler sees the
 * same one) and returned to the caller as response metadata.
 */
export function accessLogInterceptor(options: AccessLogOptions): grpc.ServerInterceptor {
  const { quietMethods } = options;
  const accessLog = flatLineLogger(options.logger);
  return (method, inner) => {
    const startedAt = performance.now();
    // Set from the call's metadata as it arrives; a call refused before that gets a fresh one when it ends.
    let requestId: string | undefined;
    const callRequestId = (): string => (requestId ??= randomUUID());
    let headersSent = false;
    const call: grpc.ServerInterceptingCall = new grpc.ServerInterceptingCall(inner, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, passOn) => {
            requestId = requestIdOf(metadata);
            metadata.set(REQUEST_ID_KEY, requestId);
            passOn(metadata);
          },
        }),
      sendMetadata: (metadata, next) => {
        headersSent = true;
        metadata.set(REQUEST_ID_KEY, callRequestId());
        next(metadata);
      },
      sendStatus: (status, next) => {
        if (!headersSent) {
          // Also a call refused before its handler ran gets its request id back.
          call.sendMetadata(new grpc.Metadata());
        }
        const trailers = status.metadata ?? undefined;
        const [details] = trailers?.get(STATUS_DETAILS_TRAILER) ?? [];
        const errorInfo = Buffer.isBuffer(details) ? decodeStatusDetails(details).errorInfo : undefined;
        const annotations = trailers instanceof AnnotatedTrailers ? trailers.annotations : {};
        const line: FlatLine = {
          method: method.path,
          code: status.code,
          codeName: grpc.status[status.code],
          durationMs: Math.round(performance.now() - startedAt),
          peer: inner.getPeer(),
          requestId: callRequestId(),
          reason: errorInfo?.reason,
          awsRequestId: errorInfo?.metadata['awsRequestId'],
          ...annotations,
        };
        const message = status.code === grpc.status.OK ? 'rpc OK' : (status.details ?? grpc.status[status.code]);
        // The status goes out first: writing the line is not on the call's path.
        next(status);
        accessLog.log(quietMethods.has(method.path) ? 'debug' : levelOf(status.code), line, message);
      },
    });
    return call;
  };
}

/**
 * Remembers the open calls of one method so they can be ended from outside their handler. The health Watch stream
 * never ends by itself, and grpc-js's tryShutdown waits for every open call: without this, any client watching health
 * would hold every shutdown for its whole grace and then be cancelled.
 */
export interface OpenCallTracker {
  /** The full path of the method whose calls are tracked. */
  readonly methodPath: string;
  opened(call: grpc.ServerInterceptingCall): void;
  /** May be reported more than once for a call (its status, then grpc-js's cancel). */
  closed(call: grpc.ServerInterceptingCall): void;
}

/** Reports the calls of the tracker's method as they open and close; other calls pass untouched. */
export function openCallTrackingInterceptor(tracker: OpenCallTracker): grpc.ServerInterceptor {
  return (method, inner) => {
    const tracked = method.path === tracker.methodPath;
    const call: grpc.ServerInterceptingCall = new grpc.ServerInterceptingCall(inner, {
      // grpc-js reports the end of every call, whoever ended it, as a cancel to the listeners.
      start: (next) => next(tracked ? { onCancel: () => tracker.closed(call) } : {}),
      sendStatus: (status, next) => {
        if (tracked) tracker.closed(call);
        next(status);
      },
    });
    if (tracked) tracker.opened(call);
    return call;
  };
}

export interface AuthenticationOptions {
  readonly policy: AuthenticationPolicy;
  /** Full method paths callable without credentials (health checks, by default). */
  readonly exemptMethods: ReadonlySet<string>;
}

/**
 * Authenticates every call before any other work: a call with missing or unknown credentials is answered
 * UNAUTHENTICATED, its message never read and no handler run. Otherwise the metadata goes on as AuthenticatedMetadata,
 * without the `authorization` value.
 */
export function authenticationInterceptor(options: AuthenticationOptions): grpc.ServerInterceptor {
  return (method, inner) => {
    const call: grpc.ServerInterceptingCall = new grpc.ServerInterceptingCall(inner, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, passOn) => {
            if (options.exemptMethods.has(method.path)) {
              metadata.remove('authorization');
              passOn(metadata);
              return;
            }
            const caller = authenticate(options.policy, metadata, inner.getAuthContext().sslPeerCertificate);
            if (E.isLeft(caller)) {
              const report = statusOf(caller.left);
              call.sendStatus({ code: report.code, details: report.message, metadata: statusTrailers(report) });
              return;
            }
            passOn(new AuthenticatedMetadata(caller.right, metadata));
          },
        }),
    });
    return call;
  };
}
