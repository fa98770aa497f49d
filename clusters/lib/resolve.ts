/**
 * From environment files' values to the `Environment`s that infra/ and apps/ receive: the schema
 * check with defaults filled (environment.ts), every check of one environment and across
 * environments, and the placement of every workload (fit.ts). Nothing downstream checks or
 * defaults again.
 *
 * Every problem is reported as `clusters/<file>.ts (<env>): <field>: <reason>`, all at once.
 */
import type { InstanceType } from '../catalog/instances.js';
import { DOGBOOTH_BASE_MODEL } from '../catalog/models.js';
import { type AcceleratedPool, POOL_NAMES, type PoolName } from '../contract.js';
import { toolVersions, versions } from '../versions.js';
import { checkCapacity } from './capacity.js';
import {
  environmentSchema,
  HARDENING_DEFAULTS,
  type Hardening,
  type ParsedDogbooth,
  type ParsedEnvironment,
  type ParsedJupyterHub,
  type ParsedOpenWebUI,
  type ParsedPipeline,
  type ParsedVllm,
} from './environment.js';
import { startProblem } from './fast-start.js';
import {
  FieldError,
  gpuShare,
  type InstanceShare,
  type Placement,
  placeDiffusion,
  placeVllm,
} from './fit.js';
import { overlaps, parseCidr } from './net.js';
import { checkVllmScaling } from './scaling.js';
import { INVALID, type Issue } from './schema.js';
import { checkVersions } from './versions-check.js';

export type VllmDeployment = ParsedVllm & {
  /** Where each replica lands and what it requests. */
  readonly placement: Placement;
};

export interface JupyterHub extends ParsedJupyterHub {
  /** The GPU profile's instance and the share one notebook server requests. */
  readonly gpu: InstanceShare;
}

export interface Dogbooth extends ParsedDogbooth {
  /** Where each GPU worker (one Serve replica) lands and what it requests. */
  readonly placement: Placement;
}

export interface Pipeline extends ParsedPipeline {
  /** The GPU steps' instance and the share one step requests. */
  readonly gpu: InstanceShare;
}

export interface Workloads {
  readonly vllm: readonly VllmDeployment[];
  readonly openWebUI: ParsedOpenWebUI | undefined;
  readonly jupyterhub: JupyterHub | undefined;
  readonly dogbooth: Dogbooth | undefined;
  readonly pipeline: Pipeline | undefined;
}

/** A checked environment with every default filled and every workload placed. */
export interface Environment extends Omit<ParsedEnvironment, 'workloads' | 'hardening'> {
  /** The file that defines it, as messages show it (`clusters/dev.ts`). */
  readonly file: string;
  readonly workloads: Workloads;
  /** Every hardening switch decided: the file's value, else the tier's default. */
  readonly hardening: Hardening;
}

/** One environment file's default export, before any check. */
export interface RawEnvironment {
  /** Path shown in messages, e.g. `clusters/dev.ts`. */
  readonly file: string;
  readonly value: unknown;
}

export class EnvironmentError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'EnvironmentError';
  }
}

/** `clusters/dev.ts (dev)`: how messages name an environment. */
export function where(file: string, name: string | undefined): string {
  return `${file} (${name ?? '?'})`;
}

/** Where the versions table lives, as messages name it. */
export const VERSIONS_FILE = 'clusters/versions.ts';

/** The versions table and the tools table of clusters/versions.ts. */
export interface VersionsTables {
  readonly versions: object;
  readonly toolVersions: object;
}

/** The problems of the versions tables, each `clusters/versions.ts: <entry>: <reason>`. */
export function versionProblems(tables: VersionsTables = { versions, toolVersions }): string[] {
  return [
    ...checkVersions(tables.versions).map((i) => `${VERSIONS_FILE}: ${i.path}: ${i.reason}`),
    ...checkVersions(tables.toolVersions).map((i) => `${VERSIONS_FILE}: toolVersions.${i.path}: ${i.reason}`),
  ];
}

/**
 * Checks and resolves every environment, and the versions table they are rendered with; throws
 * one EnvironmentError listing every problem. `tables` is clusters/versions.ts unless a test
 * passes another.
 */
