import { strict as assert } from 'node:assert';

import * as grpc from '@grpc/grpc-js';

import { ReconnectClient } from '../../src/client/reconnect-client';
import { ANONYMOUS_LOOPBACK_CALLER } from '../../src/security/authentication';
import { bindServer, createGrpcServer } from '../../src/transport/grpc-server';
import { authenticationInterceptor, metricsInterceptor } from '../../src/transport/interceptors';
import { WatchStreams } from '../../src/domain/watch';
import { reconnectServiceImplementation } from '../../src/transport/reconnect-service';
import type { UnaryUseCase } from '../../src/transport/reconnect-service';
import { CapturedLogs } from '../support/captured-logs';
import { testServiceConfig } from '../support/service-config';
import { expectLeft } from '../support/task-either';

/** A use case that throws the moment it is called, before it returns any TaskEither. */
const throwsWhenCalled: UnaryUseCase<unknown, never> = () => {
  throw new RangeError('a synchronous defect the test put in the use case');
};

/** A use case whose TaskEither throws the moment it is run, before it returns any promise. */
const throwsWhenRun: UnaryUseCase<unknown, never> = () => () => {
  throw new RangeError('a synchronous defect the test put in the task');
};

/** Watches this suite never opens: its feeds have nothing to say. */
const feedlessWatches = new WatchStreams({
  policy: { defaultRegion: 'us-west-2', servedRegions: new Set(['us-west-2']) },
  feeds: { subscribe: () => () => undefined, close: () => Promise.resolve() },
  maxStreamsPerCaller: 1,
});

describe('a use case that throws synchronously', function () {
  this.timeout(20_000);
  const statuses: string[] = [];
  const logs = new CapturedLogs();
  let server: grpc.Server | undefined;
  let client: ReconnectClient | undefined;

  before(async () => {
    const config = testServiceConfig();
    // The transport as the service composes it, around use cases of the test's own.
    server = createGrpcServer(
      reconnectServiceImplementation(
        { reconnect: throwsWhenCalled, getStreamSession: throwsWhenRun, watches: feedlessWatches },
        { logger: logs.logger, deadlineBudgetMs: config.deadlineBudgetMs, currentTraceId: () => undefined },
        {
          logger: logs.logger,
          currentTraceId: () => undefined,
          bufferMessages: config.watch.bufferMessages,
          observer: { eventSent: () => undefined },
        },
      ),
      {
        maxMessageBytes: 65_536,
        tuning: config.grpcServer,
        interceptors: [
          metricsInterceptor({ callStarted: () => ({ finished: (code) => void statuses.push(grpc.status[code]) }) }),
          authenticationInterceptor({
            policy: { directory: () => undefined, clientCertificates: false, anonymous: ANONYMOUS_LOOPBACK_CALLER },
            exemptMethods: new Set(),
          }),
        ],
      },
    );
    const bound = await bindServer(server, '127.0.0.1', 0, grpc.ServerCredentials.createInsecure())();
    assert.ok(bound._tag === 'Right');
    client = new ReconnectClient(`127.0.0.1:${bound.right}`);
  });

  after(() => {
    client?.close();
    server?.forceShutdown();
  });

  beforeEach(() => {
    statuses.length = 0;
  });

  const request = {
    streamGroupIdentifier: 'sg-1AB2C3De4',
    streamSessionIdentifier: 'ABC123def4567',
    signalRequest: 'v=0 offer',
  };

  it('is answered exactly once, INTERNAL with the generic message, when the use case throws as it is called', async () => {
    const error = await expectLeft(
      client?.reconnectStreamSession(request, { deadlineMs: 5000 }) ?? assert.fail('no client'),
    );
    assert.equal(error.code, grpc.status.INTERNAL);
    assert.equal(error.message, 'internal error in the reconnect service; it has been logged');
    assert.equal(error.details.errorInfo?.reason, 'INTERNAL_ERROR');
    assert.deepEqual(statuses, ['INTERNAL']);
    assert.match(logs.text(), /a synchronous defect the test put in the use case/);
  });

  it('is answered exactly once, INTERNAL, when its task throws as it is run', async () => {
    const error = await expectLeft(
      client?.getStreamSession(
        {
          streamGroupIdentifier: request.streamGroupIdentifier,
          streamSessionIdentifier: request.streamSessionIdentifier,
        },
        { deadlineMs: 5000 },
      ) ?? assert.fail('no client'),
    );
    assert.equal(error.code, grpc.status.INTERNAL);
    assert.deepEqual(statuses, ['INTERNAL']);
  });
});
