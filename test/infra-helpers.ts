/**
 * Synthesizes environment stacks with cdktf's Testing helpers and reads the resulting JSON.
 * Resources are found by their construct path under the stack (`eks/cluster`), and their
 * logical ids asked of cdktf itself (`TerraformStack.getLogicalId`), never rebuilt here.
 */
import type { IConstruct } from 'constructs';
import { expect } from 'vitest';
import type { Environment } from '../clusters/lib/resolve.js';
import { type TerraformStack, Testing } from '../infra/cdktf.js';
import { environmentStacks } from '../infra/index.js';
import { STAGES, type Stage } from '../infra/stages.js';
import { withoutTokenStacks } from '../render/tokens.js';

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
  readonly env: Environment;
  readonly stage: Stage;
  readonly stack: TerraformStack;
  /** Testing.synth output, for the Testing matchers. */
  readonly text: string;
  readonly json: Obj;
}

/** Both stacks (stages) of an environment, synthesized. */
export type Stages = { readonly [S in Stage]: Synth };

/** The stacks of `env` (one of `all`, the resolved environments it may refer to), synthesized. */
export function synth(env: Environment, all: readonly Environment[]): Stages {
  // As the render does: without the creation stacks cdktf records for every token (render/build.ts).
  return withoutTokenStacks(() => {
    const stacks = environmentStacks(Testing.app(), env, all);
    const one = (stage: Stage): Synth => {
      const stack = stacks[stage];
      const text = Testing.synth(stack);
      return { env, stage, stack, text, json: JSON.parse(text) as Obj };
    };
    return Object.fromEntries(STAGES.map((stage) => [stage, one(stage)])) as unknown as Stages;
  });
}

/** Every block (resource, data source, output, variable, provider, ephemeral) of a stage, as JSON text. */
export function everything(s: Stages): string[] {
  return STAGES.map((stage) => s[stage].text);
}

/** Every resource of a type, by logical id. */
export function resources(s: Synth, type: string): Record<string, Obj> {
  const all = obj(s.json.resource);
  return (Object.hasOwn(all, type) ? all[type] : {}) as Record<string, Obj>;
}

/** The construct at a path of construct ids under the stack (`eks/cluster`). */
export function construct(s: Synth, path: string): IConstruct {
  let scope: IConstruct = s.stack;
  for (const id of path.split('/')) {
    const child = scope.node.tryFindChild(id);
    expect(child, `${path}: ${scope.node.path} has no child ${id}`).toBeDefined();
    scope = child!;
  }
  return scope;
}

/** Logical id (cdktf's) of the resource of `type` at a construct path under the stack. */
export function resourceId(s: Synth, type: string, path: string): string {
  const c = construct(s, path) as IConstruct & { terraformResourceType?: string };
  expect(c.terraformResourceType, `${path} is a resource`).toBe(type);
  return s.stack.getLogicalId(c.node);
}

/** The resource of `type` at a construct path under the stack, as synthesized. */
export function resource(s: Synth, type: string, path: string): Obj {
  const id = resourceId(s, type, path);
  expect(resources(s, type), `${type}.${id} synthesized`).toHaveProperty([id]);
  return resources(s, type)[id]!;
}

/** `<type>.<logical id>` of the resource at a construct path: how Terraform expressions name it. */
export function address(s: Synth, type: string, path: string): string {
  return `${type}.${resourceId(s, type, path)}`;
}

/** A Terraform interpolation `${expression}`. */
export function tf(expression: string): string {
  return `\${${expression}}`;
}

/** Resolves `${<type>.<id>.<attribute>}` to the referenced block (resource or data source). */
export function deref(
  s: Synth,
  expression: unknown,
): { block: Obj; type: string; id: string; attribute: string } {
  const m = /^\$\{(data\.)?([a-z0-9_]+)\.([^.}]+)\.([a-z_]+)\}$/.exec(str(expression, 'reference'));
  expect(m, `${String(expression)} is a plain reference`).not.toBeNull();
  const [, data, type, id, attribute] = m!;
  const section = obj(data ? s.json.data : s.json.resource);
  const block = obj(obj(section[type!], type)[id!], `${type}.${id}`);
  return { block, type: type!, id: id!, attribute: attribute! };
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
