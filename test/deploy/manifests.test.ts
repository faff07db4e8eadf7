import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as grpc from '@grpc/grpc-js';
import * as E from 'fp-ts/Either';
import { parseAllDocuments } from 'yaml';

import { wire } from '../../src/app';
import { bindServer } from '../../src/transport/grpc-server';
import { CapturedLogs } from '../support/captured-logs';
import { HealthClient } from '../support/health-client';
import { testServiceConfig } from '../support/service-config';
import { REPOSITORY_ROOT } from './dockerfile';
import {
  isObject,
  kindOf,
  KUBERNETES_YAML,
  nameOf,
  renderKustomization,
  type Json,
  type JsonObject,
  type Manifest,
} from './kustomize';
import { manifestProblems } from './manifest-checks';
import { generatedMonitoringFiles } from './monitoring';
import { schemaProblems, schemaValidationAvailable } from './schema';

const RENDERINGS = ['deploy/base', 'deploy/overlays/example'];
const docs = (name: string): string => readFileSync(path.join(REPOSITORY_ROOT, 'docs', name), 'utf8');

const render = (directory: string): ReadonlyArray<Manifest> =>
  renderKustomization(path.join(REPOSITORY_ROOT, directory));

/** The health names the probes of a rendering ask for. */
function probedNames(manifests: ReadonlyArray<Manifest>): ReadonlyArray<string> {
  return manifests.flatMap(
    (manifest) =>
      JSON.stringify(manifest)
        .match(/"grpc":\{[^{}]*\}/g)
        ?.map((probe) => {
          const parsed: unknown = JSON.parse(`{${probe}}`);
          const service = typeof parsed === 'object' && parsed !== null && 'grpc' in parsed ? parsed.grpc : undefined;
          return typeof service === 'object' &&
            service !== null &&
            'service' in service &&
            typeof service.service === 'string'
            ? service.service
            : '';
        }) ?? [],
  );
}

/** Asks the service as the composition root wires it (health included) which of these names it serves. */
async function servedHealthNames(names: ReadonlyArray<string>): Promise<ReadonlySet<string>> {
  const logs = new CapturedLogs();
  const wired = wire({ ...testServiceConfig(), upstream: { _tag: 'Aws' }, logger: logs.logger });
  const port = await bindServer(wired.server, '127.0.0.1', 0, grpc.ServerCredentials.createInsecure())();
  if (E.isLeft(port)) throw port.left;
  const health = new HealthClient(`127.0.0.1:${port.right}`);
  try {
    const served = new Set<string>();
    for (const name of new Set(names)) {
      const status = await health.check(name)();
      if (E.isRight(status) && status.right === 'SERVING') served.add(name);
    }
    return served;
  } finally {
    health.close();
    wired.server.forceShutdown();
    await wired.release();
  }
}

async function problemsOf(manifests: ReadonlyArray<Manifest>): Promise<ReadonlyArray<string>> {
  return manifestProblems(manifests, {
    servedHealthNames: await servedHealthNames(probedNames(manifests)),
    alerts: docs('alerts.yaml'),
    dashboard: docs('grafana-dashboard.json'),
  });
}

// Editing a copy of a rendering, to break it on purpose.
function child(value: Json | undefined, key: string | number): Json | undefined {
  if (typeof key === 'number') return Array.isArray(value) ? value[key] : undefined;
  return isObject(value) ? value[key] : undefined;
}
function objectIn(root: Json, ...keys: Array<string | number>): JsonObject {
  const found = keys.reduce<Json | undefined>(child, root);
  if (!isObject(found)) throw new Error(`no object at ${keys.join('.')}`);
  return found;
}
function listIn(root: Json, ...keys: Array<string | number>): Json[] {
  const found = keys.reduce<Json | undefined>(child, root);
  if (!Array.isArray(found)) throw new Error(`no list at ${keys.join('.')}`);
  return found;
}

