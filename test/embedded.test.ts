/**
 * The extraction .ci/run checks with python3, pyflakes and shellcheck (review/embedded.ts): it
 * finds every program the rendered workloads carry, so none escapes the real tools.
 */
import { describe, expect, test } from 'vitest';
import { embeddedFiles, notebookPython } from '../review/embedded.js';
import { podTemplates } from './support/pods.js';
import { repository } from './support/repository.js';

describe('embedded programs', () => {
  test('every Python module, notebook, Python step and shell command of every environment is extracted', async () => {
    const { envs, objects } = await repository();
    for (const env of envs) {
      const o = objects.get(env.name)!;
      const files = embeddedFiles(o);
      const contents = new Set(files.map((f) => f.content));
      let expected = 0;
      for (const k of o.kubernetes.values()) {
        const m = k.manifest as { data?: Record<string, string> };
        if (k.kind === 'ConfigMap') {
          for (const [key, value] of Object.entries(m.data ?? {})) {
            if (key.endsWith('.py')) {
              expect(contents.has(value), `${env.name}: ${k.id} ${key}`).toBe(true);
              expected++;
            }
            if (key.endsWith('.ipynb')) {
              expect(contents.has(notebookPython(value)), `${env.name}: ${k.id} ${key}`).toBe(true);
              expected++;
            }
          }
        }
        for (const pod of podTemplates(k.manifest)) {
          for (const c of pod.containers) {
            if (c.command?.[1] === '-c' && /sh$/.test(c.command[0] ?? '')) {
              expect(contents.has(c.command[2]!), `${env.name}: ${pod.where} ${c.name}`).toBe(true);
              expected++;
            }
            if (c.source && c.command?.[0]?.startsWith('python')) {
              expect(contents.has(c.source), `${env.name}: ${pod.where} ${c.name}`).toBe(true);
              expected++;
            }
          }
        }
      }
      if (env.workloads.vllm.length > 0 || env.workloads.dogbooth || env.workloads.pipeline) {
        expect(expected, env.name).toBeGreaterThan(0);
      }
      for (const f of files)
        expect(f.path, env.name).toMatch(/^(modules|notebooks|steps|shell)\/[\w.-]+\.(py|sh)$/);
    }
  });

  test('notebook cells become one Python file, IPython magics commented out', () => {
    const nb = JSON.stringify({
      cells: [
        { cell_type: 'markdown', source: ['# title'] },
        { cell_type: 'code', source: ['!nvidia-smi\n', 'import torch'] },
        { cell_type: 'code', source: ['%pip install x==1\n', 'print(torch)'] },
      ],
    });
    expect(notebookPython(nb)).toBe(
      '# IPython: !nvidia-smi\nimport torch\n\n\n# IPython: %pip install x==1\nprint(torch)\n',
    );
  });
});
