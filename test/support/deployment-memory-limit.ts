import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { parse } from 'yaml';

import { REPOSITORY_ROOT } from '../deploy/dockerfile';

/** As much of a Deployment as says its first container's memory limit. */
const MemoryLimited = t.type({
  spec: t.type({
    template: t.type({
      spec: t.type({
        containers: t.array(t.type({ resources: t.type({ limits: t.type({ memory: t.string }) }) })),
      }),
    }),
  }),
});

/** Kubernetes' binary suffixes a memory limit is written with, in MiB. */
const MIB_PER_UNIT: Readonly<Record<string, number>> = { Mi: 1, Gi: 1024 };

/**
 * The memory limit of the service's container in deploy/base/deployment.yaml, in MiB: what a replica may use, and
 * so what Node sizes V8's heap from in production (the benchmark's pod scenario runs the service in it).
 */
export function deploymentMemoryLimitMiB(root: string = REPOSITORY_ROOT): number {
  const decoded = MemoryLimited.decode(
    parse(readFileSync(path.join(root, 'deploy', 'base', 'deployment.yaml'), 'utf8')),
  );
  const limit = E.isRight(decoded)
    ? decoded.right.spec.template.spec.containers[0]?.resources.limits.memory
    : undefined;
  const [, amount = '', unit = ''] = /^(\d+)(Mi|Gi)$/.exec(limit ?? '') ?? [];
  const perUnit = MIB_PER_UNIT[unit];
  if (perUnit === undefined) throw new Error(`the Deployment's memory limit is not in Mi or Gi: ${String(limit)}`);
  return Number(amount) * perUnit;
}