/** The example overlay's rendering, with `edit` applied to a copy of the object of that kind. */
function broken(kind: string, edit: (object: JsonObject, all: Manifest[]) => void): Manifest[] {
  const copy = [...structuredClone(render('deploy/overlays/example'))];
  const target = copy.find((manifest) => kindOf(manifest) === kind);
  if (target === undefined) throw new Error(`the overlay holds no ${kind}`);
  edit(target, copy);
  return copy;
}
const container = (deployment: JsonObject): JsonObject =>
  objectIn(deployment, 'spec', 'template', 'spec', 'containers', 0);
const podSpec = (deployment: JsonObject): JsonObject => objectIn(deployment, 'spec', 'template', 'spec');
const setting = (name: string, value: string | undefined) => (configMap: JsonObject) => {
  const data = objectIn(configMap, 'data');
  if (value === undefined) delete data[name];
  else data[name] = value;
};

async function assertProblems(manifests: ReadonlyArray<Manifest>, ...patterns: ReadonlyArray<RegExp>): Promise<void> {
  const problems = await problemsOf(manifests);
  assert.equal(problems.length, patterns.length, problems.join('\n'));
  patterns.forEach((pattern, index) => assert.match(problems[index] ?? '', pattern));
}

describe('the Kubernetes manifests (deploy/), rendered and checked offline', function () {
  this.timeout(30_000);

  it('ship docs/alerts.yaml and docs/grafana-dashboard.json as `npm run deploy:generate` writes them', () => {
    for (const { file, expected } of generatedMonitoringFiles()) {
      assert.equal(readFileSync(file, 'utf8'), expected, `${file} is stale: run npm run deploy:generate`);
    }
  });

  for (const directory of RENDERINGS) {
    describe(directory, () => {
      it('is valid against the Kubernetes schema (kubernetes-models)', function () {
        if (!schemaValidationAvailable()) {
          this.skip(); // kubernetes-models needs Node >= 22: CI runs this on Node 24 (scripts/node24.sh).
        }
        assert.deepEqual(schemaProblems(render(directory)), []);
      });

      it('has nothing a reviewer would object to', async () => {
        assert.deepEqual(await problemsOf(render(directory)), []);
      });

      it('renders as kubectl kustomize renders it, where kubectl is installed', function () {
        const kubectl = (process.env.PATH ?? '')
          .split(':')
          .map((dir) => path.join(dir, 'kubectl'))
          .find(existsSync);
        if (kubectl === undefined) {
          this.skip(); // No kubectl: the renderer was compared with kustomize 5.5 when it was written.
        }
        const output = execFileSync(kubectl, ['kustomize', path.join(REPOSITORY_ROOT, directory)], {
          encoding: 'utf8',
        });
        const theirs = parseAllDocuments(output, KUBERNETES_YAML).map((document) => {
          const value: unknown = document.toJS();
          return value;
        });
        const key = (manifest: unknown): string =>
          typeof manifest === 'object' && manifest !== null && 'kind' in manifest && 'metadata' in manifest
            ? JSON.stringify([manifest.kind, manifest.metadata])
            : 'not an object';
        const sorted = (manifests: ReadonlyArray<unknown>): unknown[] =>
          [...manifests].sort((a, b) => key(a).localeCompare(key(b)));
        assert.deepEqual(sorted(render(directory)), sorted(theirs));
      });
    });
  }

  describe('finds the faults of deliberately broken copies', () => {
    it('a schema violation', function () {
      if (!schemaValidationAvailable()) this.skip();
      const problems = schemaProblems(
        broken('Deployment', (deployment) => {
          objectIn(deployment, 'spec').replicas = 'three';
          objectIn(container(deployment), 'readinessProbe', 'grpc').port = '8081';
        }),
      );
      assert.deepEqual(problems, [
        'Deployment gameliftstreams-reconnect: /spec/replicas type {"type":"integer"}',
        'Deployment gameliftstreams-reconnect: /spec/template/spec/containers/0/readinessProbe/grpc/port type {"type":"integer"}',
      ]);
    });
    it('a selector that misses the pods', () =>
      assertProblems(
        broken('Deployment', (deployment) => {
          objectIn(deployment, 'spec', 'selector', 'matchLabels')['app.kubernetes.io/name'] = 'reconnect';
        }),
        /selector does not match its pod template's labels/,
      ));
    it('a Service, a PDB and a spread that select nothing', async () => {
      await assertProblems(
        broken('Service', (service) => {
          objectIn(service, 'spec', 'selector')['app.kubernetes.io/name'] = 'reconnect';
        }),
        /no Service selects the pods/,
        /Service gameliftstreams-reconnect selects no pod/,
        /no ServiceMonitor selects the Service/,
      );
      await assertProblems(
        broken('PodDisruptionBudget', (pdb) => {
          objectIn(pdb, 'spec', 'selector', 'matchLabels').tier = 'web';
        }),
        /no PodDisruptionBudget selects the pods/,
        /PodDisruptionBudget gameliftstreams-reconnect selects no pod/,
      );
      await assertProblems(
        broken('Deployment', (deployment) => {
          objectIn(podSpec(deployment), 'topologySpreadConstraints', 0, 'labelSelector', 'matchLabels').tier = 'web';
        }),
        /the spread over topology.kubernetes.io\/zone counts no pod/,
      );
    });
    it('a probe of a name health does not serve, or of the TLS port', async () => {
      await assertProblems(
        broken('Deployment', (deployment) => {
          objectIn(container(deployment), 'readinessProbe', 'grpc').service = 'reconnect.v1.Reconnect';
        }),
        /readinessProbe asks for health of "reconnect.v1.Reconnect", a name the service's health does not serve/,
      );
      await assertProblems(
        broken('Deployment', (deployment) => {
          objectIn(container(deployment), 'livenessProbe', 'grpc').port = 50051;
        }),
        /livenessProbe probes the TLS port 50051: the kubelet's gRPC probe speaks plaintext only/,
      );
    });
    it('a grace that does not cover preStop plus the shutdown grace', async () => {
      await assertProblems(
        broken('Deployment', (deployment) => {
          podSpec(deployment).terminationGracePeriodSeconds = 20;
        }),
        /terminationGracePeriodSeconds 20 does not cover preStop 5 s \+ RECONNECT_SHUTDOWN_GRACE_MS 15000/,
      );
      await assertProblems(
        broken('ConfigMap', setting('RECONNECT_SHUTDOWN_GRACE_MS', '30000')),
        /terminationGracePeriodSeconds 30 does not cover/,
        /the liveness probe gives up within 30 s, inside the shutdown grace/,
      );
      await assertProblems(
        broken('ConfigMap', setting('RECONNECT_SHUTDOWN_GRACE_MS', '8000')),
        /RECONNECT_SHUTDOWN_GRACE_MS 8000 is less than the drain delay \(1000\) plus RECONNECT_DEADLINE_BUDGET_MS \(10000\)/,
      );
      await assertProblems(
        broken('Deployment', (deployment) => {
          delete objectIn(container(deployment), 'lifecycle').preStop;
        }),
        /no preStop sleep/,
      );
    });
    it('a fleet ceiling below the replicas, the surge or the autoscaler', async () => {
      await assertProblems(
        broken('ConfigMap', setting('RECONNECT_FLEET_MAX_REPLICAS', '3')),
        /RECONNECT_FLEET_MAX_REPLICAS 3 is below the 4 pods that may run at once/,
      );
      await assertProblems(
        broken('Deployment', (deployment, all) => {
          all.push({
            apiVersion: 'autoscaling/v2',
            kind: 'HorizontalPodAutoscaler',
            metadata: { name: nameOf(deployment) },
            spec: {
              scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: nameOf(deployment) },
              minReplicas: 3,
              maxReplicas: 8,
            },
          });
        }),
        /RECONNECT_FLEET_MAX_REPLICAS 6 is below the 9 pods that may run at once \(8 replicas at the autoscaler maximum \+ maxSurge\)/,
      );
      await assertProblems(
        broken('ConfigMap', setting('RECONNECT_REDIS_URL', undefined)),
        /3 replicas without RECONNECT_REDIS_URL/,
      );
    });
    it('a variable nothing reads, and settings the service refuses', async () => {
      await assertProblems(
        broken('ConfigMap', setting('GRPC_MAX_CONNECTION_AGE', '300000')),
        /GRPC_MAX_CONNECTION_AGE is not a variable the service's configuration, the AWS SDK or OpenTelemetry reads/,
      );
      await assertProblems(broken('ConfigMap', setting('AWS_PROFILE', 'production')), /AWS_PROFILE is not a variable/);
      await assertProblems(
        broken('ConfigMap', setting('RECONNECT_CALLERS_FILE', undefined)),
        /the service would refuse its environment: .*no authentication/s,
      );
    });
    it('a file the service reads that no Secret provides', () =>
      assertProblems(
        broken('ConfigMap', setting('GRPC_TLS_KEY_FILE', '/etc/reconnect/tls/server.key')),
        /\/etc\/reconnect\/tls\/server.key: Secret gameliftstreams-reconnect-tls's items put no file named server.key/,
      ));
    it('a security context short of "restricted", service links, a mounted API token', async () => {
      await assertProblems(
        broken('Deployment', (deployment) => {
          const context = objectIn(container(deployment), 'securityContext');
          context.readOnlyRootFilesystem = false;
          context.allowPrivilegeEscalation = true;
          delete objectIn(podSpec(deployment), 'securityContext').seccompProfile;
        }),
        /allowPrivilegeEscalation is not false/,
        /the root file system is writable/,
        /no RuntimeDefault seccomp profile/,
      );
      await assertProblems(
        broken('Deployment', (deployment) => {
          delete podSpec(deployment).enableServiceLinks;
          delete podSpec(deployment).automountServiceAccountToken;
          delete objectIn(container(deployment), 'resources', 'limits').memory;
        }),
        /no memory limits/,
        /enableServiceLinks is not false/,
        /a Kubernetes API token is mounted/,
      );
    });
    it('a PDB that blocks drains, a Service that is not headless, an image without a tag', async () => {
      await assertProblems(
        broken('PodDisruptionBudget', (pdb) => {
          objectIn(pdb, 'spec').maxUnavailable = 0;
        }),
        /allows no eviction/,
      );
      await assertProblems(
        broken('Service', (service) => {
          delete objectIn(service, 'spec').clusterIP;
        }),
        /is not headless/,
      );
      await assertProblems(
        broken('Deployment', (deployment) => {
          container(deployment).image = 'registry.example.com/platform/gameliftstreams-reconnect:latest';
        }),
        /:latest/,
      );
    });
    it('a NetworkPolicy without egress to AWS, or open to every source', async () => {
      await assertProblems(
        broken('NetworkPolicy', (policy) => {
          listIn(policy, 'spec', 'egress').splice(2, 1);
        }),
        /allows no egress to AWS \(HTTPS\) on port 443/,
      );
      await assertProblems(
        broken('NetworkPolicy', (policy) => {
          objectIn(policy, 'spec', 'ingress', 0).from = [{}];
        }),
        /a NetworkPolicy ingress rule admits every source/,
      );
    });
    it('alert rules that drifted from docs/alerts.yaml', () =>
      assertProblems(
        broken('PrometheusRule', (rule) => {
          listIn(rule, 'spec', 'groups', 0, 'rules').pop();
        }),
        /no PrometheusRule holds the groups of docs\/alerts.yaml/,
      ));
  });

  it('the renderer refuses a kustomization field it does not render', () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'reconnect-kustomize-'));
    try {
      writeFileSync(path.join(folder, 'kustomization.yaml'), 'resources: []\ncommonLabels:\n  team: platform\n');
      assert.throws(() => renderKustomization(folder), /commonLabels is not rendered by test\/deploy\/kustomize.ts/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
