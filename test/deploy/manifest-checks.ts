import * as path from 'node:path';

import * as E from 'fp-ts/Either';
import { parse } from 'yaml';

import { loadConfig, type Config } from '../../src/config';
import { LAST_RESORT_MARGIN_MS } from '../../src/graceful-shutdown';
import { isKnownVariable } from './environment';
import { isObject, kindOf, nameOf, type Json, type JsonObject, type Manifest } from './kustomize';

/**
 * What a reviewer checks in a rendering of deploy/, beyond its schema: that the objects refer to each other
 * correctly, and that the Kubernetes settings agree with the service's own (decoded by the service's configuration
 * codec from the environment the manifests give it). Each problem is one line; none means the rendering passes.
 */

export interface ManifestContext {
  /** The names the service's health answers SERVING for (asked of the service as wired, by the test). */
  readonly servedHealthNames: ReadonlySet<string>;
  /** docs/alerts.yaml and docs/grafana-dashboard.json, which the rendering must ship as they are. */
  readonly alerts: string;
  readonly dashboard: string;
}

const list = (value: Json | undefined): Json[] => (Array.isArray(value) ? value : []);
const objects = (value: Json | undefined): JsonObject[] => list(value).filter(isObject);
const at = (value: Json | undefined, ...keys: string[]): Json | undefined =>
  keys.reduce<Json | undefined>((current, key) => (isObject(current) ? current[key] : undefined), value);
const text = (value: Json | undefined): string | undefined => (typeof value === 'string' ? value : undefined);
const integer = (value: Json | undefined): number | undefined => (typeof value === 'number' ? value : undefined);

function labelsOf(value: Json | undefined): Readonly<Record<string, string>> {
  return isObject(value)
    ? Object.fromEntries(
        Object.entries(value).flatMap(([key, item]) => (typeof item === 'string' ? [[key, item]] : [])),
      )
    : {};
}

/** Whether a label selector (matchLabels and matchExpressions) selects these labels; an absent one selects none. */
function selects(selector: Json | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!isObject(selector)) return false;
  const matchLabels = Object.entries(labelsOf(selector.matchLabels));
  const expressions = objects(selector.matchExpressions);
  if (matchLabels.length === 0 && expressions.length === 0) return false;
  return (
    matchLabels.every(([key, value]) => labels[key] === value) &&
    expressions.every((expression) => {
      const key = text(expression.key) ?? '';
      const values = list(expression.values).filter((item): item is string => typeof item === 'string');
      switch (expression.operator) {
        case 'In':
          return values.includes(labels[key] ?? '\u0000');
        case 'NotIn':
          return !values.includes(labels[key] ?? '\u0000');
        case 'Exists':
          return key in labels;
        case 'DoesNotExist':
          return !(key in labels);
        default:
          return false;
      }
    })
  );
}

/** A Service selector is a plain map, not a label selector. */
const serviceSelects = (selector: Json | undefined, labels: Readonly<Record<string, string>>): boolean =>
  selects({ matchLabels: selector ?? null }, labels);

/** maxSurge as the Deployment controller reads it: a count, or a percentage of replicas rounded up (25% default). */
function surgeOf(deployment: Manifest, replicas: number): number {
  const surge = at(deployment, 'spec', 'strategy', 'rollingUpdate', 'maxSurge') ?? '25%';
  if (typeof surge === 'number') return surge;
  const percent = typeof surge === 'string' ? /^(\d+)%$/.exec(surge)?.[1] : undefined;
  return percent === undefined ? Number.NaN : Math.ceil((replicas * Number(percent)) / 100);
}

/** The container's environment: its env values and every key of the ConfigMaps it takes whole (envFrom). */
function environmentOf(
  container: JsonObject,
  configMaps: ReadonlyMap<string, Manifest>,
  problems: string[],
): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const source of objects(container.envFrom)) {
    const name = text(at(source, 'configMapRef', 'name'));
    if (name === undefined) {
      problems.push(`envFrom ${JSON.stringify(source)} is not a ConfigMap of this rendering`);
      continue;
    }
    const configMap = configMaps.get(name);
    if (configMap === undefined) {
      problems.push(`envFrom names ConfigMap ${name}, which the rendering does not hold`);
      continue;
    }
    for (const [key, value] of Object.entries(labelsOf(configMap.data))) environment[key] = value;
  }
  for (const variable of objects(container.env)) {
    const name = text(variable.name) ?? '';
    const value = text(variable.value);
    if (value === undefined) problems.push(`env ${name} does not have a literal value, which these checks can read`);
    environment[name] = value ?? '';
  }
  return environment;
}

