/**
 * Pod templates inside rendered objects, with their volumes: Deployments, Jobs, DaemonSets,
 * RayService head and worker templates (any object holding a pod spec), and the script and
 * container templates of Argo WorkflowTemplates (their volumes are the workflow's).
 */

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are read field by field.
type Any = any;

export interface RenderedContainer {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly { name: string; value?: string }[];
  readonly volumeMounts?: readonly {
    name: string;
    mountPath: string;
    subPath?: string;
    readOnly?: boolean;
  }[];
  readonly securityContext?: { runAsUser?: number };
  readonly source?: string;
}

export interface PodTemplate {
  /** `Kind namespace/name path`, for messages. */
  readonly where: string;
  readonly namespace: string | undefined;
  readonly containers: readonly RenderedContainer[];
  /** Init containers (Kubernetes pods) are listed in `containers` too; this names them. */
  readonly initContainers: readonly string[];
  readonly volumes: readonly Any[];
  readonly securityContext: { runAsUser?: number };
}

/** Every pod template of a manifest (HelmRelease values are chart input, not pod specs). */
export function podTemplates(m: Any): PodTemplate[] {
  if (m.kind === 'HelmRelease') return [];
  const out: PodTemplate[] = [];
  const id = `${m.kind} ${m.metadata?.namespace ?? ''}/${m.metadata?.name}`;
  const visit = (node: Any, path: string, workflow: Any): void => {
    if (Array.isArray(node)) {
      node.forEach((n, i) => {
        visit(n, `${path}[${i}]`, workflow);
      });
      return;
    }
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node.containers)) {
      const init = (node.initContainers ?? []) as RenderedContainer[];
      out.push({
        where: `${id} ${path}`,
        namespace: m.metadata?.namespace,
        containers: [...init, ...node.containers],
        initContainers: init.map((c) => c.name),
        volumes: node.volumes ?? [],
        securityContext: node.securityContext ?? {},
      });
      return;
    }
    if (workflow && (node.script || node.container)) {
      const main = node.script ?? node.container;
      out.push({
        where: `${id} ${path}`,
        namespace: m.metadata?.namespace,
        containers: [{ name: node.name, ...main }],
        initContainers: [],
        volumes: workflow.volumes ?? [],
        securityContext: node.securityContext ?? workflow.securityContext ?? {},
      });
    }
    const spec = Array.isArray(node.templates) ? node : workflow;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'metadata' || k === 'status') continue;
      visit(v, path ? `${path}.${k}` : k, spec);
    }
  };
  visit(m, '', undefined);
  return out;
}

/** The uid a container runs as (container, then pod security context), or undefined (the image's user). */
export function runAsUser(pod: PodTemplate, c: RenderedContainer): number | undefined {
  return c.securityContext?.runAsUser ?? pod.securityContext.runAsUser;
}

/** The mount of `c` that holds `path` (the longest mount path that is a prefix of it). */
export function mountOf(c: RenderedContainer, path: string) {
  const within = (m: { mountPath: string }) =>
    path === m.mountPath || path.startsWith(m.mountPath.endsWith('/') ? m.mountPath : `${m.mountPath}/`);
  return (c.volumeMounts ?? []).filter(within).sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
}

/** Whether `path` lies on a writable volume (emptyDir or claim) mounted read-write in `c`. */
export function onWritableVolume(pod: PodTemplate, c: RenderedContainer, path: string): boolean {
  const m = mountOf(c, path);
  if (!m || m.readOnly) return false;
  const v = pod.volumes.find((x) => x.name === m.name);
  return v !== undefined && (v.emptyDir !== undefined || v.persistentVolumeClaim !== undefined);
}

/** The value of an environment variable of `c` (plain values only). */
export function envValue(c: RenderedContainer, name: string): string | undefined {
  return c.env?.find((e) => e.name === name)?.value;
}
