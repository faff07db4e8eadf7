import { pipe } from 'fp-ts/function';
import * as TE from 'fp-ts/TaskEither';

import type { CallContext } from './call-context';
import { authorizeStreamGroup } from './caller';
import { invalidRequest, type ReconnectError } from './reconnect-error';
import { decodeSessionReference, type RegionPolicy } from './session-reference';
import { reconnectability, type Reconnectability, type StreamSessionReader, type StreamSessionRecord } from './stream-session-status';

export interface StreamSessionReport extends Reconnectability {
  readonly record: StreamSessionRecord;
}

export interface GetStreamSessionDependencies {
  readonly policy: RegionPolicy;
  readonly reader: StreamSessionReader;
  readonly now: () => Date;
}

/** The matchmaker's question: what state is this session in, and can it still be reconnected? */
export function getStreamSession(
  dependencies: GetStreamSessionDependencies,
): (request: unknown, context: CallContext) => TE.TaskEither<ReconnectError, StreamSessionReport> {
  const decode = decodeSessionReference(dependencies.policy);
  return (request, context) =>
    pipe(
      TE.fromEither(decode(request)),
      TE.mapLeft(invalidRequest),
      TE.chainFirstEitherK((reference) => authorizeStreamGroup(context.caller, reference)),
      TE.chain((reference) => dependencies.reader.getStreamSession(reference, context)),
      TE.map((record) => ({ record, ...reconnectability(record, dependencies.now()) })),
    );
}
