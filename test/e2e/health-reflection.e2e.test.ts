import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import * as grpc from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';

import { RECONNECT_SERVICE_NAME } from '../../src/transport/grpc-server';
import { addReflection, describeReflectionSetupError, type ReflectionSettings } from '../../src/transport/reflection';
import { HealthClient } from '../support/health-client';
import { ReflectionClient } from '../support/reflection-client';
import {
  disconnectedSession,
  GROUP_ID,
  useHarness,
  type Closable,
  type Harness,
  type HarnessOptions,
} from '../support/service-harness';
import { useSuiteFixture } from '../support/suite-fixture';
import { expectLeft, expectRight } from '../support/task-either';

const OFFER = '{"type":"offer","sdp":"v=0 health-e2e-offer"}';

/**
 * Registers the suite's harness and one client of it (health or reflection), for the whole suite; returns getters.
 * The harness closes the client with its own clients, before its service stops.
 */
function useHarnessWithClient<Client extends Closable>(
  connect: (address: string) => Client,
  options: HarnessOptions = {},
): { readonly harness: () => Harness; readonly client: () => Client } {
  const harness = useHarness(options);
  const client = useSuiteFixture('the client', {
    start: () => Promise.resolve(harness().closeWith(connect(harness().address))),
  });
  return { harness, client };
}

describe('health: grpc.health.v1.Health', function () {
  this.timeout(30_000);

  describe('while serving', () => {
    const { client: health } = useHarnessWithClient((address) => new HealthClient(address));

    it('answers SERVING for the whole server ("") and for reconnect.v1.ReconnectService', async () => {
      assert.equal(await expectRight(health().check('')), 'SERVING');
      assert.equal(await expectRight(health().check('reconnect.v1.ReconnectService')), 'SERVING');
    });

    it('answers NOT_FOUND for a service it does not serve', async () => {
      const failure = await expectLeft(health().check('reconnect.v1.NoSuchService'));
      assert.equal(failure.code, grpc.status.NOT_FOUND);
    });
  });

  describe('when draining begins', () => {
    const { harness, client: health } = useHarnessWithClient((address) => new HealthClient(address));

    it('turns NOT_SERVING for every name, tells Watch streams, and still answers calls until stopped', async () => {
      const wholeServer = health().watch('');
      const ourService = health().watch(RECONNECT_SERVICE_NAME);
      assert.deepEqual(await wholeServer.untilSeen(1), ['SERVING']);
      assert.deepEqual(await ourService.untilSeen(1), ['SERVING']);

      harness().service.beginDrain();

      assert.deepEqual(await wholeServer.untilSeen(2), ['SERVING', 'NOT_SERVING']);
      assert.deepEqual(await ourService.untilSeen(2), ['SERVING', 'NOT_SERVING']);
      assert.equal(await expectRight(health().check('')), 'NOT_SERVING');
      assert.equal(await expectRight(health().check(RECONNECT_SERVICE_NAME)), 'NOT_SERVING');
      // Draining only asks load balancers to move away; a call that still arrives is served.
      const session = await disconnectedSession(harness());
      await expectRight(
        harness().client.reconnectStreamSession({
          streamGroupIdentifier: GROUP_ID,
          streamSessionIdentifier: session.id,
          signalRequest: OFFER,
        }),
      );

      // Open Watch streams would hold tryShutdown until the grace ran out; stop ends them instead.
      const outcome = await harness().service.stop(5000);
      assert.equal(outcome, 'drained');
      assert.equal((await wholeServer.ended()).code, grpc.status.UNAVAILABLE);
      assert.equal((await ourService.ended()).code, grpc.status.UNAVAILABLE);
    });
  });
});

describe('server reflection: grpc.reflection.v1.ServerReflection', function () {
  this.timeout(30_000);

  describe('enabled (the default)', () => {
    const { client: reflection } = useHarnessWithClient((address) => new ReflectionClient(address));

    it('lists reconnect.v1.ReconnectService, grpc.health.v1.Health and the reflection services', async () => {
      const services = await expectRight(reflection().listServices());
      assert.deepEqual([...services].sort(), [
        'grpc.health.v1.Health',
        'grpc.reflection.v1.ServerReflection',
        'grpc.reflection.v1alpha.ServerReflection',
        'reconnect.v1.ReconnectService',
      ]);
    });

    it('describes reconnect.v1.ReconnectService together with the files it imports', async () => {
      const files = await expectRight(reflection().fileContainingSymbol(RECONNECT_SERVICE_NAME));
      // A FileDescriptorProto carries its file name as plain UTF-8, so the names can be found in the bytes.
      const described = (name: string): boolean => files.some((file) => file.includes(name));
      assert.ok(described('reconnect/v1/reconnect.proto'), 'the service file itself');
      assert.ok(described('google/protobuf/timestamp.proto'), 'its import, so tools can decode Timestamp fields');
    });
  });

  describe('disabled (RECONNECT_REFLECTION_ENABLED=false)', () => {
    const { harness, client: reflection } = useHarnessWithClient((address) => new ReflectionClient(address), {
      reflectionEnabled: false,
    });

    it('is UNIMPLEMENTED, while health still answers', async () => {
      const failure = await expectLeft(reflection().listServices());
      assert.equal(failure.code, grpc.status.UNIMPLEMENTED);
      const health = new HealthClient(harness().address);
      try {
        assert.equal(await expectRight(health.check('')), 'SERVING');
      } finally {
        health.close();
      }
    });
  });

  describe('a bad descriptor set is a start-up error, not a surprise later', () => {
    let folder: string;
    const settings = (descriptorSetPath: string): ReflectionSettings => ({
      enabled: true,
      descriptorSetPath,
      requiredServices: [RECONNECT_SERVICE_NAME],
    });

    before(async () => {
      folder = await mkdtemp(path.join(tmpdir(), 'reflection-'));
    });
    after(async () => {
      await rm(folder, { recursive: true, force: true });
    });

    it('a missing file names the file, the build step and the switch', async () => {
      const missing = path.join(folder, 'missing.binpb');
      const result = await addReflection(new grpc.Server(), settings(missing))();
      assert.ok(E.isLeft(result));
      assert.equal(result.left._tag, 'DescriptorSetUnreadable');
      const message = describeReflectionSetupError(result.left);
      assert.ok(message.includes(missing), message);
      assert.match(message, /npm run build/);
      assert.match(message, /RECONNECT_REFLECTION_ENABLED=false/);
    });

    it('a file that does not describe the service is refused', async () => {
      const empty = path.join(folder, 'empty.binpb');
      await writeFile(empty, Buffer.alloc(0));
      const result = await addReflection(new grpc.Server(), settings(empty))();
      assert.ok(E.isLeft(result));
      assert.deepEqual(result.left, { _tag: 'ServiceNotDescribed', path: empty, serviceName: RECONNECT_SERVICE_NAME });
    });

    it('when disabled, no file is needed', async () => {
      const result = await addReflection(new grpc.Server(), {
        ...settings(path.join(folder, 'absent')),
        enabled: false,
      })();
      assert.ok(E.isRight(result));
    });
  });
});