export function resolveEnvironments(
  raw: readonly RawEnvironment[],
  tables: VersionsTables = { versions, toolVersions },
): Environment[] {
  const problems: string[] = versionProblems(tables);
  const tableProblems = problems.length;
  const resolved: Environment[] = [];
  for (const { file, value } of raw) {
    const name =
      typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string'
        ? (value as { name: string }).name
        : undefined;
    const at = where(file, name);
    if (value === undefined) {
      problems.push(`${at}: default export: required (export default defineEnvironment({...}))`);
      continue;
    }
    const issues: Issue[] = [];
    const parsed = environmentSchema.parse(value, '', issues);
    if (parsed !== INVALID) checkVllmScaling(value, parsed, issues);
    const env = parsed === INVALID ? undefined : resolveOne(file, parsed, issues);
    for (const i of issues) problems.push(`${at}: ${i.path}: ${i.reason}`);
    if (env && issues.length === 0) resolved.push(env);
  }
  if (problems.length === tableProblems) checkAcross(resolved, problems);
  if (problems.length > 0) throw new EnvironmentError(problems);
  return resolved.sort((a, b) => a.name.localeCompare(b.name));
}

function resolveOne(file: string, env: ParsedEnvironment, issues: Issue[]): Environment | undefined {
  const push = (path: string, reason: string) => issues.push({ path, reason });
  checkNetwork(env, push);
  checkSystemNodeGroup(env, push);
  checkPools(env, push);
  checkAuthentication(env, push);
  checkBootstrapAccess(env, push);
  const before = issues.length;
  const attempt = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof FieldError)) throw e;
      push(e.path, e.reason);
      return undefined;
    }
  };
  const w = env.workloads;
  const vllm = w.vllm.map((d, i) => {
    checkExposure(env, d.exposure, `workloads.vllm[${i}].exposure`, push);
    const placement = attempt(() => placeVllm(env, i, d));
    // How the replicas start must fit the memory they get (clusters/lib/fast-start.ts).
    const start =
      placement && d.pool === 'nvidia'
        ? startProblem(d.start, placement.memoryMiB, d.instanceType)
        : undefined;
    if (start) push(`workloads.vllm[${i}].${start.field}`, start.reason);
    return placement && !start ? { ...d, placement } : undefined;
  });
  const openWebUI = w.openWebUI;
  if (openWebUI) {
    const names = w.vllm.map((v) => v.name);
    openWebUI.backends.forEach((b, i) => {
      if (!names.includes(b)) {
        push(
          `workloads.openWebUI.backends[${i}]`,
          `${JSON.stringify(b)} names no vLLM deployment (workloads.vllm names: ${names.join(', ') || 'none'})`,
        );
      }
    });
    checkExposure(env, openWebUI.exposure, 'workloads.openWebUI.exposure', push);
  }
  let jupyterhub: JupyterHub | undefined;
  if (w.jupyterhub) {
    const hub = w.jupyterhub;
    checkExposure(env, hub.exposure, 'workloads.jupyterhub.exposure', push);
    const gpu = attempt(() =>
      gpuShare(
        env,
        'workloads.jupyterhub.gpuProfile.instanceType',
        hub.gpuProfile.instanceType,
        24,
        'the dogbooth fine-tuning',
      ),
    );
    if (gpu) jupyterhub = { ...hub, gpu };
  }
  let dogbooth: Dogbooth | undefined;
  if (w.dogbooth) {
    const d = w.dogbooth;
    if (d.minWorkers > d.maxWorkers) {
      push('workloads.dogbooth.minWorkers', `${d.minWorkers} is more than maxWorkers (${d.maxWorkers})`);
    }
    const field = 'workloads.dogbooth.workerInstanceType';
    const placement = attempt(() => placeDiffusion(env, field, DOGBOOTH_BASE_MODEL, d.workerInstanceType));
    if (placement) dogbooth = { ...d, placement };
  }
  let pipeline: Pipeline | undefined;
  if (w.pipeline) {
    const p = w.pipeline;
    const gpu = attempt(() =>
      gpuShare(
        env,
        'workloads.pipeline.gpuInstanceType',
        p.gpuInstanceType,
        24,
        'DreamBooth fine-tuning of Stable Diffusion at 768 px',
      ),
    );
    if (gpu) pipeline = { ...p, gpu };
  }
  if (issues.length > before || vllm.some((v) => v === undefined)) return undefined;
  const resolved: Environment = {
    ...env,
    file,
    hardening: resolveHardening(env),
    workloads: {
      vllm: vllm as VllmDeployment[],
      openWebUI,
      jupyterhub,
      dogbooth,
      pipeline,
    },
  };
  // Every workload is placed: does each accelerated pool hold them all at their maximum?
  checkCapacity(resolved, push);
  return issues.length > before ? undefined : resolved;
}

