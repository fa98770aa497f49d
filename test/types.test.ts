/**
 * What the compiler and the editor tell a user, checked with the project's own TypeScript:
 * - a misspelled field in a Kubernetes object is a compile error (the objects are typed by the
 *   generated imports, not untyped bodies);
 * - hovering a field of an environment file shows its documentation and default.
 * Both run in a temporary copy of the sources (test/support/workspace.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { fixture } from './support/fixtures.js';
import { ROOT, workspace } from './support/workspace.js';

const TSC = 'node_modules/typescript/bin/tsc';

describe('a misspelled field is a compile error', () => {
  const ws = workspace(['tsconfig.json', 'clusters', 'apps']);
  afterAll(() => ws.remove());

  test('progressDeadlineSecnds in the vLLM Deployment fails tsc, naming the field and the file', () => {
    const file = 'apps/workloads/vllm/index.ts';
    ws.write(
      'tsconfig.json',
      JSON.stringify({ extends: './tsconfig.base.json', include: ['apps', 'clusters'] }),
    );
    ws.write('tsconfig.base.json', JSON.stringify(withoutInclude(JSON.parse(readRootTsconfig()))));
    ws.plant(file, 'progressDeadlineSeconds:', 'progressDeadlineSecnds:');
    const r = spawnSync(process.execPath, [TSC, '--noEmit', '-p', 'tsconfig.json'], {
      cwd: ws.dir,
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    // The planted typo is the only error, so the copy is otherwise clean.
    const errors = r.stdout.split('\n').filter((l) => / error TS\d+: /.test(l));
    expect(errors).toEqual([expect.stringMatching(/'progressDeadlineSecnds'/)]);
    expect(errors[0]).toMatch(new RegExp(`^${file.replaceAll('.', '\\.')}\\(\\d+,\\d+\\): error TS\\d+: `));
  });
});

function readRootTsconfig(): string {
  return readFileSync(join(ROOT, 'tsconfig.json'), 'utf8');
}

function withoutInclude(config: Record<string, unknown>): Record<string, unknown> {
  const { include: _include, ...rest } = config;
  return rest;
}

describe('the editor shows each field of an environment file with its documentation', () => {
  const ws = workspace(['tsconfig.json', 'clusters']);
  afterAll(() => ws.remove());

  test('hover over fields of a new environment file (TypeScript language server)', async () => {
    const file = 'clusters/hover-check.ts';
    const props = fixture('hover-check');
    props.workloads!.jupyterhub!.idleCullMinutes = 30;
    // The fixture as a user writes it: unquoted keys, through defineEnvironment (no cast).
    const literal = JSON.stringify(props, null, 2).replace(/"([A-Za-z]+)":/g, '$1:');
    const text = `import { defineEnvironment } from './lib/environment.js';\n\nexport default defineEnvironment(${literal});\n`;
    ws.write(file, text);
    ws.write(
      'tsconfig.json',
      JSON.stringify({ ...withoutInclude(JSON.parse(readRootTsconfig())), include: ['clusters'] }),
    );
    const hovers = await hover(ws.dir, file, text, ['natGateways', 'idleCullMinutes']);
    expect(hovers.natGateways).toMatch(/EnvironmentProps\.natGateways/);
    expect(hovers.natGateways).toMatch(/One NAT gateway for the VPC \(cost\) or one per AZ \(availability\)/);
    expect(hovers.idleCullMinutes).toMatch(/Minutes without activity before a notebook server is stopped/);
    expect(hovers.idleCullMinutes).toMatch(/@default\W+60/);
  });
});

/** The hover text of the first occurrence of each word, from `tsc --lsp --stdio`. */
async function hover(
  root: string,
  file: string,
  text: string,
  words: readonly string[],
): Promise<Record<string, string>> {
  const server = spawn(process.execPath, [TSC, '--lsp', '--stdio'], { cwd: root });
  const connection = createMessageConnection(
    new StreamMessageReader(server.stdout),
    new StreamMessageWriter(server.stdin),
  );
  // The server asks the client for configuration and capabilities; answer with nothing.
  connection.onRequest(() => null);
  connection.listen();
  try {
    const rootUri = pathToFileURL(root).href;
    const uri = pathToFileURL(join(root, file)).href;
    await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri,
      capabilities: {},
      workspaceFolders: [{ uri: rootUri, name: 'workspace' }],
    });
    await connection.sendNotification('initialized', {});
    await connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'typescript', version: 1, text },
    });
    const out: Record<string, string> = {};
    for (const word of words) {
      const before = text.slice(0, text.indexOf(word)).split('\n');
      const result = (await connection.sendRequest('textDocument/hover', {
        textDocument: { uri },
        position: { line: before.length - 1, character: before.at(-1)!.length + 1 },
      })) as { contents?: { value?: string } } | null;
      out[word] = result?.contents?.value ?? '';
    }
    return out;
  } finally {
    connection.dispose();
    server.kill();
  }
}
