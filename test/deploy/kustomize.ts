import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

import { parse, parseAllDocuments } from 'yaml';

/**
 * A small renderer of the kustomize features deploy/ uses, for CI has no kustomize binary and none may be
 * downloaded: resources (files and directories), namespace, images, replicas, configMapGenerator (literals; create
 * or merge) with kustomize's hash suffix and the references to it, and JSON 6902 patches with a kind/name target.
 * Any other field of a kustomization is refused, so that a kustomization this cannot render fails instead of being
 * rendered wrong. Where `kubectl kustomize` exists, the tests compare the two renderings.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Kubernetes reads manifests as YAML 1.1 (sigs.k8s.io/yaml): `defaultMode: 0440` is octal there, 288, and would be
 * 440 in YAML 1.2.
 */
export const KUBERNETES_YAML = { version: '1.1' } as const;

/** What a rendering produces: Kubernetes objects, in the order kustomize would emit them within each kind. */
export type Manifest = JsonObject;

const SUPPORTED = new Set([
  'apiVersion',
  'kind',
  'resources',
  'namespace',
  'images',
  'replicas',
  'configMapGenerator',
  'patches',
]);

/** Kinds without a namespace, among those a deployment of this service could hold. */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);

function toJson(value: unknown): Json {
  return JSON.parse(JSON.stringify(value)) as Json;
}

function objectAt(value: Json | undefined, what: string): JsonObject {
  if (!isObject(value)) throw new Error(`${what} is not a mapping`);
  return value;
}

function arrayAt(value: Json | undefined, what: string): Json[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${what} is not a list`);
  return value;
}

function stringAt(value: Json | undefined, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what} is not a string`);
  return value;
}

export const kindOf = (manifest: Manifest): string => (typeof manifest.kind === 'string' ? manifest.kind : '');
export const nameOf = (manifest: Manifest): string =>
  isObject(manifest.metadata) && typeof manifest.metadata.name === 'string' ? manifest.metadata.name : '';

/** A generated ConfigMap, whose name gets its content's hash once everything is merged. */
interface Generated {
  readonly name: string;
  readonly manifest: Manifest;
}

interface Level {
  readonly manifests: Manifest[];
  readonly generated: Generated[];
}

/**
 * kustomize's ConfigMap hash (api/hasher): SHA-256 of Go's json.Marshal of {kind, name, data} (keys sorted, <, >
 * and & escaped), its first ten hex digits with 0, 1, 3, a and e replaced so the suffix never spells a word.
 * kustomize 5 hashes a generated ConfigMap before it is named, so with an empty name (checked against kubectl).
 */
export function configMapHash(data: Readonly<Record<string, string>>): string {
  const name = '';
  const sorted = Object.fromEntries(
    Object.keys(data)
      .sort()
      .map((key) => [key, data[key] ?? '']),
  );
  const encoded = JSON.stringify({ data: sorted, kind: 'ConfigMap', name })
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  const hex = createHash('sha256').update(encoded, 'utf8').digest('hex').slice(0, 10);
  const replaced: Readonly<Record<string, string>> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return [...hex].map((digit) => replaced[digit] ?? digit).join('');
}

function literalPairs(literals: Json[], what: string): Array<readonly [string, string]> {
  return literals.map((literal) => {
    const text = stringAt(literal, what);
    const at = text.indexOf('=');
    if (at <= 0) throw new Error(`${what}: ${text} is not KEY=value`);
    return [text.slice(0, at), text.slice(at + 1)] as const;
  });
}

/** The pod specs of a workload, where images and ConfigMap references live. */
function podSpecs(manifest: Manifest): JsonObject[] {
  const spec = manifest.spec;
  if (!isObject(spec)) return [];
  const template = spec.template;
  return isObject(template) && isObject(template.spec) ? [template.spec] : [];
}

function containersOf(podSpec: JsonObject): JsonObject[] {
  return [...arrayAt(podSpec.containers, 'containers'), ...arrayAt(podSpec.initContainers, 'initContainers')].filter(
    isObject,
  );
}

