/** Synthesizes environment stacks with cdktf's Testing helpers and reads the resulting JSON. */
import { expect } from 'vitest';
import type { Environment } from '../clusters/lib/environment.js';
import { loadEnvironments } from '../clusters/lib/load.js';
import { Testing } from '../infra/cdktf.js';
import { EnvironmentStack } from '../infra/index.js';
import { CLUSTERS } from './helpers.js';

export type Obj = Record<string, unknown>;

export function obj(v: unknown, what = 'value'): Obj {
  expect(v, `${what} is an object`).toBeTypeOf('object');
  expect(v).not.toBeNull();
  return v as Obj;
}

export function arr(v: unknown, what = 'value'): unknown[] {
  expect(Array.isArray(v), `${what} is a list`).toBe(true);
  return v as unknown[];
}

export function str(v: unknown, what = 'value'): string {
  expect(v, `${what} is a string`).toBeTypeOf('string');
  return v as string;
}

export interface Synth {
  /** Testing.synth output, for the Testing matchers. */
  readonly text: string;
  readonly json: Obj;
}

export async function repositoryEnvironments(): Promise<Environment[]> {
  return (await loadEnvironments(CLUSTERS)).map((l) => l.env);
}

export function synth(env: Environment, all: readonly Environment[]): Synth {
  const stack = new EnvironmentStack(Testing.app(), env, all);
  const text = Testing.synth(stack);
  return { text, json: JSON.parse(text) as Obj };
}

/** Every resource of a type, by logical id. */
export function resources(s: Synth, type: string): Record<string, Obj> {
  const all = obj(s.json.resource);
  return (Object.hasOwn(all, type) ? all[type] : {}) as Record<string, Obj>;
}

/** Logical id of the one resource of a type at a construct path under the stack (`eks/cluster`). */
export function resourceId(s: Synth, type: string, path: string): string {
  // cdktf drops a path component that repeats the end of the one before (flux/flux -> flux).
  const parts = path.replace(/^\//, '').split('/');
  const kept = parts.filter((c, i) => i === 0 || !parts[i - 1]!.endsWith(c));
  const prefix = `${kept.join('_')}_`;
  const found = Object.keys(resources(s, type)).filter(
    (id) => id.startsWith(prefix) && /^[0-9A-F]{8}$/.test(id.slice(prefix.length)),
  );
  expect(found, `${type} at ${path}`).toHaveLength(1);
  return found[0]!;
}

/** The one resource of a type at a construct path under the stack. */
export function resource(s: Synth, type: string, path: string): Obj {
  return resources(s, type)[resourceId(s, type, path)]!;
}

/** A Terraform interpolation `${expression}`. */
export function tf(expression: string): string {
  return `\${${expression}}`;
}

/** Resolves `${<type>.<id>.<attribute>}` to the referenced block (resource or data source). */
export function deref(s: Synth, expression: unknown): { block: Obj; type: string; attribute: string } {
  const m = /^\$\{(data\.)?([a-z0-9_]+)\.([^.}]+)\.([a-z_]+)\}$/.exec(str(expression, 'reference'));
  expect(m, `${String(expression)} is a plain reference`).not.toBeNull();
  const [, data, type, id, attribute] = m!;
  const section = obj(data ? s.json.data : s.json.resource);
  const block = obj(obj(section[type!], type)[id!], `${type}.${id}`);
  return { block, type: type!, attribute: attribute! };
}

export interface PolicyStatement {
  readonly sid: string;
  readonly effect: string;
  readonly actions: string[];
  readonly resources?: string[];
  readonly condition?: { test: string; variable: string; values: string[] }[];
  readonly principals?: { type: string; identifiers: string[] }[];
}

/** Statements of a policy attribute that references an aws_iam_policy_document. */
export function statements(s: Synth, policy: unknown): PolicyStatement[] {
  const { block, type } = deref(s, policy);
  expect(type).toBe('aws_iam_policy_document');
  return arr(block.statement) as PolicyStatement[];
}
