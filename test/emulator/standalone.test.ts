import { strict as assert } from 'node:assert';
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import {
  GetStreamSessionCommand,
  ListStreamSessionsCommand,
  StartStreamSessionCommand,
} from '@aws-sdk/client-gameliftstreams';
import { DEMO_STREAM_GROUP_ID } from '../../src/emulator/demo';
import { sdkClient } from './support/fixture';

const parseLine = (line: string): unknown => {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
};

/** The first stdout line that names the endpoint, or a failure after `timeoutMs`. */
const endpointFrom = (child: ChildProcess, timeoutMs: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the emulator did not log its endpoint in time')), timeoutMs);
    if (child.stdout === null) {
      clearTimeout(timer);
      reject(new Error('no stdout'));
      return;
    }
    createInterface({ input: child.stdout }).on('line', (line) => {
      const parsed = parseLine(line);
      if (
        typeof parsed === 'object' &&
        parsed !== null &&
        'endpoint' in parsed &&
        typeof parsed.endpoint === 'string'
      ) {
        clearTimeout(timer);
        resolve(parsed.endpoint);
      }
    });
  });

describe('emulator: standalone process (dist/src/emulator/main.js)', () => {
  it('logs its endpoint as JSON, serves the seeded demo group, and exits 0 on SIGTERM', async () => {
    const main = path.resolve(__dirname, '../../src/emulator/main.js');
    const child = spawn(process.execPath, [main], {
      env: { ...process.env, EMULATOR_PORT: '0', EMULATOR_HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const endpoint = await endpointFrom(child, 10_000);
      assert.match(endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
      const sdk = sdkClient(endpoint);
      try {
        const started = await sdk.send(
          new StartStreamSessionCommand({
            Identifier: DEMO_STREAM_GROUP_ID,
            Protocol: 'WebRTC',
            SignalRequest: 'offer',
            ApplicationIdentifier: 'a-demo00001',
          }),
        );
        const got = await sdk.send(
          new GetStreamSessionCommand({ Identifier: DEMO_STREAM_GROUP_ID, StreamSessionIdentifier: started.Arn ?? '' }),
        );
        assert.equal(got.Status, 'ACTIVE');
      } finally {
        sdk.destroy();
      }
      child.kill('SIGTERM');
      const code = await exited;
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
      }
    }
  });
});

describe('emulator: standalone process with EMULATOR_REGIONS', () => {
  it('serves every region listed, each with the demo group seeded', async () => {
    const main = path.resolve(__dirname, '../../src/emulator/main.js');
    const child = spawn(process.execPath, [main], {
      env: {
        ...process.env,
        EMULATOR_PORT: '0',
        EMULATOR_HOST: '127.0.0.1',
        EMULATOR_REGION: '',
        EMULATOR_REGIONS: 'us-west-2,eu-west-1',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const endpoint = await endpointFrom(child, 10_000);
      for (const region of ['us-west-2', 'eu-west-1']) {
        const sdk = sdkClient(endpoint, region);
        try {
          // ResourceNotFoundException unless the demo group was seeded in this region.
          const listed = await sdk.send(new ListStreamSessionsCommand({ Identifier: DEMO_STREAM_GROUP_ID }));
          assert.deepEqual(listed.Items, [], region);
        } finally {
          sdk.destroy();
        }
      }
    } finally {
      child.kill('SIGTERM');
    }
  });
});
