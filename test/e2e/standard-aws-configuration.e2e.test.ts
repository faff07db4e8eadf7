import { strict as assert } from 'node:assert';

import { startReconnectService } from '../../src/app';
import { ReconnectClient } from '../../src/client/reconnect-client';
import { EmulatorControl } from '../../src/emulator/control-client';
import { startEmulator } from '../../src/emulator/server';
import { CapturedLogs } from '../support/captured-logs';
import { testServiceConfig } from '../support/service-config';
import { expectLeft, expectRight } from '../support/task-either';

/** The variables the SDK's standard configuration reads; set only for this test and restored after. */
const STANDARD_VARIABLES = ['AWS_ENDPOINT_URL_GAMELIFTSTREAMS', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

describe('the "aws" backend uses the standard AWS configuration, unchanged', function () {
  this.timeout(20_000);
  const saved = new Map<string, string | undefined>();

  before(() => {
    for (const name of STANDARD_VARIABLES) saved.set(name, process.env[name]);
  });
  after(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('finds its endpoint in AWS_ENDPOINT_URL_GAMELIFTSTREAMS and its credentials in the default chain', async () => {
    const emulator = await expectRight(startEmulator({ host: '127.0.0.1', port: 0 }));
    const control = new EmulatorControl(emulator.endpoint);
    await expectRight(control.createStreamGroup({ id: 'sg-stdconfig' }));
    process.env.AWS_ENDPOINT_URL_GAMELIFTSTREAMS = emulator.endpoint;
    process.env.AWS_ACCESS_KEY_ID = 'AKIDSTANDARDCHAIN';
    process.env.AWS_SECRET_ACCESS_KEY = 'emulator-does-not-check-signatures';
    const logs = new CapturedLogs();
    const service = await expectRight(
      startReconnectService({ ...testServiceConfig(), upstream: { _tag: 'Aws' }, logger: logs.logger }),
    );
    const client = new ReconnectClient(`127.0.0.1:${service.port}`);
    try {
      // A session that does not exist proves the call reached the emulator (its NOT_FOUND, its request id).
      const missing = await expectLeft(
        client.reconnectStreamSession({
          streamGroupIdentifier: 'sg-stdconfig',
          streamSessionIdentifier: 'NoSuchSession1',
          signalRequest: 'offer-std-config',
          clientToken: undefined,
        }),
      );
      assert.match(missing.message, /ResourceNotFoundException.*AWS request id/);
      const seen = await expectRight(control.requests('CreateStreamSessionConnection'));
      assert.equal(seen.requests.length, 1);
    } finally {
      client.close();
      await service.stop(1000);
      await emulator.close();
    }
  });
});
