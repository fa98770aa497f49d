/**
 * The cross-layer contract: the cluster-vars ConfigMap that each environment's Terraform writes
 * provides every contract variable, and every contract variable is used by some manifest.
 * (That every `${…}` a manifest substitutes is a contract variable is the policy rule
 * onlyContractVariables, test/policy.test.ts: with the first check here, everything used is
 * provided.)
 */
import { beforeAll, describe, expect, test } from 'vitest';
import {
  CLUSTER_VARS_CONFIGMAP,
  CONTRACT_VARIABLE_NAMES,
  contractVariablesOf,
  FLUX,
} from '../clusters/contract.js';
import { world } from './support/bad-inputs.js';
import { renderFixture } from './support/render.js';
import { repository } from './support/repository.js';

/** `${NAME}` references in the string values of an object (`$${…}` is an escaped literal). */
function variablesUsed(value: unknown, into = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    for (const m of value.matchAll(/(?<!\$)\$\{([^}]*)\}/g)) into.add(m[1]!);
  } else if (Array.isArray(value)) {
    for (const v of value) variablesUsed(v, into);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) variablesUsed(v, into);
  }
  return into;
}

interface ConfigMapBody {
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly data: Readonly<Record<string, unknown>>;
}

describe('contract between the manifests and cluster-vars', () => {
  test('every environment writes one cluster-vars ConfigMap with exactly the contract variables it sets', async () => {
    const { envs, objects } = await repository();
    expect(envs.length).toBeGreaterThan(0);
    for (const env of envs) {
      const maps = [...(objects.get(env.name)?.terraform.values() ?? [])]
        .filter((b) => b.type === 'kubernetes_config_map_v1')
        .map((b) => b.body as ConfigMapBody)
        .filter((c) => c.metadata.name === CLUSTER_VARS_CONFIGMAP);
      expect(maps, `${env.name}: one ${CLUSTER_VARS_CONFIGMAP} ConfigMap`).toHaveLength(1);
      expect(maps[0]!.metadata.namespace, env.name).toBe(FLUX.namespace);
      expect(Object.keys(maps[0]!.data).sort(), env.name).toEqual(contractVariablesOf(env).sort());
    }
  });

  // Usage is counted across fixture environments that together enable every feature: a
  // development one (shared-password sign-in) and a production one signing in with Cognito,
  // whose variables only such an environment uses.
  let used: Set<string>;
  beforeAll(() => {
    const w = world();
    used = new Set<string>();
    for (const props of [w.dev, w.live]) {
      for (const o of renderFixture(props, ...Object.values(w).filter((p) => p !== props))) {
        variablesUsed(o.manifest, used);
      }
    }
  });

  test('every contract variable is used by some manifest', () => {
    const unused = CONTRACT_VARIABLE_NAMES.filter((v) => !used.has(v));
    expect(unused, 'provided by cluster-vars but used by no manifest').toEqual([]);
  });
});
