import { randomUUID } from 'node:crypto';

import { status, type handleServerStreamingCall, type ServerWritableStream } from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';
import { absurd } from 'fp-ts/function';

import type { WatchFailure } from '../domain/outcomes';
import type { WatchListener, WatchStreams } from '../domain/watch';
import type { SessionChange, WatchedSession } from '../domain/watch-feed';
import {
  WatchEventType,
  type WatchedStreamSession,
  type WatchStreamSessionsRequest,
  type WatchStreamSessionsResponse,
} from '../gen/reconnect/v1/reconnect';
import { flatLineLogger, type Logger } from '../logging/logger';
import { AnnotatedTrailers, AuthenticatedMetadata, REQUEST_ID_KEY } from './interceptors';
import { defectStatus, statusOf, statusTrailers, type StatusReport } from './outcome-status';
import { toStatusEnum } from './status-enum';
import { UndecodableRequest } from './strict-decoding';

/**
 * WatchStreamSessions on grpc-js: the use case's snapshot and changes as stream messages, written no faster than the
 * client reads them (a bounded buffer per stream; past it the stream ends), and exactly one final status, whatever
 * ends the stream: the feed, the buffer, a defect, the client's cancel or the replica's shutdown.
 */

/** The kinds of message a watch stream sends, as metrics name them. */
export type WatchEventName = 'snapshot_session' | 'snapshot_complete' | 'disconnected' | 'reconnected' | 'ended';

export const WATCH_EVENT_NAMES: ReadonlyArray<WatchEventName> = [
  'snapshot_session',
  'snapshot_complete',
  'disconnected',
  'reconnected',
  'ended',
];

/** Told of every message a watch stream hands to grpc-js. */
export interface WatchStreamObserver {
  eventSent(event: WatchEventName): void;
}

export interface WatchStreamOptions {
  readonly logger: Logger;
  readonly currentTraceId: () => string | undefined;
  /** Changes that may wait for a slow client, beyond what grpc-js itself holds; the snapshot is not counted. */
  readonly bufferMessages: number;
  readonly observer: WatchStreamObserver;
}

function wireSession(session: WatchedSession): WatchedStreamSession {
  return {
    arn: session.arn,
    status: toStatusEnum(session.status),
    statusName: session.status ?? '',
    statusReason: session.statusReason ?? '',
    lastUpdatedAt: session.lastUpdatedAt,
    reconnectionWindowEndsAt: session.windowEndsAt,
  };
}

function eventOf(change: SessionChange): { readonly type: WatchEventType; readonly name: WatchEventName } {
  switch (change._tag) {
    case 'Disconnected':
      return { type: WatchEventType.WATCH_EVENT_TYPE_DISCONNECTED, name: 'disconnected' };
    case 'Reconnected':
      return { type: WatchEventType.WATCH_EVENT_TYPE_RECONNECTED, name: 'reconnected' };
    case 'Ended':
      return { type: WatchEventType.WATCH_EVENT_TYPE_ENDED, name: 'ended' };
    default:
      return absurd(change);
  }
}

/** How a stream ended: with a status it sends, or by the client's cancel (no status reaches the client). */
type StreamEnd = { readonly _tag: 'Status'; readonly report: StatusReport } | { readonly _tag: 'Cancelled' };

type WatchCall = ServerWritableStream<WatchStreamSessionsRequest | UndecodableRequest, WatchStreamSessionsResponse>;

/** A client cancels when its own deadline passes, a moment before ours (its clock started earlier): that is the deadline. */
const DEADLINE_CANCEL_TOLERANCE_MS = 250;

