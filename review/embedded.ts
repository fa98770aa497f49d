/**
 * The Python and shell programs the rendered objects carry, as files: what .ci/run checks with
 * the real tools (python3 -m py_compile, pyflakes, shellcheck) and unit-tests with Python's
 * unittest (test/python/). Read from a rendered tree, so what is checked is what ships:
 * - Python modules in ConfigMaps (`<key>.py`, named by their key so tests import them);
 * - the code cells of notebooks in ConfigMaps, one file per notebook, IPython magics as comments;
 * - the scripts of Argo script templates run by python3;
 * - `sh -c <script>` (and bash) commands of containers and init containers.
 * Files are named by namespace and origin, not by environment or generated name, and deduplicated
 * by content within an environment.
 */
import { createHash } from 'node:crypto';
import type { EnvironmentObjects } from './objects.js';

export interface EmbeddedFile {
  /** Path relative to an environment's output folder: `modules/…`, `steps/…`, `notebooks/…`, `shell/…`. */
  readonly path: string;
  readonly language: 'python' | 'shell';
  readonly content: string;
  /** Where it was found (`Kind namespace/name …`). */
  readonly origins: readonly string[];
}

type Any = Record<string, unknown>;

const SHELLS = new Set(['sh', '/bin/sh', 'bash', '/bin/bash']);
const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]+/g, '-');

/** Notebook code cells as one Python file; lines starting with IPython's `!` or `%` become comments. */
export function notebookPython(ipynb: string): string {
  const nb = JSON.parse(ipynb) as { cells: { cell_type: string; source: string[] | string }[] };
  return `${nb.cells
    .filter((c) => c.cell_type === 'code')
    .map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source))
    .map((code) =>
      code
        .split('\n')
        .map((l) => (/^\s*[!%]/.test(l) ? `# IPython: ${l.trim()}` : l))
        .join('\n'),
    )
    .join('\n\n\n')}\n`;
}

/** Every embedded program of one environment's Kubernetes objects. */
export function embeddedFiles(objects: EnvironmentObjects): EmbeddedFile[] {
  const byContent = new Map<
    string,
    { path: string; language: EmbeddedFile['language']; content: string; origins: string[] }
  >();
  const taken = new Set<string>();
  const add = (path: string, language: EmbeddedFile['language'], content: string, origin: string) => {
    const key = createHash('sha256').update(`${language}\0${content}`).digest('hex');
    const found = byContent.get(key);
    if (found) {
      found.origins.push(origin);
      return;
    }
    let unique = path;
    for (let i = 2; taken.has(unique); i++) unique = path.replace(/(\.\w+)$/, `-${i}$1`);
    taken.add(unique);
    byContent.set(key, { path: unique, language, content, origins: [origin] });
  };
  for (const o of objects.kubernetes.values()) {
    const m = o.manifest as Any;
    const ns = o.namespace ?? 'cluster';
    if (o.kind === 'ConfigMap') {
      for (const [key, value] of Object.entries((m.data ?? {}) as Record<string, string>)) {
        if (key.endsWith('.py')) add(`modules/${key}`, 'python', value, `${o.id} ${key}`);
        if (key.endsWith('.ipynb')) {
          add(
            `notebooks/${safe(`${ns}.${o.name}.${key.replace(/\.ipynb$/, '')}`)}.py`,
            'python',
            notebookPython(value),
            `${o.id} ${key}`,
          );
        }
      }
      continue;
    }
    if (o.kind === 'HelmRelease') continue;
    visit(m, (node, path) => {
      const command = node.command as string[] | undefined;
      if (
        Array.isArray(command) &&
        SHELLS.has(command[0] ?? '') &&
        command[1] === '-c' &&
        typeof command[2] === 'string'
      ) {
        add(
          `shell/${safe(`${ns}.${String(node.name ?? 'container')}`)}.sh`,
          'shell',
          command[2],
          `${o.id} ${path}`,
        );
      }
      const script = node.script as Any | undefined;
      if (
        script &&
        typeof script.source === 'string' &&
        (script.command as string[] | undefined)?.[0]?.startsWith('python')
      ) {
        add(
          `steps/${safe(`${ns}.${o.name}.${String(node.name)}`)}.py`,
          'python',
          script.source,
          `${o.id} ${path}`,
        );
      }
    });
  }
  return [...byContent.values()].sort((a, b) => a.path.localeCompare(b.path));
}

function visit(node: unknown, f: (node: Any, path: string) => void, path = ''): void {
  if (Array.isArray(node)) {
    node.forEach((n, i) => {
      visit(n, f, `${path}[${i}]`);
    });
    return;
  }
  if (!node || typeof node !== 'object') return;
  f(node as Any, path);
  for (const [k, v] of Object.entries(node)) {
    if (k !== 'metadata') visit(v, f, path ? `${path}.${k}` : k);
  }
}
