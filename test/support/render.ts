/**
 * Rendering for tests: fixture environments through the real constructs.
 */
import { type KubeManifest, renderCluster } from '../../apps/index.js';
import type { EnvironmentProps } from '../../clusters/lib/environment.js';
import { resolve } from './fixtures.js';

/** A rendered object with its Flux layer. */
export interface Rendered {
  readonly layer: string;
  readonly manifest: KubeManifest;
}

/** The Kubernetes objects of one fixture environment (others, if given, are rendered with it). */
export function renderFixture(props: EnvironmentProps, ...others: EnvironmentProps[]): Rendered[] {
  const all = resolve(props, ...others);
  const env = all.find((e) => e.name === props.name)!;
  // Through JSON, as the writer does: cdk8s objects become plain data.
  return renderCluster(env, all).map((o) => ({
    layer: o.layer,
    manifest: JSON.parse(JSON.stringify(o.manifest)),
  }));
}

/** Finds one object by kind and name (and namespace). */
export function find(
  objects: readonly Rendered[],
  kind: string,
  name: string,
  namespace?: string,
): KubeManifest {
  const found = objects.filter(
    (o) =>
      o.manifest.kind === kind &&
      o.manifest.metadata.name === name &&
      (namespace === undefined || o.manifest.metadata.namespace === namespace),
  );
  if (found.length !== 1)
    throw new Error(`expected one ${kind} ${namespace ?? '*'}/${name}, found ${found.length}`);
  return found[0]!.manifest;
}
