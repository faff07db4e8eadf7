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
      healthPort: undefined,
      regions: ['us-west-2'],
      maxSignalRequestBytes: 65536,
      deadlineBudgetMs: 10000,
      upstreamMaxSockets: 64,
      upstreamMaxAttempts: 3,
      admission: {
        rates: { CreateStreamSessionConnection: 20, GetStreamSession: 20, ListStreamSessions: 5 },
        burst: 5,
        queueLimit: 2400,
      },
      fleet: { redis: undefined, maxReplicas: 10, cooldownMs: 3000 },
      owners: { size: 100_000, ttlMs: 86_400_000 },
      watch: {
        pollIntervalMs: 1000,
        assumedConnectionTimeoutSeconds: 120,
        failedPollsLimit: 10,
        bufferMessages: 1000,
        maxStreamsPerCaller: 32,
      },
      shutdown: { graceMs: 15000, drainDelayMs: 1000 },
      reflectionEnabled: true,
      grpcServer: {
        keepaliveTimeMs: 60000,
        keepaliveTimeoutMs: 20000,
        maxConnectionAgeMs: 1800000,
        maxConnectionAgeGraceMs: 30000,
        maxConcurrentStreams: 1000,
      },
      security: {
        tls: undefined,
        callersFile: undefined,
        allowInsecurePlaintext: false,
        healthRequiresAuthentication: false,
      },
      metrics: { enabled: true, host: '127.0.0.1', port: 9464 },
      logFormat: 'auto',
      emulatorHost: '127.0.0.1',
      emulatorPort: 50052,
      logLevel: 'info',
    });
  });

  it('shares budgets through Redis when told where it is, and never shows the URL back', () => {
    const config = loadConfig({
      RECONNECT_REDIS_URL: 'rediss://user:s3cret@redis.internal:6380/0',
      RECONNECT_REDIS_KEY_PREFIX: 'acct-1:prod',
      RECONNECT_FLEET_MAX_REPLICAS: '5',
    });
    assert.ok(E.isRight(config));
    assert.deepEqual(config.right.fleet, {
      redis: {
        url: 'rediss://user:s3cret@redis.internal:6380/0',
        passwordFile: undefined,
        keyPrefix: 'acct-1:prod',
        callTimeoutMs: 250,
      },
      maxReplicas: 5,
      cooldownMs: 3000,
    });
    const refused = loadConfig({ RECONNECT_REDIS_URL: 'http://user:s3cret@redis.internal' });
    assert.ok(E.isLeft(refused));
    assert.match(refused.left, /RECONNECT_REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL with a host/);
    assert.doesNotMatch(refused.left, /s3cret/);
  });

  it('refuses a RECONNECT_ setting it does not know: a typo must not go unnoticed', () => {
    const config = loadConfig({ RECONNECT_UPSTREAM_RATE_PER_SECOND: '10', RECONNECT_REDIS_URI: 'redis://127.0.0.1' });
    assert.ok(E.isLeft(config));
    assert.match(config.left, /RECONNECT_UPSTREAM_RATE_PER_SECOND: is not a setting of this service/);
    assert.match(config.left, /RECONNECT_REDIS_URI: is not a setting of this service/);
  });

  it('serves the regions it is given, AWS_REGION first by default', () => {
    const fromRegion = loadConfig({ RECONNECT_BACKEND: 'aws', AWS_REGION: 'eu-west-1' });
    assert.ok(E.isRight(fromRegion));
    assert.deepEqual(fromRegion.right.regions, ['eu-west-1']);
    const fromList = loadConfig({
      RECONNECT_BACKEND: 'aws',
      AWS_REGION: 'eu-west-1',
      RECONNECT_REGIONS: 'us-east-1, eu-west-1',
    });
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

  it('refuses plaintext and unauthenticated serving on a non-loopback address, naming both problems', () => {
    const config = loadConfig({ GRPC_HOST: '0.0.0.0' });
    assert.ok(E.isLeft(config));
    assert.match(config.left, /refusing plaintext gRPC on the non-loopback address "0.0.0.0"/);
    assert.match(config.left, /refusing to serve "0.0.0.0" with no authentication/);
  });

  it('serves a non-loopback address with TLS and callers, or behind a mesh when plaintext is explicitly allowed', () => {
    const aws = { RECONNECT_BACKEND: 'aws', AWS_REGION: 'us-west-2' };
    assert.ok(
      E.isRight(
        loadConfig({
          ...aws,
          GRPC_HOST: '0.0.0.0',
          GRPC_TLS_CERT_FILE: 'c.pem',
          GRPC_TLS_KEY_FILE: 'k.pem',
          RECONNECT_CALLERS_FILE: 'callers.json',
        }),
      ),
    );
    assert.ok(
      E.isRight(
        loadConfig({
          ...aws,
          GRPC_HOST: '0.0.0.0',
          GRPC_TLS_CERT_FILE: 'c.pem',
          GRPC_TLS_KEY_FILE: 'k.pem',
          GRPC_TLS_CLIENT_CA_FILE: 'ca.pem',
        }),
      ),
    );
    assert.ok(
      E.isRight(
        loadConfig({
          ...aws,
          GRPC_HOST: '10.1.2.3',
          GRPC_ALLOW_INSECURE_PLAINTEXT: 'true',
          RECONNECT_CALLERS_FILE: 'callers.json',
        }),
      ),
    );
  });

  it('refuses the emulator backend off loopback, however secure the rest: its answers are made up', () => {
    for (const host of ['0.0.0.0', '10.1.2.3', '::', 'reconnect.internal']) {
      const config = loadConfig({
        GRPC_HOST: host,
        GRPC_TLS_CERT_FILE: 'c.pem',
        GRPC_TLS_KEY_FILE: 'k.pem',
        RECONNECT_CALLERS_FILE: 'callers.json',
      });
      assert.ok(E.isLeft(config), host);
      assert.equal(config.left.split('\n').length, 2, 'one line under the heading');
      assert.match(
        config.left,
        /RECONNECT_BACKEND: the embedded emulator's answers are made up, so it is served on loopback only/,
      );
      assert.match(config.left, /set RECONNECT_BACKEND=aws/);
    }
  });

  it('allows development without TLS or callers on loopback only', () => {
    for (const host of ['127.0.0.1', '::1', 'localhost', '127.0.0.2']) {
      assert.ok(E.isRight(loadConfig({ GRPC_HOST: host })), host);
    }
  });

  it('needs both halves of a TLS key pair, and a key pair for mutual TLS', () => {
    const config = loadConfig({ GRPC_TLS_CERT_FILE: 'c.pem', GRPC_TLS_CLIENT_CA_FILE: 'ca.pem' });
    assert.ok(E.isLeft(config));
    assert.match(config.left, /GRPC_TLS_KEY_FILE: is required with GRPC_TLS_CERT_FILE/);
    assert.match(config.left, /GRPC_TLS_CLIENT_CA_FILE: mutual TLS needs/);
  });
});
