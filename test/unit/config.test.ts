import { strict as assert } from 'node:assert';

import * as E from 'fp-ts/Either';

import { loadConfig } from '../../src/config';

describe('loadConfig', () => {
  it('defaults to the embedded emulator on loopback', () => {
    const config = loadConfig({});
    assert.ok(E.isRight(config));
    assert.deepEqual(config.right, {
      backend: 'emulator',
      grpcHost: '127.0.0.1',
      grpcPort: 50051,
      regions: ['us-west-2'],
      maxSignalRequestBytes: 65536,
      deadlineBudgetMs: 10000,
      upstreamMaxSockets: 64,
      upstreamMaxAttempts: 3,
      admission: { enabled: true, ratePerSecond: 20, burst: 5, queueLimit: 2400 },
      shutdown: { graceMs: 15000, drainDelayMs: 1000 },
      reflectionEnabled: true,
      grpcServer: {
        keepaliveTimeMs: 60000,
        keepaliveTimeoutMs: 20000,
        maxConnectionAgeMs: 1800000,
        maxConnectionAgeGraceMs: 30000,
        maxConcurrentStreams: 1000,
      },
      emulatorHost: '127.0.0.1',
      emulatorPort: 50052,
      logLevel: 'info',
    });
  });

  it('serves the regions it is given, AWS_REGION first by default', () => {
    const fromRegion = loadConfig({ RECONNECT_BACKEND: 'aws', AWS_REGION: 'eu-west-1' });
    assert.ok(E.isRight(fromRegion));
    assert.deepEqual(fromRegion.right.regions, ['eu-west-1']);
    const fromList = loadConfig({ RECONNECT_BACKEND: 'aws', AWS_REGION: 'eu-west-1', RECONNECT_REGIONS: 'us-east-1, eu-west-1' });
    assert.ok(E.isRight(fromList));
    assert.deepEqual(fromList.right.regions, ['us-east-1', 'eu-west-1']);
  });

  it('names every bad variable in one message', () => {
    const config = loadConfig({
      RECONNECT_BACKEND: 'gcp',
      GRPC_PORT: '70000',
      RECONNECT_MAX_SIGNAL_REQUEST_BYTES: '-1',
      LOG_LEVEL: 'loud',
      AWS_SECRET_ACCESS_KEY: 'not-read',
    });
    assert.ok(E.isLeft(config));
    const lines = config.left.split('\n');
    assert.equal(lines[0], 'invalid configuration:');
    assert.deepEqual(
      lines.slice(1).map((line) => line.trim().split(':')[0]),
      ['RECONNECT_BACKEND', 'GRPC_PORT', 'RECONNECT_MAX_SIGNAL_REQUEST_BYTES', 'LOG_LEVEL'],
    );
    assert.match(config.left, /GRPC_PORT: must be an integer from 0 to 65535 \(got "70000"\)/);
    assert.doesNotMatch(config.left, /not-read/);
  });

  it('requires a region for real AWS', () => {
    const config = loadConfig({ RECONNECT_BACKEND: 'aws' });
    assert.ok(E.isLeft(config));
    assert.match(config.left, /AWS_REGION: is required/);
  });
});
