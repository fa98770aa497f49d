/**
 * Pods made by software that cannot run here, built from our rendered objects the way that
 * software builds them, so that the real scheduler and Karpenter place them:
 *
 * - JupyterHub's KubeSpawner: one notebook pod per profile of the rendered z2jh values
 *   (`singleuser.profileList`), with the profile's `kubespawner_override` applied over the
 *   `singleuser` defaults. KubeSpawner turns cpu_guarantee/cpu_limit and mem_guarantee/mem_limit
 *   into the `notebook` container's requests and limits, adds extra_resource_guarantees/limits,
 *   uses node_selector and tolerations as given (an override replaces the trait), and the home
 *   volume is a PersistentVolumeClaim of `singleuser.storage` (jupyterhub/kubespawner
 *   kubespawner/spawner.py and objects.py make_pod / make_pvc; memory sizes are bytes with K, M,
 *   G, T suffixes in powers of 1024: kubespawner/traitlets.py ByteSpecification). z2jh 4.4.0 adds
 *   its user-pod tolerations (`scheduling.userPods.tolerations`) to the chart's KubeSpawner
 *   config; a profile's `tolerations` override replaces them.
 * - Argo's workflow controller: for a WorkflowTemplate, the GPU steps running at its peak. The
 *   controller runs at most `spec.parallelism` pods of a workflow at once; the sweep keeps that
 *   many GPU steps busy, so the model makes `parallelism` pods, cycling through the GPU step
 *   templates. A script template's pod has an `init` container and a `wait` container (both the
 *   executor, with the chart's `executor.resources`) beside `main`
 *   (argoproj/argo-workflows@v4.1.2:workflow/controller/workflowpod.go createWorkflowPod,
 *   newInitContainers, newWaitContainer); `main` carries the template's resources, node
 *   selector and tolerations, and the workflow's security context and volumes.
 */
import type { KubeManifest } from '../../apps/index.js';

type Values = Record<string, unknown>;
const rec = (v: unknown): Values => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Values) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The label marking pods this module built, with what built them. */
export const BUILT_LABEL = 'simulation.genai-eks.io/built-for';

const UNITS: Readonly<Record<string, number>> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** KubeSpawner's ByteSpecification: `4G` -> 4 x 1024^3 bytes; a number is bytes. */
export function byteSpecification(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return Math.trunc(v);
  const s = String(v);
  const unit = UNITS[s.slice(-1)];
  if (unit === undefined)
    throw new Error(`${JSON.stringify(s)} is not a byte specification (K, M, G or T suffix)`);
  return Math.trunc(Number.parseFloat(s.slice(0, -1)) * unit);
}

/** Kubernetes quantity of a CPU count as KubeSpawner writes it. */
function cpuQuantity(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return String(v);
}

export interface SpawnerPod {
  readonly profile: string;
  readonly pod: KubeManifest;
  readonly claim: KubeManifest | undefined;
}

/**
 * The notebook pods KubeSpawner would create, one per profile, for a simulated user named after
 * the profile. `values` is the rendered z2jh HelmRelease's spec.values merged over the chart's
 * defaults (modelled.ts mergeValues); `namespace` its target namespace.
 */
export function spawnerPods(values: unknown, namespace: string): SpawnerPod[] {
  const v = rec(values);
  const single = rec(v.singleuser);
  const profiles = arr(single.profileList);
  const list = profiles.length ? profiles : [{ slug: 'default', kubespawner_override: {} }];
  const spawnerConfig = rec(rec(rec(v.hub).config).KubeSpawner);
  const userTolerations = [
    ...arr(rec(rec(v.scheduling).userPods).tolerations),
    ...arr(single.extraTolerations),
  ];
  return list.map((p, i) => {
    const profile = rec(p);
    const slug = String(profile.slug ?? `profile-${i}`);
    const o = rec(profile.kubespawner_override);
    const pick = (key: string, fallback: unknown) => (key in o ? o[key] : fallback);
    const cpuGuarantee = cpuQuantity(pick('cpu_guarantee', rec(single.cpu).guarantee));
    const cpuLimit = cpuQuantity(pick('cpu_limit', rec(single.cpu).limit));
    const memGuarantee = byteSpecification(pick('mem_guarantee', rec(single.memory).guarantee));
    const memLimit = byteSpecification(pick('mem_limit', rec(single.memory).limit));
    const requests: Values = {
      ...(cpuGuarantee ? { cpu: cpuGuarantee } : {}),
      ...(memGuarantee !== undefined ? { memory: String(memGuarantee) } : {}),
      ...Object.fromEntries(Object.entries(rec(o.extra_resource_guarantees)).map(([k, x]) => [k, String(x)])),
    };
    const limits: Values = {
      ...(cpuLimit ? { cpu: cpuLimit } : {}),
      ...(memLimit !== undefined ? { memory: String(memLimit) } : {}),
      ...Object.fromEntries(Object.entries(rec(o.extra_resource_limits)).map(([k, x]) => [k, String(x)])),
    };
    const nodeSelector = rec(pick('node_selector', single.nodeSelector));
    const tolerations = 'tolerations' in o ? arr(o.tolerations) : userTolerations;
    const user = `sim-${slug}`;
    const storage = rec(single.storage);
    const dynamic = storage.type === 'dynamic';
    const claimName = `claim-${user}`;
    const image = rec(single.image);
    const volumes = [
      ...(dynamic ? [{ name: 'home', persistentVolumeClaim: { claimName } }] : []),
      ...arr(storage.extraVolumes),
    ];
    const labels = {
      [BUILT_LABEL]: 'jupyterhub-spawner',
      'hub.jupyter.org/username': user,
      component: 'singleuser-server',
    };
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `jupyter-${user}`,
        namespace,
        labels,
        annotations: { 'simulation.genai-eks.io/profile': slug },
      },
      spec: {
        automountServiceAccountToken: false,
        securityContext: rec(spawnerConfig.pod_security_context),
        containers: [
          {
            name: 'notebook',
            image: `${image.name}:${image.tag}`,
            securityContext: rec(spawnerConfig.container_security_context),
            resources: {
              ...(Object.keys(requests).length ? { requests } : {}),
              ...(Object.keys(limits).length ? { limits } : {}),
            },
            volumeMounts: [
              ...(dynamic ? [{ name: 'home', mountPath: '/home/jovyan' }] : []),
              ...arr(storage.extraVolumeMounts),
            ],
          },
        ],
        ...(Object.keys(nodeSelector).length ? { nodeSelector } : {}),
        ...(tolerations.length ? { tolerations } : {}),
        volumes,
      },
    } as KubeManifest;
    const claim = dynamic
      ? ({
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: claimName, namespace, labels },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: String(rec(storage).capacity ?? '10Gi') } },
            ...(rec(storage.dynamic).storageClass
              ? { storageClassName: rec(storage.dynamic).storageClass }
              : {}),
          },
        } as KubeManifest)
      : undefined;
    return { profile: slug, pod, claim };
  });
}

