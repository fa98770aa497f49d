/**
 * Custom resources are written through small hand-written types (see the folders under apps/)
 * and created with `resource()`, which insists on an explicit name so that cdk8s never derives
 * one from the construct path.
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';

export interface Metadata {
  /** Object name; required: names are API, never derived from construct ids. */
  readonly name: string;
  /** Namespace; omit for cluster-scoped kinds. */
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ResourceProps<Spec> {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: Metadata;
  /** The body below metadata (usually `{ spec }`, or `{ data }` for a ConfigMap). */
  readonly body: Spec;
}

/** Adds one Kubernetes object to `scope` under construct id `id`. */
export function resource<Spec extends object>(
  scope: Construct,
  id: string,
  props: ResourceProps<Spec>,
): ApiObject {
  return new ApiObject(scope, id, {
    apiVersion: props.apiVersion,
    kind: props.kind,
    metadata: { ...props.metadata },
    ...(props.body as Record<string, unknown>),
  });
}