/** Every place a pod spec names a ConfigMap: envFrom, env valueFrom, volumes (projected ones too). */
function configMapReferences(podSpec: JsonObject): JsonObject[] {
  const references: JsonObject[] = [];
  for (const container of containersOf(podSpec)) {
    for (const source of arrayAt(container.envFrom, 'envFrom').filter(isObject)) {
      if (isObject(source.configMapRef)) references.push(source.configMapRef);
    }
    for (const variable of arrayAt(container.env, 'env').filter(isObject)) {
      if (isObject(variable.valueFrom) && isObject(variable.valueFrom.configMapKeyRef)) {
        references.push(variable.valueFrom.configMapKeyRef);
      }
    }
  }
  for (const volume of arrayAt(podSpec.volumes, 'volumes').filter(isObject)) {
    if (isObject(volume.configMap)) references.push(volume.configMap);
    if (isObject(volume.projected)) {
      for (const source of arrayAt(volume.projected.sources, 'projected sources').filter(isObject)) {
        if (isObject(source.configMap)) references.push(source.configMap);
      }
    }
  }
  return references;
}

/** A JSON pointer's segments (RFC 6901). */
function pointer(text: string): string[] {
  if (text === '') return [];
  if (!text.startsWith('/')) throw new Error(`JSON pointer ${text} does not start with /`);
  return text
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Applies one RFC 6902 operation (add, replace, remove) in place. */
function applyOperation(target: Manifest, operation: JsonObject): void {
  const op = stringAt(operation.op, 'patch op');
  const where = stringAt(operation.path, 'patch path');
  const segments = pointer(where);
  const last = segments.pop();
  if (last === undefined) throw new Error('a patch may not replace the whole object');
  let parent: Json = target;
  for (const segment of segments) {
    const next: Json | undefined = Array.isArray(parent)
      ? parent[Number.parseInt(segment, 10)]
      : isObject(parent)
        ? parent[segment]
        : undefined;
    if (next === undefined) throw new Error(`patch path ${where}: ${segment} does not exist`);
    parent = next;
  }
  const value = operation.value;
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number.parseInt(last, 10);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) {
      throw new Error(`patch path ${where}: no index ${last}`);
    }
    if (op === 'add' && value !== undefined) parent.splice(index, 0, value);
    else if (op === 'replace' && value !== undefined && index < parent.length) parent[index] = value;
    else if (op === 'remove' && index < parent.length) parent.splice(index, 1);
    else throw new Error(`patch op ${op} at ${where} cannot be applied`);
    return;
  }
  if (!isObject(parent)) throw new Error(`patch path ${where} does not lead into an object`);
  if (op === 'add' && value !== undefined) parent[last] = value;
  else if (op === 'replace' && value !== undefined && last in parent) parent[last] = value;
  else if (op === 'remove' && last in parent) delete parent[last];
  else throw new Error(`patch op ${op} at ${where} cannot be applied`);
}

/** An image reference's name, without its tag or digest. */
function imageName(reference: string): string {
  const withoutDigest = reference.split('@')[0] ?? reference;
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
}