type Push = (path: string, reason: string) => void;

const FSX_THROUGHPUT = [125, 250, 500, 1000];

function checkNetwork(env: ParsedEnvironment, push: Push): void {
  env.availabilityZones.forEach((az, i) => {
    if (!new RegExp(`^${env.region}[a-z]$`).test(az)) {
      push(`availabilityZones[${i}]`, `${JSON.stringify(az)} is not an availability zone of ${env.region}`);
    }
  });
  const vpc = parseCidr(env.vpcCidr);
  if (typeof vpc !== 'string' && (vpc.prefix < 16 || vpc.prefix > 20)) {
    push('vpcCidr', `prefix must be between /16 and /20 (EKS needs room for pods), got /${vpc.prefix}`);
  }
  const { publicAccess, publicAccessCidrs } = env.endpoint;
  if (publicAccess && publicAccessCidrs.length === 0) {
    push('endpoint.publicAccessCidrs', 'must name at least one CIDR when publicAccess is true');
  }
  if (!publicAccess && publicAccessCidrs.length > 0) {
    push('endpoint.publicAccessCidrs', 'must be empty when publicAccess is false');
  }
  for (const [path, cidrs] of [
    ['endpoint.publicAccessCidrs', publicAccessCidrs],
    ['exposure.openTo', env.exposure.openTo],
  ] as const) {
    cidrs.forEach((c, i) => {
      const p = parseCidr(c);
      if (typeof p !== 'string' && p.prefix === 0) {
        push(`${path}[${i}]`, `${c} opens to the whole internet; name the networks that need access`);
      }
    });
  }
  const { fsxStorageGiB, fsxThroughputPerTiB } = env.modelData;
  if (!(fsxStorageGiB === 1200 || fsxStorageGiB % 2400 === 0)) {
    push(
      'modelData.fsxStorageGiB',
      `FSx for Lustre PERSISTENT_2 takes 1200, 2400 or a multiple of 2400 GiB, got ${fsxStorageGiB}`,
    );
  }
  if (!FSX_THROUGHPUT.includes(fsxThroughputPerTiB)) {
    push(
      'modelData.fsxThroughputPerTiB',
      `PERSISTENT_2 takes ${FSX_THROUGHPUT.join(', ')} MB/s/TiB, got ${fsxThroughputPerTiB}`,
    );
  }
}

/** `open` exposure needs the environment to name who may connect. */
function checkExposure(env: ParsedEnvironment, exposure: string, field: string, push: Push): void {
  if (exposure === 'open' && env.exposure.openTo.length === 0) {
    push(
      field,
      '"open" needs exposure.openTo to name the CIDRs allowed in (it is empty, so only internal exposure is possible)',
    );
  }
}

/** EC2 instance type names: family letters, generation, attribute letters, optional -flex, size. */
const INSTANCE_TYPE =
  /^(?<family>[a-z]+)(?<generation>\d+)(?<attributes>[a-z]*)(?:-flex)?\.(?<size>[a-z0-9-]+)$/;
/** Families with accelerators: they belong in Karpenter pools, never in the system node group. */
const ACCELERATED_FAMILIES = ['p', 'g', 'gr', 'inf', 'trn', 'dl', 'f', 'vt'];

function checkSystemNodeGroup(env: ParsedEnvironment, push: Push): void {
  const type = env.systemNodeGroup.instanceType;
  const m = INSTANCE_TYPE.exec(type);
  if (!m?.groups) {
    push(
      'systemNodeGroup.instanceType',
      `${JSON.stringify(type)} is not an EC2 instance type like m5.xlarge`,
    );
    return;
  }
  const { family, attributes } = m.groups as { family: string; attributes: string };
  if (ACCELERATED_FAMILIES.includes(family)) {
    push(
      'systemNodeGroup.instanceType',
      `${type} is an accelerated instance type; the system node group runs critical add-ons on general-purpose capacity (accelerators come from the Karpenter pools)`,
    );
    return;
  }
  const arm = attributes.includes('g');
  const amiArm = versions.systemNodeGroupAmi.type.includes('ARM_64');
  if (arm !== amiArm) {
    push(
      'systemNodeGroup.instanceType',
      `${type} is ${arm ? 'an Arm (Graviton)' : 'an x86_64'} instance type but the system node group AMI is ${versions.systemNodeGroupAmi.type} (clusters/versions.ts)`,
    );
  }
}

