/**
 * The cross-layer contract on the committed output: what dist/k8s/<env> substitutes must be
 * provided by the cluster-vars ConfigMap that dist/terraform/<env> writes, and (once the
 * platform and workloads are merged) everything provided is used.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CLUSTER_VARS_CONFIGMAP, CONTRACT_VARIABLE_NAMES } from '../clusters/contract.js';
import { listFiles } from '../render/compare.js';
import { ROOT } from './helpers.js';

const DIST = join(ROOT, 'dist');
const ENVS = listFiles(join(DIST, 'terraform'))
  .map((f) => f.split('/')[0]!)
  .sort();

/** `${NAME}` references in an environment's manifests (`$${…}` is an escaped literal, not a reference). */
function used(env: string): Map<string, string[]> {
  const refs = new Map<string, string[]>();
  for (const f of listFiles(join(DIST, 'k8s', env))) {
    const text = readFileSync(join(DIST, 'k8s', env, f), 'utf8');
    for (const m of text.matchAll(/(?<!\$)\$\{([^}]*)\}/g)) {
      refs.set(m[1]!, [...(refs.get(m[1]!) ?? []), f]);
    }
  }
  return refs;
}

/** Keys of the cluster-vars ConfigMap in an environment's Terraform JSON. */
function provided(env: string): string[] {
  const tf = JSON.parse(readFileSync(join(DIST, 'terraform', env, 'cdk.tf.json'), 'utf8')) as {
    resource?: { kubernetes_config_map_v1?: Record<string, { metadata: { name: string }; data: object }> };
  };
  const maps = Object.values(tf.resource?.kubernetes_config_map_v1 ?? {}).filter(
    (c) => c.metadata.name === CLUSTER_VARS_CONFIGMAP,
  );
  expect(maps, `${env}: one cluster-vars ConfigMap`).toHaveLength(1);
  return Object.keys(maps[0]!.data);
}

describe('contract between dist/k8s and cluster-vars', () => {
  test('there are environments to check', () => {
    expect(ENVS).toEqual(['dev', 'prod', 'prod-dr']);
  });

  test.each(ENVS)('%s: every variable the manifests use is provided by cluster-vars', (env) => {
    const keys = new Set(provided(env));
    expect([...keys].sort()).toEqual([...CONTRACT_VARIABLE_NAMES].sort());
    for (const [name, files] of used(env)) {
      expect(keys.has(name), `\${${name}} in ${env}/${files[0]} is not in cluster-vars`).toBe(true);
    }
  });

  // Usage is counted across environments: Cognito variables are used only where an
  // environment signs in with Cognito.
  test('every provided variable is used somewhere in dist/k8s', () => {
    const anywhere = new Set(ENVS.flatMap((env) => [...used(env).keys()]));
    const unused = CONTRACT_VARIABLE_NAMES.filter((v) => !anywhere.has(v));
    expect(unused, 'provided by cluster-vars but used by no manifest').toEqual([]);
  });
});
