import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { GameLiftStreamsClient } from '@aws-sdk/client-gameliftstreams';

import { freeLoopbackPort } from '../../bench/process/free-port';
import { ReconnectClient } from '../../src/client/reconnect-client';
import { EmulatorControl } from '../../src/emulator/control-client';
import { DEMO_STREAM_GROUP_ID } from '../../src/emulator/demo';
import { EMULATOR_SDK_CREDENTIALS } from '../../src/emulator/sdk-credentials';
import { startDisconnectedSession } from '../support/disconnected-sessions';
import { connectionCallsReceived } from '../support/emulator-counters';
import { logMessageStartingWith, ServiceProcess } from '../support/service-process';
import { expectRight } from '../support/task-either';

const PRELOAD = path.resolve(__dirname, '..', 'support', 'preload');

/** Whether something accepts TCP connections on 127.0.0.1:port right now. */
function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function loadedModules(env: Readonly<Record<string, string>>): Promise<ReadonlyArray<string>> {
  const folder = await mkdtemp(path.join(tmpdir(), 'loaded-modules-'));
  try {
    const report = path.join(folder, 'modules.txt');
    const service = ServiceProcess.launch({ ...env, LOADED_MODULES_REPORT: report }, [
      '--require',
      path.join(PRELOAD, 'loaded-modules-report.js'),
    ]);
    try {
      await service.untilLogged(logMessageStartingWith('reconnect.v1.ReconnectService serving gRPC'));
      service.signal('SIGTERM');
      assert.deepEqual(await service.exited(), { code: 0, signal: null });
    } finally {
      service.kill();
    }
    return (await readFile(report, 'utf8')).split('\n');
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

const isEmulatorModule = (file: string): boolean => file.includes(`${path.sep}src${path.sep}emulator${path.sep}`);

describe('the service process, from start to exit', function () {
  this.timeout(30_000);

  it('refuses the emulator backend on a non-loopback address, naming RECONNECT_BACKEND, however secure the rest', async () => {
    const service = ServiceProcess.launch({
      GRPC_HOST: '0.0.0.0',
      GRPC_TLS_CERT_FILE: '/etc/reconnect/tls/server.pem',
      GRPC_TLS_KEY_FILE: '/etc/reconnect/tls/server.key',
      RECONNECT_CALLERS_FILE: '/etc/reconnect/callers.json',
    });
    assert.deepEqual(await service.exited(), { code: 1, signal: null });
    const { stdout, stderr } = service.output();
    assert.equal(stdout, '');
    assert.match(stderr, /RECONNECT_BACKEND: the embedded emulator's answers are made up/);
  });

  it('embeds an emulator that serves every region of RECONNECT_REGIONS, each with the demo group', async () => {
    const service = await ServiceProcess.start({ RECONNECT_REGIONS: 'us-west-2,eu-west-1' });
    const client = new ReconnectClient(service.grpcAddress);
    const aws = new GameLiftStreamsClient({
      region: 'eu-west-1',
      endpoint: service.emulatorEndpoint,
      credentials: EMULATOR_SDK_CREDENTIALS,
    });
    try {
      const control = new EmulatorControl(service.emulatorEndpoint, { region: 'eu-west-1' });
      const session = await startDisconnectedSession(aws, control, { groupId: DEMO_STREAM_GROUP_ID });
      assert.match(session.arn, /^arn:aws:gameliftstreams:eu-west-1:/);

      const reconnected = await expectRight(
        client.reconnectStreamSession({
          streamGroupIdentifier: DEMO_STREAM_GROUP_ID,
          streamSessionIdentifier: session.arn,
          signalRequest: '{"type":"offer","sdp":"v=0 second-region"}',
        }),
      );
      assert.notEqual(reconnected.signalResponse, '');
      assert.equal(await connectionCallsReceived(control), 1, 'served from eu-west-1');
      assert.equal(await connectionCallsReceived(control.forRegion('us-west-2')), 0, 'not from the default region');
    } finally {
      aws.destroy();
      client.close();
      service.signal('SIGTERM');
      await service.exited();
    }
  });

  it("loads the emulator's code only when it is the backend", async () => {
    const onAws = await loadedModules({
      RECONNECT_BACKEND: 'aws',
      AWS_REGION: 'us-west-2',
      AWS_ENDPOINT_URL_GAMELIFTSTREAMS: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'AKIDLIFECYCLE',
      AWS_SECRET_ACCESS_KEY: 'not-a-secret',
    });
    assert.ok(
      onAws.some((file) => file.endsWith(`${path.sep}main.js`)),
      'the report lists the modules loaded',
    );
    assert.deepEqual(onAws.filter(isEmulatorModule), []);
    const onEmulator = await loadedModules({});
    assert.ok(onEmulator.some(isEmulatorModule), 'with the emulator backend, its modules are loaded');
  });

  it('runs the whole shutdown sequence for a SIGTERM that comes the moment the port accepts connections', async () => {
    const port = await freeLoopbackPort();
    const service = ServiceProcess.launch({ GRPC_PORT: String(port), RECONNECT_SHUTDOWN_DRAIN_DELAY_MS: '0' });
    try {
      let open = false;
      // Bounded in count (about 10 s of 2 ms pauses): start-up takes a second or two.
      for (let attempt = 0; attempt < 5000 && !open; attempt += 1) {
        open = await accepting(port);
        if (!open) await new Promise((resolve) => setTimeout(resolve, 2));
      }
      assert.ok(open, 'the port never opened');
      service.signal('SIGTERM');
      assert.deepEqual(await service.exitedWithin(15_000), { code: 0, signal: null });
      assert.ok(service.messages().includes('shutdown: stopped'), service.messages().join('\n'));
    } finally {
      service.kill();
    }
  });

  it('exits 1 when start-up fails after the embedded emulator is listening', async () => {
    const service = ServiceProcess.launch({}, ['--require', path.join(PRELOAD, 'second-http-server-throws.js')]);
    try {
      assert.deepEqual(await service.exitedWithin(15_000), { code: 1, signal: null });
      assert.match(service.output().stderr, /fatal: Error: a defect the test put in start-up/);
    } finally {
      service.kill();
    }
  });
});