const NVIDIA_FAMILIES = ['g4dn', 'g5', 'g6', 'g6e', 'gr6', 'p4d', 'p4de', 'p5', 'p5e', 'p5en'];
const NEURON_FAMILIES = ['inf2', 'trn1', 'trn1n', 'trn2'];

/** Instance families each pool accepts (x86_64 only: the pools require amd64). */
const POOL_FAMILIES: { readonly [P in PoolName]: (family: string) => string | undefined } = {
  cpu: (f) =>
    /^[cmr][0-9]+[a-z-]*$/.test(f) && !/^[cmr][0-9]+[a-z-]*g/.test(f)
      ? undefined
      : `${JSON.stringify(f)} is not an x86 general purpose (c, m or r) instance family`,
  nvidia: (f) =>
    NVIDIA_FAMILIES.includes(f)
      ? undefined
      : `${JSON.stringify(f)} is not an x86 NVIDIA GPU instance family (known: ${NVIDIA_FAMILIES.join(', ')})`,
  neuron: (f) =>
    NEURON_FAMILIES.includes(f)
      ? undefined
      : `${JSON.stringify(f)} is not a Neuron instance family (known: ${NEURON_FAMILIES.join(', ')})`,
};

/** Families per pool, and no spot capacity for production serving. */
function checkPools(env: ParsedEnvironment, push: Push): void {
  for (const name of POOL_NAMES) {
    const pool = env.pools[name];
    pool.instanceFamilies.forEach((f, i) => {
      const problem = POOL_FAMILIES[name](f);
      if (problem) push(`pools.${name}.instanceFamilies[${i}]`, problem);
    });
    if (env.tier === 'production' && name !== 'cpu' && pool.capacityTypes.includes('spot')) {
      push(
        `pools.${name}.capacityTypes`,
        'production environments serve models on on-demand or reserved capacity; "spot" would interrupt requests',
      );
    }
  }
}

/** Words Amazon Cognito refuses in a hosted sign-in domain prefix (`genai-<env>-<account>`). */
const COGNITO_RESERVED = ['aws', 'amazon', 'cognito'];

function checkAuthentication(env: ParsedEnvironment, push: Push): void {
  if (env.tier === 'production' && env.authentication.kind === 'dummy') {
    push(
      'authentication.kind',
      'the shared-password (dummy) authenticator is for development environments only',
    );
  }
  if (env.authentication.kind === 'cognito') {
    const word = COGNITO_RESERVED.find((w) => env.name.includes(w));
    if (word) {
      push(
        'name',
        `${JSON.stringify(env.name)} contains "${word}", which Cognito refuses in the sign-in domain this environment's cognito authentication needs`,
      );
    }
  }
}

/** Private address space (RFC 1918, and RFC 6598 shared space): never a source the public endpoint sees. */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'];

/**
 * Can the bootstrap stage reach the API server the way `bootstrap.access` says? The public
 * endpoint is reached over the internet, where the runner's traffic carries a public source
 * address (from inside the VPC, the NAT gateway's), so a private range in its allow-list never
 * matches. A network routed to the VPC (peering, VPN, Transit Gateway) cannot overlap the VPC's
 * CIDR without lying inside it (https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html,
 * "VPC peering limitations": no overlapping CIDR blocks).
 */
