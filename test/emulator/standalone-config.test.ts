import { strict as assert } from 'node:assert';
import * as E from 'fp-ts/Either';
import type { EmulatorOptions } from '../../src/emulator/options';
import { standaloneOptions } from '../../src/emulator/standalone-config';

const regionsOf = (env: Readonly<Record<string, string>>): Pick<EmulatorOptions, 'region' | 'regions'> | string => {
  const options = standaloneOptions(env);
  return E.isLeft(options) ? options.left : { region: options.right.region, regions: options.right.regions };
};

describe('emulator units: standaloneOptions, the regions', () => {
  it('reads EMULATOR_REGIONS as a comma-separated list, default first, trimming blanks and dropping empty entries', () => {
    assert.deepEqual(regionsOf({ EMULATOR_REGIONS: ' us-west-2, eu-west-1 ,,ap-northeast-1,' }), {
      region: undefined,
      regions: ['us-west-2', 'eu-west-1', 'ap-northeast-1'],
    });
  });

  it('falls back to EMULATOR_REGION as a one-region list, then to us-west-2', () => {
    assert.deepEqual(regionsOf({ EMULATOR_REGION: 'eu-central-1' }), { region: 'eu-central-1', regions: undefined });
    assert.deepEqual(regionsOf({ EMULATOR_REGIONS: '' }), { region: 'us-west-2', regions: undefined });
    assert.deepEqual(regionsOf({}), { region: 'us-west-2', regions: undefined });
  });

  it('refuses EMULATOR_REGION and EMULATOR_REGIONS together', () => {
    assert.equal(
      regionsOf({ EMULATOR_REGION: 'us-west-2', EMULATOR_REGIONS: 'us-west-2,eu-west-1' }),
      'set EMULATOR_REGION or EMULATOR_REGIONS, not both',
    );
  });
});