/** Whether a container's requests or limits name one of the accelerator resources. */
function acceleratorRequests(resources: unknown, accelerators: readonly string[]): boolean {
  const r = rec(resources);
  return accelerators.some((a) => rec(r.requests)[a] !== undefined || rec(r.limits)[a] !== undefined);
}

/** The GPU (or other accelerator) step templates of a WorkflowTemplate, in order. */
export function acceleratedTemplates(template: KubeManifest, accelerators: readonly string[]): Values[] {
  return arr(rec(template.spec).templates)
    .map(rec)
    .filter((t) => {
      const c = rec(t.script ?? t.container);
      return acceleratorRequests(c.resources, accelerators);
    });
}

/**
 * The pods Argo's controller runs at a WorkflowTemplate's peak: `spec.parallelism` pods (one
 * per accelerated step template when it is unset) cycling through its accelerated step templates. `executorResources`
 * is the argo-workflows chart's `executor.resources` from the rendered HelmRelease.
 */
export function workflowPods(
  template: KubeManifest,
  executorResources: unknown,
  accelerators: readonly string[],
  count?: number,
): KubeManifest[] {
  const spec = rec(template.spec);
  const steps = acceleratedTemplates(template, accelerators);
  if (steps.length === 0) return [];
  const n = count ?? Number(spec.parallelism ?? steps.length);
  const name = template.metadata.name;
  const ns = template.metadata.namespace ?? 'default';
  const executor = {
    image: 'quay.io/argoproj/argoexec:v4.1.2',
    resources: rec(executorResources),
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
  return Array.from({ length: n }, (_, i) => {
    const t = steps[i % steps.length]!;
    const body = rec(t.script ?? t.container);
    const main = {
      name: 'main',
      image: body.image,
      resources: body.resources,
      ...(body.securityContext ? { securityContext: body.securityContext } : {}),
      ...(body.volumeMounts ? { volumeMounts: body.volumeMounts } : {}),
    };
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${name}-sim-${t.name}-${i}`,
        namespace: ns,
        labels: {
          [BUILT_LABEL]: 'argo-workflow-controller',
          'workflows.argoproj.io/workflow-template': name,
        },
        annotations: { 'workflows.argoproj.io/node-name': String(t.name) },
      },
      spec: {
        automountServiceAccountToken: false,
        restartPolicy: 'Never',
        ...(spec.securityContext ? { securityContext: spec.securityContext } : {}),
        initContainers: [{ name: 'init', ...executor }],
        containers: [{ name: 'wait', ...executor }, main],
        ...(t.nodeSelector ? { nodeSelector: t.nodeSelector } : {}),
        ...(t.tolerations ? { tolerations: t.tolerations } : {}),
        volumes: [...arr(spec.volumes), ...arr(t.volumes)],
      },
    } as KubeManifest;
  });
}

/** Labels the Job controller puts on its pods (kubernetes/kubernetes pkg/controller/job): a held copy must not carry them. */
const JOB_POD_LABELS = [
  'controller-uid',
  'job-name',
  'batch.kubernetes.io/controller-uid',
  'batch.kubernetes.io/job-name',
];

/**
 * One pod per rendered Job (its template, `parallelism` copies, default 1), without an owner so
 * that kwok keeps it running: a staging or compile Job runs whenever a model revision changes,
 * which may happen while every workload is at its maximum; in the simulation its pods complete
 * at once, so only a held copy shows that they fit beside the rest.
 */
export function heldJobPods(jobs: readonly KubeManifest[]): KubeManifest[] {
  const out: KubeManifest[] = [];
  for (const job of jobs) {
    const spec = rec(job.spec);
    const template = rec(spec.template);
    const labels = { ...(rec(rec(template.metadata).labels) as Record<string, string>) };
    for (const l of JOB_POD_LABELS) delete labels[l];
    const n = Number(spec.parallelism ?? 1);
    for (let i = 0; i < n; i++) {
      out.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `${job.metadata.name.slice(0, 50)}-held-${i}`,
          namespace: job.metadata.namespace,
          labels: { ...labels, 'simulation.genai-eks.io/held-job': job.metadata.name.slice(0, 63) },
          annotations: rec(rec(template.metadata).annotations) as Record<string, string>,
        },
        spec: structuredClone(rec(template.spec)),
      } as KubeManifest);
    }
  }
  return out;
}
