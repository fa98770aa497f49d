/**
 * The render's output: deterministic bytes, one object per file, grouped by environment and
 * Flux layer, and layers that Flux applies in order. The repository's environments are read from
 * the one render per run (test/support/repository.ts); determinism renders a fixture world, and
 * the launcher (its Terraform part in a thread of its own, render/terraform-thread.mjs) must write
 * the same bytes as the render in this process. (Contract variables: the policy rule onlyContractVariables and test/contract.test.ts; the
 * atomic write: test/write.test.ts; the command: test/cli.test.ts.)
 */

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { FLUX, LAYERS, type Layer, layerPath } from '../clusters/contract.js';
import { STAGES } from '../infra/stages.js';
import { type EnvironmentRender, renderEnvironments } from '../render/build.js';
import { listFiles } from '../render/compare.js';
import { RenderError } from '../render/error.js';
import { TERRAFORM_THREAD } from '../render/terraform-thread.mjs';
import { world, worldDir } from './support/bad-inputs.js';
import { tempDir } from './support/files.js';
import { resolve } from './support/fixtures.js';
import { repository } from './support/repository.js';
import { synthProcess } from './support/synth.js';

const filesOf = (results: readonly EnvironmentRender[]) => new Map(results.flatMap((r) => [...r.files]));

// A world with cross-environment wiring: `live` replicates its model bucket to `standby`.
let worldRender: Promise<Map<string, string>> | undefined;
const renderWorld = () => {
  worldRender ??= renderEnvironments(resolve(...Object.values(world()))).then(filesOf);
  return worldRender;
};

describe('render', () => {
  test('is deterministic: a second render gives the same bytes, for one environment alone as with the others', async () => {
    const first = await renderWorld();
    const again = filesOf(await renderEnvironments(resolve(...Object.values(world())), { only: ['live'] }));
    expect(again.size).toBeGreaterThan(0);
    expect(again).toEqual(new Map([...first].filter(([path]) => path.split('/')[1] === 'live')));
  });

  test('node render/launch.mjs synth, its Terraform part in a thread of its own, writes the bytes of an in-process render (and --only k8s, without the thread, its Kubernetes files)', async () => {
    const clusters = worldDir(world());
    const out = join(tempDir('genai-eks-render-'), 'dist');
    // Run beside the clusters folder, so the files are named `clusters/<file>.ts` as in-process.
    const r = synthProcess(['--clusters', 'clusters', '--out', out, '--quiet'], dirname(clusters));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const expected = await renderWorld();
    expect([...expected.keys()].filter((f) => f.startsWith('terraform/')).length).toBeGreaterThan(0);
    expect(new Map(listFiles(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]))).toEqual(expected);
    // `--only k8s` (npx cdk8s synth) starts no thread and writes the same Kubernetes files.
    const k8sOut = join(tempDir('genai-eks-render-'), 'dist');
    const k8s = synthProcess(
      ['--clusters', 'clusters', '--out', k8sOut, '--only', 'k8s', '--quiet'],
      dirname(clusters),
    );
    expect(k8s.stderr).toBe('');
    expect(new Map(listFiles(k8sOut).map((f) => [f, readFileSync(join(k8sOut, f), 'utf8')]))).toEqual(
      new Map([...expected].filter(([f]) => f.startsWith('k8s/'))),
    );
  });

  test("the Terraform part comes from the launcher's thread when there is one: its answer is rendered, its error stops the render", async () => {
    const all = resolve(...Object.values(world()));
    const thread = TERRAFORM_THREAD;
    const globals = globalThis as Record<symbol, unknown>;
    const asked: unknown[] = [];
    try {
      globals[thread] = async (request: unknown) => {
        asked.push(request);
        return {
          parts: [{ env: 'live', files: [['terraform/live/x.json', '{}\n']], resources: 7, millis: 1 }],
        };
      };
      const [live] = await renderEnvironments(all, { only: ['live'], parts: ['terraform'] });
      expect(asked).toEqual([{ all, selected: ['live'] }]);
      expect(live?.files).toEqual(new Map([['terraform/live/x.json', '{}\n']]));
      expect(live?.terraformResources).toBe(7);
      globals[thread] = async () => ({
        error: { message: 'clusters/live.ts (live): render failed: x', renderError: true },
      });
      const failed = renderEnvironments(all, { only: ['live'] });
      await expect(failed).rejects.toThrow(RenderError);
      await expect(failed).rejects.toThrow('clusters/live.ts (live): render failed: x');
    } finally {
      delete globals[thread];
    }
  });

  test('writes one object per file, each environment in its folder, grouped by Flux layer', async () => {
    const { envs, files, objects } = await repository();
    const names = envs.map((e) => e.name);
    const perFile = new Map<string, number>();
    for (const e of objects.values()) {
      for (const o of e.kubernetes.values()) perFile.set(o.path, (perFile.get(o.path) ?? 0) + 1);
    }
    const k8s = [...files.keys()].filter((f) => f.startsWith('k8s/'));
    expect(k8s.length).toBeGreaterThan(0);
    for (const f of k8s) {
      const [, env, layer, name, ...rest] = f.split('/');
      expect(names, f).toContain(env);
      expect(LAYERS, f).toContain(layer);
      expect(name, f).toMatch(/^[a-z0-9.-]+\.yaml$/);
      expect(rest, f).toEqual([]);
      expect(perFile.get(f), `${f}: objects in the file`).toBe(1);
    }
    const terraform = [...files.keys()].filter((f) => f.startsWith('terraform/'));
    expect(terraform.sort()).toEqual(
      names.flatMap((n) => STAGES.map((stage) => `terraform/${n}/${stage}/cdk.tf.json`)).sort(),
    );
    expect([...files.keys()].filter((f) => !f.startsWith('k8s/') && !f.startsWith('terraform/'))).toEqual([]);
  });

  test('each layer holding objects is a Kustomization of its folder that waits for the layer before', async () => {
    const { envs, objects } = await repository();
    for (const env of envs) {
      const all = [...(objects.get(env.name)?.kubernetes.values() ?? [])];
      const kustomizations = all.filter((o) => o.kind === 'Kustomization');
      // Kustomizations are the bootstrap layer's: Flux applies that layer first.
      for (const k of kustomizations) expect(k.layer, k.id).toBe('flux-system');
      const layers = LAYERS.filter((l) => l !== 'flux-system' && all.some((o) => o.layer === l));
      expect(layers.length, env.name).toBeGreaterThan(0);
      const forLayer = (layer: Layer) => {
        const found = kustomizations.filter(
          (k) => (k.manifest.spec as { path?: string }).path === layerPath(env.name, layer),
        );
        expect(found, `${env.name}: Kustomizations of ${layer}`).toHaveLength(1);
        return found[0]!;
      };
      layers.forEach((layer, i) => {
        const k = forLayer(layer);
        const spec = k.manifest.spec as {
          sourceRef: { kind: string; name: string; namespace?: string };
          dependsOn?: { name: string; namespace?: string }[];
          wait?: boolean;
          prune?: boolean;
        };
        expect(k.namespace, k.id).toBe(FLUX.namespace);
        expect(spec.sourceRef, k.id).toMatchObject({ kind: 'GitRepository', name: FLUX.gitRepository });
        expect(spec.wait, `${k.id}: waits for health`).toBe(true);
        expect(spec.prune, `${k.id}: prunes`).toBe(true);
        if (i > 0) {
          const before = forLayer(layers[i - 1]!);
          expect(spec.dependsOn ?? [], `${k.id}: depends on the layer before`).toContainEqual(
            expect.objectContaining({ name: before.name }),
          );
        }
      });
    }
  });
});
