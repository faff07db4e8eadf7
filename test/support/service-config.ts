import * as E from 'fp-ts/Either';

import type { ServiceConfig } from '../../src/app';
import { loadConfig } from '../../src/config';

/** The service's defaults, as `npm start` would use them, on an ephemeral loopback port, with test overrides. */
export function testServiceConfig(overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  const defaults = loadConfig({});
  if (E.isLeft(defaults)) {
    throw new Error(defaults.left);
  }
  return {
    ...defaults.right,
    grpcHost: '127.0.0.1',
    grpcPort: 0,
    metrics: { enabled: true, host: '127.0.0.1', port: 0 },
    ...overrides,
  };
}
