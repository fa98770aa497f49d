/**
 * Deterministic serialisation: the bytes of every rendered file depend only on the objects.
 * Kubernetes objects become one YAML file each; a Terraform stack becomes one JSON file.
 */
import type { RenderedObject } from '../apps/index.js';
import { RenderError } from './error.js';
import { yamlDocument } from './yaml.js';

/** The file of one object: k8s/<env>/<layer>/<kind>[-<namespace>]-<name>.yaml. */
export function kubernetesPath(envName: string, { layer, manifest }: RenderedObject): string {
  const { kind, metadata } = manifest;
  if (!metadata?.name) {
    throw new RenderError(`${layer}: a ${kind} has no metadata.name (names must be explicit)`);
  }
  const parts = [kind.toLowerCase(), metadata.namespace, metadata.name].filter(Boolean);
  return `k8s/${envName}/${layer}/${parts.join('-')}.yaml`;
}

/** One file per object: k8s/<env>/<layer>/<kind>[-<namespace>]-<name>.yaml -> YAML. */
export function kubernetesFiles(envName: string, objects: readonly RenderedObject[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const object of objects) {
    const { layer, manifest } = object;
    const { kind, metadata } = manifest;
    const path = kubernetesPath(envName, object);
    if (files.has(path)) {
      throw new RenderError(
        `${layer}: two objects would be written to ${path} (${kind} ${metadata.namespace ?? ''}/${metadata.name})`,
      );
    }
    files.set(path, toYaml(manifest));
  }
  return files;
}

/**
 * The Terraform JSON of a stack: keys sorted, two-space indent, final newline. (JSON.stringify
 * of a sorted copy: a writer like yaml.ts's, without the copy, measured twice as slow.)
 */
export function terraformJson(config: unknown): string {
  return `${JSON.stringify(sortKeys(config), null, 2)}\n`;
}

/**
 * Deterministic YAML: keys sorted, no line folding. The bytes are those of the `yaml` package's
 * `stringify(sortKeys(value), { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false })`
 * (see yaml.ts), written directly.
 */
export function toYaml(value: unknown): string {
  return yamlDocument(value);
}

/** A copy with every object's keys sorted and undefined members dropped. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}