function renderLevel(directory: string): Level {
  const file = path.join(directory, 'kustomization.yaml');
  const kustomization = objectAt(toJson(parse(readFileSync(file, 'utf8'), KUBERNETES_YAML)), file);
  for (const key of Object.keys(kustomization)) {
    if (!SUPPORTED.has(key)) throw new Error(`${file}: ${key} is not rendered by test/deploy/kustomize.ts`);
  }
  const manifests: Manifest[] = [];
  const generated: Generated[] = [];
  for (const entry of arrayAt(kustomization.resources, 'resources')) {
    const resource = path.resolve(directory, stringAt(entry, 'a resource'));
    if (statSync(resource).isDirectory()) {
      const base = renderLevel(resource);
      manifests.push(...base.manifests);
      generated.push(...base.generated);
      continue;
    }
    for (const document of parseAllDocuments(readFileSync(resource, 'utf8'), KUBERNETES_YAML)) {
      if (document.errors.length > 0) throw new Error(`${resource}: ${document.errors.map(String).join('; ')}`);
      const value = toJson(document.toJS());
      if (value !== null) manifests.push(objectAt(value, resource));
    }
  }

  for (const entry of arrayAt(kustomization.configMapGenerator, 'configMapGenerator')) {
    const generator = objectAt(entry, 'a configMapGenerator');
    for (const key of Object.keys(generator)) {
      if (!['name', 'literals', 'behavior'].includes(key)) throw new Error(`configMapGenerator ${key} is not rendered`);
    }
    const name = stringAt(generator.name, 'configMapGenerator name');
    const behavior = generator.behavior === undefined ? 'create' : stringAt(generator.behavior, 'behavior');
    const pairs = literalPairs(arrayAt(generator.literals, 'literals'), `configMapGenerator ${name}`);
    const existing = generated.find((item) => item.name === name);
    if (behavior === 'create') {
      if (existing !== undefined) throw new Error(`configMapGenerator ${name} is created twice`);
      const data: JsonObject = Object.fromEntries(pairs);
      generated.push({ name, manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data } });
    } else if (behavior === 'merge') {
      if (existing === undefined) throw new Error(`configMapGenerator ${name} merges into nothing`);
      const data = objectAt(existing.manifest.data, `ConfigMap ${name} data`);
      for (const [key, value] of pairs) data[key] = value;
    } else {
      throw new Error(`configMapGenerator behavior ${behavior} is not rendered`);
    }
  }

  const all = (): Manifest[] => [...manifests, ...generated.map((item) => item.manifest)];
  if (kustomization.namespace !== undefined) {
    const namespace = stringAt(kustomization.namespace, 'namespace');
    for (const manifest of all()) {
      if (CLUSTER_SCOPED.has(kindOf(manifest))) continue;
      objectAt(manifest.metadata, 'metadata').namespace = namespace;
    }
  }
  for (const entry of arrayAt(kustomization.images, 'images')) {
    const image = objectAt(entry, 'an image');
    const name = stringAt(image.name, 'image name');
    for (const podSpec of manifests.flatMap(podSpecs)) {
      for (const container of containersOf(podSpec)) {
        const current = stringAt(container.image, 'container image');
        if (imageName(current) !== name) continue;
        const newName = image.newName === undefined ? name : stringAt(image.newName, 'newName');
        const digest = image.digest === undefined ? undefined : stringAt(image.digest, 'digest');
        const tag =
          image.newTag === undefined
            ? undefined
            : typeof image.newTag === 'number'
              ? String(image.newTag)
              : stringAt(image.newTag, 'newTag');
        const kept = current.slice(imageName(current).length);
        container.image =
          digest !== undefined ? `${newName}@${digest}` : tag !== undefined ? `${newName}:${tag}` : `${newName}${kept}`;
      }
    }
  }
  for (const entry of arrayAt(kustomization.replicas, 'replicas')) {
    const replicas = objectAt(entry, 'replicas');
    const name = stringAt(replicas.name, 'replicas name');
    const target = manifests.find((manifest) => nameOf(manifest) === name && isObject(manifest.spec));
    if (target === undefined || !isObject(target.spec)) throw new Error(`replicas: no workload ${name}`);
    target.spec.replicas = replicas.count ?? null;
  }
  for (const entry of arrayAt(kustomization.patches, 'patches')) {
    const patch = objectAt(entry, 'a patch');
    const target = objectAt(patch.target, 'a patch target');
    const operations = arrayAt(
      toJson(parse(stringAt(patch.patch, 'an inline JSON 6902 patch'), KUBERNETES_YAML)),
      'patch',
    );
    const matching = all().filter(
      (manifest) =>
        (target.kind === undefined || kindOf(manifest) === target.kind) &&
        (target.name === undefined || nameOf(manifest) === target.name),
    );
    if (matching.length === 0) throw new Error(`patch target ${JSON.stringify(target)} matches nothing`);
    for (const manifest of matching)
      for (const operation of operations) applyOperation(manifest, objectAt(operation, 'a patch operation'));
  }
  return { manifests, generated };
}

/** Renders the kustomization in `directory`, as `kubectl kustomize directory` would (for the features above). */
export function renderKustomization(directory: string): ReadonlyArray<Manifest> {
  const level = renderLevel(directory);
  const renamed = new Map<string, string>();
  for (const { name, manifest } of level.generated) {
    const data = objectAt(manifest.data, `ConfigMap ${name} data`);
    const strings = Object.fromEntries(
      Object.entries(data).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
    );
    const hashed = `${name}-${configMapHash(strings)}`;
    objectAt(manifest.metadata, 'metadata').name = hashed;
    renamed.set(name, hashed);
  }
  for (const podSpec of level.manifests.flatMap(podSpecs)) {
    for (const reference of configMapReferences(podSpec)) {
      const name = typeof reference.name === 'string' ? renamed.get(reference.name) : undefined;
      if (name !== undefined) reference.name = name;
    }
  }
  return [...level.generated.map((item) => item.manifest), ...level.manifests];
}
