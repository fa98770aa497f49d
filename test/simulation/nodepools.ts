/**
 * The one translation of our AWS-specific Karpenter objects into what Karpenter's kwok provider
 * understands (sigs.k8s.io/karpenter@v1.14.1:kwok). Everything else of a NodePool (limits,
 * disruption, taints, labels, capacity type, architecture and OS requirements) is kept as rendered.
 *
 * - `EC2NodeClass <name>` becomes `KWOKNodeClass <name>` (karpenter.kwok.sh/v1alpha1, cluster
 *   scoped, no spec needed: its CRD defaults status to Ready, kwok/apis/v1alpha1/kwoknodeclass.go),
 *   and each NodePool's `nodeClassRef` points at it.
 * - `karpenter.k8s.aws/instance-family` becomes `karpenter.kwok.sh/instance-family`, with the same
 *   operator and values: the provider derives that label from the type's name exactly as the
 *   family is written in ours (`parseFamilyFromType`: the part before the first `.`), which a unit
 *   test checks for every generated type.
 * - Every other `karpenter.k8s.aws/*` requirement (size, category, generation, cpu, memory, GPU
 *   and accelerator count or manufacturer) becomes `node.kubernetes.io/instance-type In [...]`:
 *   the generated types whose AWS label value satisfies it (the provider has no such labels).
 *   A key this table does not know is an error, never dropped.
 */
import type { KubeManifest } from '../../apps/index.js';
import type { SimInstanceType } from './instance-types.js';

export const KWOK_GROUP = 'karpenter.kwok.sh';
export const KWOK_NODE_CLASS = 'KWOKNodeClass';
export const KWOK_FAMILY_LABEL = 'karpenter.kwok.sh/instance-family';
export const INSTANCE_TYPE_LABEL = 'node.kubernetes.io/instance-type';
/** The value a translated requirement lists when no generated type satisfies it. */
export const NO_TYPE = 'no-generated-instance-type-matches';

export interface Requirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
  readonly minValues?: number;
}

/** The AWS provider's label of a type for `key`, or undefined when the type has none. */
export function awsLabel(t: SimInstanceType, key: string): string | undefined {
  const size = t.name.slice(t.family.length + 1);
  const nvidia = t.devices?.resource === 'nvidia.com/gpu';
  const neuron = t.devices?.resource === 'aws.amazon.com/neuron';
  switch (key) {
    case 'karpenter.k8s.aws/instance-family':
      return t.family;
    case 'karpenter.k8s.aws/instance-size':
      return size;
    case 'karpenter.k8s.aws/instance-category':
      return /^[a-z]+/.exec(t.family)?.[0];
    case 'karpenter.k8s.aws/instance-generation':
      return /[0-9]+/.exec(t.family)?.[0];
    case 'karpenter.k8s.aws/instance-cpu':
      return String(t.vcpus);
    case 'karpenter.k8s.aws/instance-memory':
      return String(t.memoryGiB * 1024);
    case 'karpenter.k8s.aws/instance-gpu-count':
      return nvidia ? String(t.devices!.count) : undefined;
    case 'karpenter.k8s.aws/instance-gpu-manufacturer':
      return nvidia ? 'nvidia' : undefined;
    case 'karpenter.k8s.aws/instance-accelerator-count':
      return neuron ? String(t.devices!.count) : undefined;
    case 'karpenter.k8s.aws/instance-accelerator-manufacturer':
      return neuron ? 'aws' : undefined;
    default:
      throw new Error(
        `${key}: no translation to the kwok provider (test/simulation/nodepools.ts knows family, size, category, generation, cpu, memory, gpu and accelerator count and manufacturer)`,
      );
  }
}

/** Whether a label value (undefined: label absent) satisfies a node selector requirement. */
export function satisfies(r: Requirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && Number(value) > Number(values[0]);
    case 'Lt':
      return value !== undefined && Number(value) < Number(values[0]);
    default:
      throw new Error(`requirement ${r.key}: unknown operator ${r.operator}`);
  }
}

/** One requirement in the kwok provider's terms. */
export function translateRequirement(r: Requirement, types: readonly SimInstanceType[]): Requirement {
  if (!r.key.startsWith('karpenter.k8s.aws/')) return r;
  if (r.key === 'karpenter.k8s.aws/instance-family') return { ...r, key: KWOK_FAMILY_LABEL };
  if (r.minValues !== undefined) {
    throw new Error(`${r.key}: minValues cannot be kept when the requirement becomes an instance-type list`);
  }
  const names = types.filter((t) => satisfies(r, awsLabel(t, r.key))).map((t) => t.name);
  return { key: INSTANCE_TYPE_LABEL, operator: 'In', values: names.length ? names : [NO_TYPE] };
}

const rec = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** A rendered NodePool in the kwok provider's terms (a new object; the input is not changed). */
export function kwokNodePool(nodePool: KubeManifest, types: readonly SimInstanceType[]): KubeManifest {
  const np = structuredClone(nodePool) as KubeManifest & { spec?: unknown };
  const spec = rec(rec(np.spec).template).spec as Record<string, unknown> | undefined;
  if (!spec) throw new Error(`NodePool ${np.metadata.name}: no spec.template.spec`);
  const ref = rec(spec.nodeClassRef);
  if (ref.kind !== 'EC2NodeClass' || ref.group !== 'karpenter.k8s.aws') {
    throw new Error(
      `NodePool ${np.metadata.name}: nodeClassRef ${ref.group}/${ref.kind} is not an EC2NodeClass`,
    );
  }
  spec.nodeClassRef = { group: KWOK_GROUP, kind: KWOK_NODE_CLASS, name: ref.name };
  const reqs = (spec.requirements ?? []) as Requirement[];
  spec.requirements = reqs.map((r) => {
    try {
      return translateRequirement(r, types);
    } catch (e) {
      throw new Error(`NodePool ${np.metadata.name}: ${(e as Error).message}`);
    }
  });
  return np;
}

/** The KWOKNodeClass standing in for an EC2NodeClass of the same name. */
export function kwokNodeClass(ec2NodeClass: KubeManifest): KubeManifest {
  return {
    apiVersion: `${KWOK_GROUP}/v1alpha1`,
    kind: KWOK_NODE_CLASS,
    metadata: { name: ec2NodeClass.metadata.name },
  } as KubeManifest;
}

/** Whether an object is one of the AWS Karpenter kinds this module translates. */
export function isAwsKarpenterKind(
  m: Pick<KubeManifest, 'apiVersion' | 'kind'>,
): 'NodePool' | 'EC2NodeClass' | undefined {
  if (m.apiVersion.startsWith('karpenter.sh/') && m.kind === 'NodePool') return 'NodePool';
  if (m.apiVersion.startsWith('karpenter.k8s.aws/') && m.kind === 'EC2NodeClass') return 'EC2NodeClass';
  return undefined;
}
