/**
 * Image facts (apps/workloads/images.ts) against every rendered workload container of every
 * environment (issue 14, "image facts with evidence"):
 * - every image a workload runs is in the table, with the sources of its facts;
 * - a container running as a uid other than its image's user has HOME and USER set, and HOME,
 *   every cache directory of the image and every directory it writes on a writable volume
 *   (vLLM on NVIDIA crashed at start without: `getpwuid(): uid not found: 1000`);
 * - no volume hides a directory whose content the image bakes in (Open WebUI's embedding and
 *   speech models under its data directory).
 */
import { describe, expect, test } from 'vitest';
import { IMAGES, type ImageFacts } from '../apps/workloads/images.js';
import {
  envValue,
  mountOf,
  onWritableVolume,
  type PodTemplate,
  podTemplates,
  type RenderedContainer,
  runAsUser,
} from './support/pods.js';
import { repository } from './support/repository.js';

const FACTS: ImageFacts[] = Object.values(IMAGES);
const factsOf = (image: string) => FACTS.find((f) => f.image === image);
/** Namespaces of the platform's charts and add-ons: their images are the charts' business. */
const WORKLOAD_LAYERS = new Set(['apps', 'configs']);

/** Problems of one container against its image's facts (empty when it starts). */
function startProblems(pod: PodTemplate, c: RenderedContainer, facts: ImageFacts): string[] {
  const problems: string[] = [];
  const uid = runAsUser(pod, c) ?? facts.user.uid;
  const at = `${pod.where} ${c.name}`;
  if (uid !== facts.user.uid) {
    for (const name of ['HOME', 'USER']) {
      if (!envValue(c, name))
        problems.push(`${at}: runs as uid ${uid}, not the image's ${facts.user.name}, without ${name}`);
    }
    const home = envValue(c, 'HOME');
    if (home && !onWritableVolume(pod, c, home))
      problems.push(`${at}: HOME ${home} is not on a writable volume`);
    for (const name of facts.cacheEnv) {
      const dir = envValue(c, name);
      if (!dir) problems.push(`${at}: ${name} (a directory ${facts.image} writes) is not set`);
      else if (!onWritableVolume(pod, c, dir))
        problems.push(`${at}: ${name} ${dir} is not on a writable volume`);
    }
    for (const dir of facts.writes) {
      if (!onWritableVolume(pod, c, dir))
        problems.push(`${at}: ${dir} (written by ${facts.image}) is not on a writable volume`);
    }
  }
  for (const dir of facts.baked) {
    const m = mountOf(c, dir);
    if (m) problems.push(`${at}: volume ${m.name} at ${m.mountPath} hides ${dir}, baked into ${facts.image}`);
  }
  return problems;
}

describe('image facts', () => {
  test('every fact has its sources; every image is a pinned reference from the versions table', () => {
    for (const [key, f] of Object.entries(IMAGES) as [string, ImageFacts][]) {
      expect(f.sources.length, key).toBeGreaterThan(0);
      expect(f.image, key).toMatch(/:[^:/]+$/);
    }
  });

  test('every workload container runs an image of the table and starts: HOME, USER, caches and writes on writable volumes, nothing baked hidden', async () => {
    const { envs, objects } = await repository();
    const problems: string[] = [];
    let checked = 0;
    for (const env of envs) {
      for (const k of objects.get(env.name)!.kubernetes.values()) {
        if (!WORKLOAD_LAYERS.has(k.layer)) continue;
        for (const pod of podTemplates(k.manifest)) {
          for (const c of pod.containers) {
            const facts = factsOf(c.image);
            if (!facts) {
              problems.push(
                `${env.name}: ${pod.where} ${c.name}: image ${c.image} has no facts in apps/workloads/images.ts`,
              );
              continue;
            }
            problems.push(...startProblems(pod, c, facts).map((p) => `${env.name}: ${p}`));
            checked++;
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(0);
  });

  test('the rule catches the vLLM container as it was rendered before (uid 1000, HOME only)', () => {
    const pod: PodTemplate = {
      where: 'Deployment inference/vllm-old',
      namespace: 'inference',
      initContainers: [],
      securityContext: { runAsUser: 1000 },
      volumes: [
        { name: 'home', emptyDir: {} },
        { name: 'tmp', emptyDir: {} },
        { name: 'dshm', emptyDir: {} },
      ],
      containers: [],
    };
    const old: RenderedContainer = {
      name: 'vllm',
      image: IMAGES.vllm.image,
      env: [{ name: 'HOME', value: '/home/vllm' }],
      volumeMounts: [
        { name: 'home', mountPath: '/home/vllm' },
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'dshm', mountPath: '/dev/shm' },
      ],
    };
    const found = startProblems(pod, old, IMAGES.vllm);
    expect(found).toContainEqual(expect.stringMatching(/without USER$/));
    expect(found).toContainEqual(expect.stringMatching(/TORCHINDUCTOR_CACHE_DIR .* is not set/));
  });

  test('the rule catches a data volume over the models Open WebUI bakes in', () => {
    const pod: PodTemplate = {
      where: 'Deployment webui/open-webui',
      namespace: 'webui',
      initContainers: [],
      securityContext: {},
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'open-webui-data' } }],
      containers: [],
    };
    const old: RenderedContainer = {
      name: 'open-webui',
      image: IMAGES.openWebUI.image,
      volumeMounts: [{ name: 'data', mountPath: '/app/backend/data' }],
    };
    expect(startProblems(pod, old, IMAGES.openWebUI)).toContainEqual(
      expect.stringMatching(/hides \/app\/backend\/data\/cache\/embedding\/models/),
    );
  });
});
