import { strict as assert } from 'node:assert';

import * as grpc from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';

import { loadConfig } from '../../src/config';
import { RECONNECT_SERVICE_NAME } from '../../src/transport/grpc-server';
import { randomToken, useCallersFile } from '../support/callers-fixture';
import { HealthClient } from '../support/health-client';
import { logMessageStartingWith, ServiceProcess, type LogEntry } from '../support/service-process';
import { useSuiteFixture } from '../support/suite-fixture';
import { expectLeft, expectRight } from '../support/task-either';
import { createServiceTestPki, type ServiceTestPki } from '../support/test-pki';

/** What the kubelet's native gRPC probe is: a plaintext grpc.health.v1 client, with no credentials. */
const probe = (port: number): HealthClient => new HealthClient(`127.0.0.1:${port}`);

const portOf = (entry: LogEntry, field: string): number => {
  const port = entry[field];
  assert.equal(typeof port, 'number', `the serving line names its ${field}`);
  return Number(port);
};

/** Calls a method by path on the health port, with an empty request, and resolves to the status code it ends with. */
function callCode(port: number, path: string): Promise<grpc.status> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise<grpc.status>((resolve) => {
    client.makeUnaryRequest(
      path,
      () => Buffer.alloc(0),
      (bytes: Buffer) => bytes,
      Buffer.alloc(0),
      { deadline: Date.now() + 5000 },
      (error: grpc.ServiceError | null) => resolve(error?.code ?? grpc.status.OK),
    );
  }).finally(() => client.close());
}

describe('the health port (GRPC_HEALTH_PORT): health in plaintext for probes, beside a TLS service port', function () {
  this.timeout(30_000);
  const pki = useSuiteFixture<ServiceTestPki>('the test PKI', {
    start: () => createServiceTestPki(),
    close: (made) => made.pki.remove(),
  });
  const callers = useCallersFile([{ name: 'matchmaker', token: randomToken(), streamGroups: ['*'] }]);

  const startService = async (): Promise<{ readonly service: ServiceProcess; readonly healthPort: number }> => {
    const service = ServiceProcess.launch({
      GRPC_TLS_CERT_FILE: pki().server.certFile,
      GRPC_TLS_KEY_FILE: pki().server.keyFile,
      RECONNECT_CALLERS_FILE: callers().path,
      GRPC_HEALTH_PORT: '0',
      RECONNECT_SHUTDOWN_DRAIN_DELAY_MS: '500',
    });
    try {
      const serving = await service.untilLogged(logMessageStartingWith('reconnect.v1.ReconnectService serving gRPC'));
      return { service, healthPort: portOf(serving, 'healthPort') };
    } catch (error: unknown) {
      service.kill();
      throw error;
    }
  };

  it('answers SERVING for both names, which a plaintext probe of the TLS port cannot get', async () => {
    const { service, healthPort } = await startService();
    const onHealthPort = probe(healthPort);
    const onServicePort = new HealthClient(service.grpcAddress);
    try {
      assert.equal(await expectRight(onHealthPort.check('')), 'SERVING');
      assert.equal(await expectRight(onHealthPort.check(RECONNECT_SERVICE_NAME)), 'SERVING');
      assert.equal((await expectLeft(onHealthPort.check('reconnect.v1.NoSuchService'))).code, grpc.status.NOT_FOUND);
      // The kubelet's probe speaks plaintext only: on the TLS port it never gets an answer.
      assert.equal((await expectLeft(onServicePort.check(''))).code, grpc.status.UNAVAILABLE);
    } finally {
      onHealthPort.close();
      onServicePort.close();
      service.kill();
    }
  });

  it('serves nothing but health Check and Watch: List and the service itself are UNIMPLEMENTED there', async () => {
    const { service, healthPort } = await startService();
    try {
      assert.equal(await callCode(healthPort, '/grpc.health.v1.Health/List'), grpc.status.UNIMPLEMENTED);
      assert.equal(
        await callCode(healthPort, `/${RECONNECT_SERVICE_NAME}/ReconnectStreamSession`),
        grpc.status.UNIMPLEMENTED,
      );
      assert.equal(
        await callCode(healthPort, '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo'),
        grpc.status.UNIMPLEMENTED,
      );
    } finally {
      service.kill();
    }
  });

  it('turns NOT_SERVING on SIGTERM, ends its Watch streams, and the process still exits 0', async () => {
    const { service, healthPort } = await startService();
    const onHealthPort = probe(healthPort);
    try {
      const watch = onHealthPort.watch(RECONNECT_SERVICE_NAME);
      assert.deepEqual(await watch.untilSeen(1), ['SERVING']);
      service.signal('SIGTERM');
      assert.deepEqual(await watch.untilSeen(2), ['SERVING', 'NOT_SERVING']);
      assert.equal((await watch.ended()).code, grpc.status.UNAVAILABLE);
      assert.deepEqual(await service.exited(), { code: 0, signal: null });
      assert.ok(service.messages().includes('shutdown: every call in flight finished'), service.messages().join('\n'));
    } finally {
      onHealthPort.close();
      service.kill();
    }
  });

  it('is refused where health needs credentials, and on the service port itself', () => {
    const refusal = (env: NodeJS.ProcessEnv): string => {
      const loaded = loadConfig(env);
      return E.isLeft(loaded) ? loaded.left : 'accepted';
    };
    assert.match(
      refusal({ GRPC_HEALTH_PORT: '8081', RECONNECT_HEALTH_REQUIRES_AUTH: 'true' }),
      /GRPC_HEALTH_PORT: serves health in plaintext without credentials/,
    );
    assert.match(refusal({ GRPC_HEALTH_PORT: '50051' }), /GRPC_HEALTH_PORT: must differ from GRPC_PORT/);
    assert.match(refusal({ GRPC_HEALTH_PORT: 'health' }), /GRPC_HEALTH_PORT: must be an integer from 0 to 65535/);
    assert.equal(refusal({ GRPC_HEALTH_PORT: '8081' }), 'accepted');
  });
});