/** The caller's deadline in epoch milliseconds; Infinity when it set none, as a watch usually does. */
function deadlineMillis(call: WatchCall): number {
  const deadline = call.getDeadline();
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

/** The handler of WatchStreamSessions over the replica's open watches. */
export function watchStreamHandler(
  streams: WatchStreams,
  options: WatchStreamOptions,
): handleServerStreamingCall<WatchStreamSessionsRequest | UndecodableRequest, WatchStreamSessionsResponse> {
  const { logger, currentTraceId, bufferMessages, observer } = options;
  const accessLog = flatLineLogger(logger);
  return (call: WatchCall) => {
    const startedAt = performance.now();
    const [requestIdValue] = call.metadata.get(REQUEST_ID_KEY);
    const requestId = typeof requestIdValue === 'string' ? requestIdValue : randomUUID();
    const caller = call.metadata instanceof AuthenticatedMetadata ? call.metadata.caller : undefined;
    const traceId = currentTraceId();
    /** Messages grpc-js would not take yet: it said so by returning false from write, until 'drain'. */
    const waiting: Array<{
      readonly message: WatchStreamSessionsResponse;
      readonly name: WatchEventName;
      readonly ofSnapshot: boolean;
    }> = [];
    /**
     * Of those, the snapshot's: it comes in one burst, as large as the group's pending set, so it is not held to the
     * bound; only changes the client has not kept up with are.
     */
    let snapshotWaiting = 0;
    let draining = false;
    let eventsSent = 0;
    let ended = false;
    let closeWatch = (): void => undefined;

    const annotations = (): Readonly<Record<string, string | number | undefined>> => ({
      caller: caller?.name,
      traceId,
      eventsSent,
    });

    /** The one end of the stream: the watch closed, and one status sent (none for a cancel, logged here instead). */
    const finish = (end: StreamEnd): void => {
      if (ended) return;
      ended = true;
      waiting.length = 0;
      snapshotWaiting = 0;
      call.removeListener('drain', onDrain);
      call.removeListener('cancelled', onCancelled);
      closeWatch();
      switch (end._tag) {
        case 'Cancelled': {
          // grpc-js sends no status for a cancelled call, nor through the interceptors for a deadline it enforces
          // itself, so the access interceptor never sees either: the line is ours.
          const code =
            Date.now() >= deadlineMillis(call) - DEADLINE_CANCEL_TOLERANCE_MS
              ? status.DEADLINE_EXCEEDED
              : status.CANCELLED;
          accessLog.log(
            'info',
            {
              method: call.getPath(),
              code,
              codeName: status[code],
              durationMs: Math.round(performance.now() - startedAt),
              peer: call.getPeer(),
              requestId,
              ...annotations(),
            },
            code === status.CANCELLED ? 'the caller cancelled the stream' : "the stream's deadline passed",
          );
          return;
        }
        case 'Status':
          call.emit('error', {
            code: end.report.code,
            details: end.report.message,
            metadata: statusTrailers(end.report, new AnnotatedTrailers(annotations())),
          });
          return;
        default:
          return absurd(end);
      }
    };

    const onDefect = (defect: unknown): void => {
      logger.error({ method: call.getPath(), err: defect, requestId }, 'defect in the watch stream');
      finish({ _tag: 'Status', report: defectStatus(requestId) });
    };

    const fail = (failure: WatchFailure): void => finish({ _tag: 'Status', report: statusOf(failure, requestId) });

    const write = (message: WatchStreamSessionsResponse, name: WatchEventName): void => {
      eventsSent += 1;
      observer.eventSent(name);
      if (!call.write(message)) draining = true;
    };

    /** Sends at once while grpc-js takes messages; keeps up to the bound while it does not; past it, the end. */
    const send = (message: WatchStreamSessionsResponse, name: WatchEventName, ofSnapshot: boolean): void => {
      if (ended) return;
      if (!draining) {
        write(message, name);
        return;
      }
      if (!ofSnapshot && waiting.length - snapshotWaiting >= bufferMessages) {
        fail({ _tag: 'WatchFellBehind', bufferMessages });
        return;
      }
      if (ofSnapshot) snapshotWaiting += 1;
      waiting.push({ message, name, ofSnapshot });
    };

    function onDrain(): void {
      draining = false;
      while (!ended && !draining) {
        const next = waiting.shift();
        if (next === undefined) return;
        if (next.ofSnapshot) snapshotWaiting -= 1;
        write(next.message, next.name);
      }
    }

    function onCancelled(): void {
      finish({ _tag: 'Cancelled' });
    }

    const guarded =
      <A extends unknown[]>(action: (...args: A) => void) =>
      (...args: A): void => {
        try {
          action(...args);
        } catch (defect) {
          onDefect(defect);
        }
      };

    const listener: WatchListener = {
      snapshot: guarded((sessions) => {
        for (const session of sessions) {
          send(
            { type: WatchEventType.WATCH_EVENT_TYPE_SNAPSHOT_SESSION, session: wireSession(session) },
            'snapshot_session',
            true,
          );
        }
        send(
          { type: WatchEventType.WATCH_EVENT_TYPE_SNAPSHOT_COMPLETE, session: undefined },
          'snapshot_complete',
          true,
        );
      }),
      change: guarded((change) => {
        const event = eventOf(change);
        send({ type: event.type, session: wireSession(change.session) }, event.name, false);
      }),
      end: guarded((reason) => fail(reason)),
    };

    call.on('drain', onDrain);
    call.on('cancelled', onCancelled);
    try {
      if (caller === undefined) {
        // Only a call that reached its handler without passing the authentication interceptor: never served.
        finish({
          _tag: 'Status',
          report: statusOf({ _tag: 'Unauthenticated', problem: 'MissingCredentials' }, requestId),
        });
        return;
      }
      const request = call.request;
      if (request instanceof UndecodableRequest) {
        fail({ _tag: 'InvalidRequest', violations: request.violations });
        return;
      }
      const opened = streams.watch(request, caller, listener);
      if (E.isLeft(opened)) {
        fail(opened.left);
        return;
      }
      closeWatch = opened.right;
      // The feed may have ended the stream while it subscribed.
      if (ended) closeWatch();
    } catch (defect) {
      onDefect(defect);
    }
  };
}
