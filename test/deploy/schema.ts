import { createRequire } from 'node:module';
import * as path from 'node:path';

import { REPOSITORY_ROOT } from './dockerfile';
import { kindOf, nameOf, type Manifest } from './kustomize';

/**
 * Validation against the Kubernetes OpenAPI schema, offline: npm kubernetes-models ships the schema of every
 * built-in kind compiled to validators (and @kubernetes-models/prometheus-operator those of the operator's kinds).
 * They are ES modules that export only `import` conditions, so they are loaded by file path (require of an ES module,
 * Node >= 22 as kubernetes-models requires). A kind with no validator here is a problem, not a pass.
 */

/** The schema validator of each kind deploy/ may hold, by apiVersion and kind. */
const SCHEMAS: Readonly<Record<string, readonly [string, string]>> = {
  'apps/v1 Deployment': ['kubernetes-models', 'IoK8sApiAppsV1Deployment'],
  'v1 Service': ['kubernetes-models', 'IoK8sApiCoreV1Service'],
  'v1 ConfigMap': ['kubernetes-models', 'IoK8sApiCoreV1ConfigMap'],
  'v1 ServiceAccount': ['kubernetes-models', 'IoK8sApiCoreV1ServiceAccount'],
  'v1 Namespace': ['kubernetes-models', 'IoK8sApiCoreV1Namespace'],
  'policy/v1 PodDisruptionBudget': ['kubernetes-models', 'IoK8sApiPolicyV1PodDisruptionBudget'],
  'networking.k8s.io/v1 NetworkPolicy': ['kubernetes-models', 'IoK8sApiNetworkingV1NetworkPolicy'],
  'autoscaling/v2 HorizontalPodAutoscaler': ['kubernetes-models', 'IoK8sApiAutoscalingV2HorizontalPodAutoscaler'],
  'monitoring.coreos.com/v1 ServiceMonitor': [
    '@kubernetes-models/prometheus-operator',
    'ComGithubPrometheusOperatorPrometheusOperatorPkgApisMonitoringV1ServiceMonitor',
  ],
  'monitoring.coreos.com/v1 PrometheusRule': [
    '@kubernetes-models/prometheus-operator',
    'ComGithubPrometheusOperatorPrometheusOperatorPkgApisMonitoringV1PrometheusRule',
  ],
};

/** An ajv-compiled validator, as the packages export it. */
interface Validator {
  (data: unknown): boolean;
  errors?: ReadonlyArray<{
    readonly instancePath?: string;
    readonly keyword?: string;
    readonly params?: unknown;
  }> | null;
}

interface ValidatorModule {
  readonly validate: Validator;
}

function isValidatorModule(value: unknown): value is ValidatorModule {
  return typeof value === 'object' && value !== null && 'validate' in value && typeof value.validate === 'function';
}

/** Whether this Node can load the validators (kubernetes-models requires Node >= 22). */
export function schemaValidationAvailable(): boolean {
  return Number.parseInt(process.versions.node.split('.')[0] ?? '0', 10) >= 22;
}

const load = createRequire(__filename);

function validatorFor(packageName: string, schema: string): Validator {
  const loaded: unknown = load(path.join(REPOSITORY_ROOT, 'node_modules', packageName, '_schemas', `${schema}.js`));
  if (!isValidatorModule(loaded)) throw new Error(`${packageName} ${schema} exports no validate function`);
  return loaded.validate;
}

/** Every schema violation of every object, one line each. */
export function schemaProblems(manifests: ReadonlyArray<Manifest>): ReadonlyArray<string> {
  return manifests.flatMap((manifest) => {
    const apiVersion = typeof manifest.apiVersion === 'string' ? manifest.apiVersion : '';
    const which = `${kindOf(manifest)} ${nameOf(manifest)}`;
    const entry = SCHEMAS[`${apiVersion} ${kindOf(manifest)}`];
    if (entry === undefined) return [`${which}: no schema is known for ${apiVersion} ${kindOf(manifest)}`];
    const validate = validatorFor(...entry);
    if (validate(manifest)) return [];
    return (validate.errors ?? []).map(
      (error) => `${which}: ${error.instancePath ?? ''} ${error.keyword ?? ''} ${JSON.stringify(error.params)}`,
    );
  });
}