function checkBootstrapAccess(env: ParsedEnvironment, push: Push): void {
  const { access, runnerCidrs } = env.bootstrap;
  const vpc = parseCidr(env.vpcCidr);
  if (access === 'public-endpoint' && runnerCidrs.length === 0) {
    push(
      'bootstrap.runnerCidrs',
      'access "public-endpoint" needs the public CIDRs the bootstrap runs from: the public endpoint is opened to them only',
    );
  }
  runnerCidrs.forEach((text, i) => {
    const c = parseCidr(text);
    if (typeof c === 'string') return;
    const field = `bootstrap.runnerCidrs[${i}]`;
    if (c.prefix === 0) {
      push(
        field,
        `${text} opens the API server to the whole internet; name the networks the bootstrap runs from`,
      );
      return;
    }
    if (access === 'public-endpoint') {
      const range = PRIVATE_RANGES.find((r) => {
        const p = parseCidr(r);
        return typeof p !== 'string' && overlaps(p, c);
      });
      if (range) {
        push(
          field,
          `${text} is private address space (${range}): the public endpoint sees the runner's public address (from inside the VPC, the NAT gateway's), so it can never match; use access "private-endpoint" to run from inside the VPC`,
        );
      }
    } else if (typeof vpc !== 'string' && overlaps(vpc, c) && c.prefix < vpc.prefix) {
      // Aligned CIDR blocks either nest or are disjoint: this one contains the VPC's.
      push(
        field,
        `${text} contains vpcCidr ${env.vpcCidr}: a network routed to the VPC cannot overlap its CIDR (name the VPC-external network the bootstrap runs from; the VPC's own CIDR is always admitted)`,
      );
    }
  });
}

/** The hardening switches, each the file's value or the tier's default. */
function resolveHardening(env: ParsedEnvironment): Hardening {
  const defaults = HARDENING_DEFAULTS[env.tier];
  const h = env.hardening;
  return {
    deletionProtection: h.deletionProtection ?? defaults.deletionProtection,
    zonalShift: h.zonalShift ?? defaults.zonalShift,
    encryptControlPlaneLogs: h.encryptControlPlaneLogs ?? defaults.encryptControlPlaneLogs,
    s3GatewayEndpoint: h.s3GatewayEndpoint ?? defaults.s3GatewayEndpoint,
    vpcCniPodIdentity: h.vpcCniPodIdentity ?? defaults.vpcCniPodIdentity,
    administratorRoles: h.administratorRoles,
  };
}

function checkAcross(envs: readonly Environment[], problems: string[]): void {
  const at = (e: Environment) => where(e.file, e.name);
  const byName = new Map<string, Environment>();
  for (const e of envs) {
    const other = byName.get(e.name);
    if (other) problems.push(`${at(e)}: name: ${JSON.stringify(e.name)} is already used by ${other.file}`);
    else byName.set(e.name, e);
  }
  for (let i = 0; i < envs.length; i++) {
    for (let j = i + 1; j < envs.length; j++) {
      const a = envs[i]!;
      const b = envs[j]!;
      const ca = parseCidr(a.vpcCidr);
      const cb = parseCidr(b.vpcCidr);
      if (typeof ca !== 'string' && typeof cb !== 'string' && overlaps(ca, cb)) {
        problems.push(
          `${at(b)}: vpcCidr: ${b.vpcCidr} overlaps vpcCidr ${a.vpcCidr} of ${at(a)} (environments must be peerable)`,
        );
      }
    }
  }
  for (const e of envs) {
    const dr = e.modelData.disasterRecovery;
    if (!dr) continue;
    const otherName = dr.role === 'source' ? dr.replicaEnvironment : dr.sourceEnvironment;
    const field = `modelData.disasterRecovery.${dr.role === 'source' ? 'replicaEnvironment' : 'sourceEnvironment'}`;
    const other = byName.get(otherName);
    if (!other) {
      problems.push(`${at(e)}: ${field}: environment ${JSON.stringify(otherName)} does not exist`);
      continue;
    }
    const back = other.modelData.disasterRecovery;
    const expected = dr.role === 'source' ? 'replica' : 'source';
    const backName = back
      ? back.role === 'source'
        ? back.replicaEnvironment
        : back.sourceEnvironment
      : undefined;
    if (!back || back.role !== expected || backName !== e.name) {
      problems.push(
        `${at(e)}: ${field}: ${at(other)} must declare role ${JSON.stringify(expected)} pointing back at ${JSON.stringify(e.name)}`,
      );
    }
    if (other.region === e.region) {
      problems.push(
        `${at(e)}: ${field}: ${otherName} is in the same region (${e.region}); DR needs another region`,
      );
    }
  }
}

/** The environment a DR source replicates to (resolved and checked by `resolveEnvironments`). */
export function replicaOf(env: Environment, all: readonly Environment[]): Environment | undefined {
  const dr = env.modelData.disasterRecovery;
  return dr?.role === 'source' ? all.find((e) => e.name === dr.replicaEnvironment) : undefined;
}

export type { AcceleratedPool, InstanceType };