/** The secret volume a file path lies in, with the file's key, or why it lies in none. */
function secretFileProblem(
  file: string,
  container: JsonObject,
  volumes: ReadonlyArray<JsonObject>,
): string | undefined {
  const mount = objects(container.volumeMounts).find((candidate) => {
    const mountPath = text(candidate.mountPath);
    return mountPath !== undefined && path.posix.dirname(file) === mountPath.replace(/\/$/, '');
  });
  if (mount === undefined) return `${file} lies in no volume the container mounts`;
  const volume = volumes.find((candidate) => candidate.name === mount.name);
  const secretName = text(at(volume, 'secret', 'secretName'));
  if (secretName === undefined) return `${file} lies in volume ${String(text(mount.name))}, which is not a Secret`;
  const items = objects(at(volume, 'secret', 'items'));
  const base = path.posix.basename(file);
  if (items.length > 0 && !items.some((item) => item.path === base)) {
    return `${file}: Secret ${secretName}'s items put no file named ${base} in the volume`;
  }
  return undefined;
}

/** Every problem a reviewer would raise with this rendering; an empty list when there is none. */
export function manifestProblems(manifests: ReadonlyArray<Manifest>, context: ManifestContext): ReadonlyArray<string> {
  const problems: string[] = [];
  const ofKind = (kind: string): Manifest[] => manifests.filter((manifest) => kindOf(manifest) === kind);
  const deployments = ofKind('Deployment');
  const deployment = deployments[0];
  if (deployment === undefined || deployments.length > 1) return ['the rendering must hold exactly one Deployment'];
  const name = nameOf(deployment);
  const replicas = integer(at(deployment, 'spec', 'replicas')) ?? 1;
  const podLabels = labelsOf(at(deployment, 'spec', 'template', 'metadata', 'labels'));
  const podSpec = at(deployment, 'spec', 'template', 'spec');
  const containers = objects(at(podSpec, 'containers'));
  const container = containers[0];
  if (!isObject(podSpec) || container === undefined || containers.length > 1) {
    return [`Deployment ${name} must have one container`];
  }

  // Selectors: the Deployment's own, and every object that finds the pods by label.
  if (!selects(at(deployment, 'spec', 'selector'), podLabels)) {
    problems.push(`Deployment ${name}'s selector does not match its pod template's labels`);
  }
  const services = ofKind('Service').filter((service) => serviceSelects(at(service, 'spec', 'selector'), podLabels));
  const service = services[0];
  if (service === undefined) problems.push('no Service selects the pods');
  for (const other of ofKind('Service')) {
    if (!services.includes(other)) problems.push(`Service ${nameOf(other)} selects no pod of ${name}`);
  }
  const pdbs = ofKind('PodDisruptionBudget');
  if (!pdbs.some((pdb) => selects(at(pdb, 'spec', 'selector'), podLabels))) {
    problems.push('no PodDisruptionBudget selects the pods');
  }
  for (const pdb of pdbs) {
    const maxUnavailable = at(pdb, 'spec', 'maxUnavailable');
    const minAvailable = at(pdb, 'spec', 'minAvailable');
    if (!selects(at(pdb, 'spec', 'selector'), podLabels))
      problems.push(`PodDisruptionBudget ${nameOf(pdb)} selects no pod`);
    if (
      maxUnavailable === 0 ||
      maxUnavailable === '0%' ||
      (typeof minAvailable === 'number' && minAvailable >= replicas)
    ) {
      problems.push(`PodDisruptionBudget ${nameOf(pdb)} allows no eviction: it would block every node drain`);
    }
  }
  const spread = objects(at(podSpec, 'topologySpreadConstraints'));
  if (!spread.some((constraint) => constraint.topologyKey === 'topology.kubernetes.io/zone')) {
    problems.push('the pods are not spread over zones (topologySpreadConstraints on topology.kubernetes.io/zone)');
  }
  for (const constraint of spread) {
    if (!selects(constraint.labelSelector, podLabels)) {
      problems.push(
        `the spread over ${String(text(constraint.topologyKey))} counts no pod of ${name}: its labelSelector misses them`,
      );
    }
  }

  // The service's configuration, as it would decode the environment the manifests give it.
  const configMaps = new Map(ofKind('ConfigMap').map((configMap) => [nameOf(configMap), configMap] as const));
  const environment = environmentOf(container, configMaps, problems);
  for (const variable of Object.keys(environment)) {
    if (!isKnownVariable(variable)) {
      problems.push(`${variable} is not a variable the service's configuration, the AWS SDK or OpenTelemetry reads`);
    }
  }
  const decoded = loadConfig(environment);
  if (E.isLeft(decoded)) return [...problems, `the service would refuse its environment: ${decoded.left}`];
  const config: Config = decoded.right;
  if (config.backend !== 'aws') problems.push('RECONNECT_BACKEND is not aws');

  // Ports: the container's named ports are the service's, and the Service and probes use them.
  const ports = new Map(
    objects(container.ports).map((port) => [text(port.name) ?? '', integer(port.containerPort) ?? -1] as const),
  );
  const expectedPorts: ReadonlyArray<readonly [string, number | undefined]> = [
    ['grpc', config.grpcPort],
    ['health', config.healthPort],
    ['metrics', config.metrics.enabled ? config.metrics.port : undefined],
  ];
  for (const [portName, expected] of expectedPorts) {
    if (expected !== undefined && ports.get(portName) !== expected) {
      problems.push(
        `container port ${portName} is ${String(ports.get(portName))}, and the service listens on ${expected}`,
      );
    }
  }
  if (service !== undefined) {
    if (at(service, 'spec', 'clusterIP') !== 'None') {
      problems.push(
        `Service ${nameOf(service)} is not headless: kube-proxy would pin each client connection to one pod`,
      );
    }
    for (const port of objects(at(service, 'spec', 'ports'))) {
      const target = port.targetPort;
      if (typeof target === 'string' ? !ports.has(target) : ![...ports.values()].includes(integer(target) ?? -1)) {
        problems.push(
          `Service port ${String(text(port.name))} targets ${JSON.stringify(target)}, which the container does not have`,
        );
      }
    }
  }

  // Probes: native gRPC, on the plaintext health port (the kubelet cannot speak TLS), naming served health names.
  for (const probeName of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
    const probe = container[probeName];
    if (probe === undefined && probeName === 'startupProbe') continue;
    const grpc = at(probe, 'grpc');
    if (!isObject(grpc)) {
      problems.push(`${probeName} is not a native gRPC probe`);
      continue;
    }
    const port = integer(grpc.port);
    const probed = text(grpc.service) ?? '';
    if (port === config.grpcPort && config.security.tls !== undefined) {
      problems.push(`${probeName} probes the TLS port ${port}: the kubelet's gRPC probe speaks plaintext only`);
    } else if (port !== config.healthPort) {
      problems.push(
        `${probeName} probes port ${String(port)}, where the service serves no plaintext health (GRPC_HEALTH_PORT)`,
      );
    }
    if (!context.servedHealthNames.has(probed)) {
      problems.push(`${probeName} asks for health of "${probed}", a name the service's health does not serve`);
    }
  }
  const liveness = container.livenessProbe;
  const livenessWindow =
    (integer(at(liveness, 'periodSeconds')) ?? 10) * (integer(at(liveness, 'failureThreshold')) ?? 3);

  // Shutdown: preStop, then SIGTERM; the grace must cover both and the process's own last resort.
  const preStop = integer(at(container, 'lifecycle', 'preStop', 'sleep', 'seconds'));
  const grace = integer(at(podSpec, 'terminationGracePeriodSeconds')) ?? 30;
  if (preStop === undefined) {
    problems.push('no preStop sleep: the pod would stop accepting calls while clients still resolve it');
  } else {
    const neededMs = preStop * 1000 + config.shutdown.graceMs + LAST_RESORT_MARGIN_MS;
    if (grace * 1000 < neededMs) {
      problems.push(
        `terminationGracePeriodSeconds ${grace} does not cover preStop ${preStop} s + RECONNECT_SHUTDOWN_GRACE_MS ${config.shutdown.graceMs} + the ${LAST_RESORT_MARGIN_MS} ms the process allows itself after it (${Math.ceil(neededMs / 1000)} s)`,
      );
    }
  }
  if (config.shutdown.graceMs < config.shutdown.drainDelayMs + config.deadlineBudgetMs) {
    problems.push(
      `RECONNECT_SHUTDOWN_GRACE_MS ${config.shutdown.graceMs} is less than the drain delay (${config.shutdown.drainDelayMs}) plus RECONNECT_DEADLINE_BUDGET_MS (${config.deadlineBudgetMs}): a call accepted last could be cancelled`,
    );
  }
  if (livenessWindow * 1000 <= config.shutdown.graceMs) {
    problems.push(
      `the liveness probe gives up within ${livenessWindow} s, inside the shutdown grace, while health is NOT_SERVING`,
    );
  }

  // The fleet: while Redis is unreachable each replica admits rate / RECONNECT_FLEET_MAX_REPLICAS.
  const autoscalers = ofKind('HorizontalPodAutoscaler').filter(
    (hpa) =>
      at(hpa, 'spec', 'scaleTargetRef', 'kind') === 'Deployment' && at(hpa, 'spec', 'scaleTargetRef', 'name') === name,
  );
  const most = Math.max(replicas, ...autoscalers.map((hpa) => integer(at(hpa, 'spec', 'maxReplicas')) ?? 0));
  const atOnce = most + surgeOf(deployment, most);
  if (!(config.fleet.maxReplicas >= atOnce)) {
    problems.push(
      `RECONNECT_FLEET_MAX_REPLICAS ${config.fleet.maxReplicas} is below the ${atOnce} pods that may run at once (${most} replicas${autoscalers.length > 0 ? ' at the autoscaler maximum' : ''} + maxSurge): during a Redis outage they would exceed AWS's quota`,
    );
  }
  if (most > 1 && config.fleet.redis === undefined) {
    problems.push(`${most} replicas without RECONNECT_REDIS_URL would each hold AWS's whole per-account quota`);
  }

  // Files the service reads come from Secrets.
  const volumes = objects(at(podSpec, 'volumes'));
  const files = [
    config.security.tls?.certFile,
    config.security.tls?.keyFile,
    config.security.callersFile,
    config.fleet.redis?.passwordFile,
  ];
  for (const file of files) {
    const problem = file === undefined ? undefined : secretFileProblem(file, container, volumes);
    if (problem !== undefined) problems.push(problem);
  }
  if (config.security.tls === undefined) problems.push('the service would serve plaintext: no GRPC_TLS_CERT_FILE');

  // Resources and the restricted Pod Security profile.
  for (const kind of ['requests', 'limits']) {
    for (const resource of ['cpu', 'memory']) {
      if (at(container, 'resources', kind, resource) === undefined) problems.push(`no ${resource} ${kind}`);
    }
  }
  const effective = (key: string): Json | undefined =>
    at(container, 'securityContext', key) ?? at(podSpec, 'securityContext', key);
  if (effective('runAsNonRoot') !== true) problems.push('runAsNonRoot is not true');
  const uid = effective('runAsUser');
  if (typeof uid !== 'number' || uid === 0) problems.push('runAsUser is not a numeric non-root uid');
  if (at(container, 'securityContext', 'allowPrivilegeEscalation') !== false)
    problems.push('allowPrivilegeEscalation is not false');
  if (at(container, 'securityContext', 'readOnlyRootFilesystem') !== true)
    problems.push('the root file system is writable');
  if (at(container, 'securityContext', 'privileged') === true) problems.push('the container is privileged');
  if (!list(at(container, 'securityContext', 'capabilities', 'drop')).includes('ALL'))
    problems.push('capabilities: ALL is not dropped');
  if (list(at(container, 'securityContext', 'capabilities', 'add')).length > 0) problems.push('capabilities are added');
  const seccomp =
    at(container, 'securityContext', 'seccompProfile', 'type') ??
    at(podSpec, 'securityContext', 'seccompProfile', 'type');
  if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push('no RuntimeDefault seccomp profile');
  for (const host of ['hostNetwork', 'hostPID', 'hostIPC']) if (podSpec[host] === true) problems.push(`${host} is on`);
  if (volumes.some((volume) => volume.hostPath !== undefined)) problems.push('a hostPath volume');
  if (podSpec.enableServiceLinks !== false) {
    problems.push(
      'enableServiceLinks is not false: a Service named grpc, metrics or reconnect would inject variables the service refuses',
    );
  }
  if (podSpec.automountServiceAccountToken !== false)
    problems.push('a Kubernetes API token is mounted, and the service never uses one');
  const image = text(container.image) ?? '';
  if (!/@sha256:[0-9a-f]{64}$/.test(image) && !/:[\w][\w.-]*$/.test(image.split('/').pop() ?? '')) {
    problems.push(`image ${image} has no tag or digest`);
  } else if (image.endsWith(':latest')) {
    problems.push(`image ${image} is :latest: a rollout could not be told from the last one`);
  }

  // The NetworkPolicy: ingress from named sources only, egress to DNS, Redis and AWS.
  const policies = ofKind('NetworkPolicy').filter((policy) => selects(at(policy, 'spec', 'podSelector'), podLabels));
  const policy = policies[0];
  if (policy === undefined) {
    problems.push('no NetworkPolicy selects the pods');
  } else {
    const types = list(at(policy, 'spec', 'policyTypes'));
    if (!types.includes('Ingress') || !types.includes('Egress'))
      problems.push('the NetworkPolicy does not govern both Ingress and Egress');
    for (const rule of objects(at(policy, 'spec', 'ingress'))) {
      const sources = objects(rule.from);
      if (sources.length === 0 || sources.some((source) => Object.keys(source).length === 0)) {
        problems.push('a NetworkPolicy ingress rule admits every source');
      }
    }
    const egressPorts = objects(at(policy, 'spec', 'egress')).flatMap((rule) =>
      objects(rule.ports).map((port) => port.port),
    );
    const redisPort =
      config.fleet.redis === undefined ? undefined : Number(new URL(config.fleet.redis.url).port || '6379');
    for (const [what, port] of [
      ['DNS', 53],
      ['AWS (HTTPS)', 443],
      ['Redis', redisPort],
    ] as const) {
      if (port !== undefined && !egressPorts.includes(port))
        problems.push(`the NetworkPolicy allows no egress to ${what} on port ${port}`);
    }
    if (
      !objects(at(policy, 'spec', 'ingress')).some((rule) =>
        objects(rule.ports).some((port) => port.port === 'grpc' || port.port === config.grpcPort),
      )
    ) {
      problems.push('the NetworkPolicy admits no caller to the gRPC port');
    }
  }

  // Metrics scraped, and the alert rules and dashboard shipped as docs/ holds them.
  const monitors = ofKind('ServiceMonitor');
  const monitor = monitors.find(
    (candidate) =>
      service !== undefined && selects(at(candidate, 'spec', 'selector'), labelsOf(at(service, 'metadata', 'labels'))),
  );
  if (monitor === undefined) {
    problems.push('no ServiceMonitor selects the Service: the metrics are not scraped');
  } else {
    const servicePorts = objects(at(service, 'spec', 'ports')).map((port) => port.name);
    for (const endpoint of objects(at(monitor, 'spec', 'endpoints'))) {
      if (!servicePorts.includes(endpoint.port ?? null)) {
        problems.push(`ServiceMonitor endpoint port ${JSON.stringify(endpoint.port)} is not a port of the Service`);
      }
    }
  }
  const alerts: unknown = parse(context.alerts);
  const groups = typeof alerts === 'object' && alerts !== null && 'groups' in alerts ? alerts.groups : undefined;
  if (!ofKind('PrometheusRule').some((rule) => JSON.stringify(at(rule, 'spec', 'groups')) === JSON.stringify(groups))) {
    problems.push('no PrometheusRule holds the groups of docs/alerts.yaml');
  }
  if (!ofKind('ConfigMap').some((configMap) => Object.values(labelsOf(configMap.data)).includes(context.dashboard))) {
    problems.push('no ConfigMap holds docs/grafana-dashboard.json');
  }
  return problems;
}
