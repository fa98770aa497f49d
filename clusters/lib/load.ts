/**
 * Loads every environment file in a clusters directory, validates each field and the
 * relations between environments, and fails with `clusters/<env>.ts: <field>: <reason>`.
 */
import { readdirSync } from 'node:fs';
import { basename, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { versions } from '../versions.js';
import { type Environment, environmentSchema } from './environment.js';
import { overlaps, parseCidr } from './net.js';
import type { Issue } from './schema.js';

/** Files in clusters/ that are not environments. */
export const NOT_ENVIRONMENTS = new Set(['versions.ts', 'contract.ts', 'identities.ts', 'index.ts']);

export interface LoadedEnvironment {
  /** Path shown in messages, e.g. `clusters/dev.ts`. */
  readonly file: string;
  readonly env: Environment;
}

export class EnvironmentError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'EnvironmentError';
  }
}

/** Lists environment files (absolute paths), sorted. */
export function environmentFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter(
      (d) =>
        d.isFile() && d.name.endsWith('.ts') && !d.name.endsWith('.d.ts') && !NOT_ENVIRONMENTS.has(d.name),
    )
    .map((d) => resolve(dir, d.name))
    .sort();
}

/** Imports and validates every environment in `dir`. Throws EnvironmentError listing every problem. */
export async function loadEnvironments(dir: string, cwd = process.cwd()): Promise<LoadedEnvironment[]> {
  const files = environmentFiles(dir);
  const raw = await Promise.all(
    files.map(async (f) => {
      const mod = (await import(pathToFileURL(f).href)) as { default?: unknown };
      return { file: relative(cwd, f) || basename(f), value: mod.default };
    }),
  );
  return validateEnvironments(raw);
}

/** Validates already-imported definitions; exported for tests. */
export function validateEnvironments(raw: readonly { file: string; value: unknown }[]): LoadedEnvironment[] {
  const problems: string[] = [];
  const loaded: LoadedEnvironment[] = [];
  for (const { file, value } of raw) {
    if (value === undefined) {
      problems.push(`${file}: default export: required (export default defineEnvironment({...}))`);
      continue;
    }
    const issues: Issue[] = [];
    if (environmentSchema.check(value, '', issues)) {
      checkEnvironment(value, issues);
      if (issues.length === 0) loaded.push({ file, env: value });
    }
    for (const i of issues) problems.push(`${file}: ${i.path}: ${i.reason}`);
  }
  if (problems.length === 0) checkAcross(loaded, problems);
  if (problems.length > 0) throw new EnvironmentError(problems);
  return loaded.sort((a, b) => a.env.name.localeCompare(b.env.name));
}

const FSX_THROUGHPUT = [125, 250, 500, 1000];

function checkEnvironment(env: Environment, issues: Issue[]): void {
  const push = (path: string, reason: string) => issues.push({ path, reason });
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
  for (const [path, list] of [
    ['endpoint.publicAccessCidrs', publicAccessCidrs],
    ['exposure.openTo', env.exposure.openTo],
  ] as const) {
    list.forEach((c, i) => {
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
  checkSystemNodeGroup(env, push);
  checkCognitoDomain(env, push);
  if (env.tier === 'production') {
    if (env.authentication.kind === 'dummy') {
      push(
        'authentication.kind',
        'the shared-password (dummy) authenticator is for development environments only',
      );
    }
  }
}

// --- infra --- (inputs that the AWS side would only reject at apply time)

/** EC2 instance type names: family letters, generation, attribute letters, optional -flex, size. */
const INSTANCE_TYPE =
  /^(?<family>[a-z]+)(?<generation>\d+)(?<attributes>[a-z]*)(?:-flex)?\.(?<size>[a-z0-9-]+)$/;
/** Families with accelerators: they belong in Karpenter pools, never in the system node group. */
const ACCELERATED_FAMILIES = ['p', 'g', 'gr', 'inf', 'trn', 'dl', 'f', 'vt'];

function checkSystemNodeGroup(env: Environment, push: (path: string, reason: string) => void): void {
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

/** Words Amazon Cognito refuses in a hosted sign-in domain prefix (`genai-<env>-<account>`). */
const COGNITO_RESERVED = ['aws', 'amazon', 'cognito'];

function checkCognitoDomain(env: Environment, push: (path: string, reason: string) => void): void {
  if (env.authentication.kind !== 'cognito') return;
  const word = COGNITO_RESERVED.find((w) => env.name.includes(w));
  if (word) {
    push(
      'name',
      `${JSON.stringify(env.name)} contains "${word}", which Cognito refuses in the sign-in domain this environment's cognito authentication needs`,
    );
  }
}

function checkAcross(loaded: readonly LoadedEnvironment[], problems: string[]): void {
  const byName = new Map<string, LoadedEnvironment>();
  for (const l of loaded) {
    const other = byName.get(l.env.name);
    if (other)
      problems.push(`${l.file}: name: ${JSON.stringify(l.env.name)} is already used by ${other.file}`);
    else byName.set(l.env.name, l);
  }
  for (let i = 0; i < loaded.length; i++) {
    for (let j = i + 1; j < loaded.length; j++) {
      const a = loaded[i]!;
      const b = loaded[j]!;
      const ca = parseCidr(a.env.vpcCidr);
      const cb = parseCidr(b.env.vpcCidr);
      if (typeof ca !== 'string' && typeof cb !== 'string' && overlaps(ca, cb)) {
        problems.push(
          `${b.file}: vpcCidr: ${b.env.vpcCidr} overlaps ${a.file}'s ${a.env.vpcCidr} (environments must be peerable)`,
        );
      }
    }
  }
  for (const l of loaded) {
    const dr = l.env.modelData.disasterRecovery;
    if (!dr) continue;
    const otherName = dr.role === 'source' ? dr.replicaEnvironment : dr.sourceEnvironment;
    const field = dr.role === 'source' ? 'replicaEnvironment' : 'sourceEnvironment';
    const other = byName.get(otherName);
    if (!other) {
      problems.push(
        `${l.file}: modelData.disasterRecovery.${field}: environment ${JSON.stringify(otherName)} does not exist`,
      );
      continue;
    }
    const back = other.env.modelData.disasterRecovery;
    const expected = dr.role === 'source' ? 'replica' : 'source';
    const backName = back
      ? back.role === 'source'
        ? back.replicaEnvironment
        : back.sourceEnvironment
      : undefined;
    if (!back || back.role !== expected || backName !== l.env.name) {
      problems.push(
        `${l.file}: modelData.disasterRecovery.${field}: ${other.file} must declare role ${JSON.stringify(expected)} pointing back at ${JSON.stringify(l.env.name)}`,
      );
    }
    if (other.env.region === l.env.region) {
      problems.push(
        `${l.file}: modelData.disasterRecovery.${field}: ${otherName} is in the same region (${l.env.region}); DR needs another region`,
      );
    }
  }
}
