import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { schemasFor } from '../scripts/check-helm-values.js';
import { tempDir } from './support/files.js';

test('schemas are paired with the chart version each HelmRelease renders, not a version written twice', () => {
  const root = tempDir();
  const schemas = join(root, 'schemas');
  const dist = join(root, 'dist');
  mkdirSync(schemas);
  mkdirSync(join(dist, 'env/apps'), { recursive: true });
  for (const f of [
    'hub-1.0.0.values.schema.yaml',
    'hub-2.0.0.values.schema.yaml',
    'other-1.0.0.values.schema.json',
  ]) {
    writeFileSync(join(schemas, f), 'type: object\n');
  }
  const release = (chart: string, version: string) =>
    `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nspec:\n  chart:\n    spec:\n      chart: ${chart}\n      version: ${version}\n`;
  writeFileSync(join(dist, 'env/apps/helmrelease-x-hub.yaml'), release('hub', '2.0.0'));
  writeFileSync(join(dist, 'env/apps/helmrelease-x-nothing.yaml'), release('nothing', '9.9.9'));
  expect(schemasFor(schemas, dist)).toEqual([
    { chart: 'hub', file: join(schemas, 'hub-2.0.0.values.schema.yaml') },
  ]);
});
