import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { beforeAll, describe, expect, test } from 'vitest';
import { toYaml } from '../render/serialise.js';
import { architectureDiagram } from '../review/architecture.js';
import { parseTree } from '../review/objects.js';
import { fixture as fixtureProps, resolve } from './support/fixtures.js';
import { repository } from './support/repository.js';
import { ROOT } from './support/workspace.js';

/**
 * Mermaid's own parser (the one GitHub's renderer uses). It sanitises labels with DOMPurify,
 * which needs a DOM: jsdom provides one. mermaid.parse throws on a syntax error.
 */
let parse: (text: string) => Promise<unknown>;
beforeAll(async () => {
  const { window } = new JSDOM('');
  Object.assign(globalThis, { window, document: window.document });
  const { default: mermaid } = await import('mermaid');
  parse = (text) => mermaid.parse(text);
});

function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** `${NAME}` without writing the placeholder in a string literal. */
const ref = (name: string) => `$${'{'}${name}}`;

/** A small environment with the shapes the other branches render: pools, workloads, infra. */
function fixture(env: string) {
  const k8s = (layer: string, o: { kind: string; metadata: { name: string; namespace?: string } }) =>
    [
      `k8s/${env}/${layer}/${o.kind.toLowerCase()}-${o.metadata.namespace ?? ''}-${o.metadata.name}.yaml`,
      toYaml(o),
    ] as [string, string];
  const kustomization = (name: string, layer: string, dependsOn?: string) => ({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: 'flux-system' },
    spec: { path: `./dist/k8s/${env}/${layer}`, ...(dependsOn ? { dependsOn: [{ name: dependsOn }] } : {}) },
  });
  const files = new Map<string, string>([
    k8s('flux-system', kustomization('controllers', 'controllers')),
    k8s('flux-system', kustomization('apps', 'apps', 'controllers')),
    k8s('controllers', {
      kind: 'HelmRelease',
      metadata: { name: 'karpenter', namespace: 'flux-system' },
      spec: { targetNamespace: 'karpenter', values: { settings: { clusterName: ref('CLUSTER_NAME') } } },
    } as never),
    k8s('controllers', { kind: 'Namespace', metadata: { name: 'karpenter' } }),
    k8s('apps', {
      kind: 'NodePool',
      metadata: { name: 'nvidia' },
    }),
    k8s('apps', {
      kind: 'Deployment',
      metadata: { name: 'vllm-x "quoted"', namespace: 'inference' },
      spec: {
        template: {
          spec: {
            serviceAccountName: 'model-loader',
            nodeSelector: { 'karpenter.sh/nodepool': 'nvidia' },
            volumes: [{ name: 'm', csi: { volumeHandle: ref('FSX_FILE_SYSTEM_ID') } }],
          },
        },
      },
    } as never),
    [
      `terraform/${env}/cdk.tf.json`,
      JSON.stringify({
        resource: {
          aws_eks_cluster: { c: { name: `genai-${env}` } },
          aws_fsx_lustre_file_system: { fsx: { '//': { metadata: { path: `${env}/model-data/fsx` } } } },
          aws_iam_role: { loader: {}, unrelated: {} },
          aws_eks_pod_identity_association: {
            a: {
              namespace: 'inference',
              service_account: 'model-loader',
              role_arn: ref('aws_iam_role.loader.arn'),
            },
            k: {
              namespace: 'karpenter',
              service_account: 'karpenter',
              role_arn: ref('aws_iam_role.unrelated.arn'),
            },
          },
          kubernetes_config_map_v1: {
            vars: {
              metadata: { name: 'cluster-vars', namespace: 'flux-system' },
              data: {
                CLUSTER_NAME: ref('aws_eks_cluster.c.name'),
                FSX_FILE_SYSTEM_ID: ref('aws_fsx_lustre_file_system.fsx.id'),
              },
            },
          },
        },
      }),
    ],
  ]);
  return parseTree(files).get(env)!;
}

describe('architecture diagram', () => {
  test('links layers, workloads, pools and AWS resources, and Mermaid accepts it', async () => {
    const [env] = resolve(fixtureProps());
    const d = architectureDiagram(env!, fixture(env!.name));
    const node = (text: string) => {
      const m = new RegExp(`(n\\d+)\\["${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\]`).exec(d);
      expect(m, `node ${text} in\n${d}`).not.toBeNull();
      return m![1]!;
    };
    const deployment = node('Deployment<br/>inference/vllm-x #quot;quoted#quot;');
    const fsx = node('FSx for Lustre<br/>model-data/fsx');
    const role = node('IAM role (Pod Identity)<br/>inference/model-loader');
    const pool = node('NodePool<br/>nvidia');
    const karpenter = node('HelmRelease<br/>flux-system/karpenter');
    const eks = node('EKS cluster<br/>c');
    expect(d).toContain(`${deployment} -.->|"FSX_FILE_SYSTEM_ID"| ${fsx}`);
    expect(d).toContain(`${deployment} -.->|"Pod Identity"| ${role}`);
    expect(d).toContain(`${deployment} -->|"runs on"| ${pool}`);
    expect(d).toContain(`${karpenter} -.->|"CLUSTER_NAME"| ${eks}`);
    expect(d).toContain(
      `${karpenter} -.->|"Pod Identity"| ${node('IAM role (Pod Identity)<br/>karpenter/karpenter')}`,
    );
    expect(d).toContain(`${node('Kustomization controllers')} -->|"then"| ${node('Kustomization apps')}`);
    expect(d).toContain('+1 more: Namespace');
    await expect(parse(d)).resolves.toBeTruthy();
  });

  test('the parser check can fail: a broken diagram is rejected', async () => {
    await expect(parse('flowchart LR\n  n1["unterminated\n  n1 --> n2\n')).rejects.toThrow(/Parse error/);
  });
});

describe('docs/architecture.md', () => {
  test('every diagram in it parses as Mermaid', async () => {
    const blocks = mermaidBlocks(readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8'));
    expect(blocks.length).toBe((await repository()).envs.length);
    for (const b of blocks) await expect(parse(b)).resolves.toBeTruthy();
  });
});
