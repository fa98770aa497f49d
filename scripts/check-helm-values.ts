/**
 * Checks the values of every rendered HelmRelease against its chart (review/helm-values.ts):
 * every key path against the chart's default values, with review/helm-values-allowlist.ts, and
 * the values against the chart's values schema where it ships one.
 *
 *   tsx scripts/check-helm-values.ts --reference <dir> [--dist dist]
 *
 * `<dir>` is laid out like ../shared/reference (helm-chart-values/, helm-values-schemas/). Exit 1
 * on any problem. Used by .ci/run; npm test does not need the reference folder.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkValueKeys, checkValueSchemas, renderedReleases } from '../review/helm-values.js';
import { HELM_VALUES_ALLOWLIST } from '../review/helm-values-allowlist.js';
import { parseTree, readTreeFiles } from '../review/objects.js';

function main(): number {
  const { values } = parseArgs({
    options: { reference: { type: 'string' }, dist: { type: 'string', default: 'dist' } },
    strict: true,
  });
  if (!values.reference) {
    console.error('usage: check-helm-values --reference DIR [--dist DIST]');
    return 2;
  }
  const reference = resolve(values.reference);
  const releases = renderedReleases(parseTree(readTreeFiles(values.dist)));
  const keys = checkValueKeys(releases, reference, HELM_VALUES_ALLOWLIST);
  const schemas = checkValueSchemas(releases, reference);
  const problems = [...keys.problems, ...schemas.problems];
  for (const p of problems) console.error(p);
  console.log(
    `helm values: ${releases.length} HelmReleases; keys of ${keys.checked.length} chart versions checked ` +
      `against ${reference}/helm-chart-values (${keys.checked.join(', ')}); values schemas of ` +
      `${schemas.checked.length} (${schemas.checked.map((c) => c.split(' (')[0]).join(', ')})`,
  );
  for (const u of keys.unchecked) console.log(`helm values: keys NOT checked, no reference values: ${u}`);
  console.log(`helm values: ${problems.length} problem(s)`);
  return problems.length === 0 ? 0 : 1;
}

process.exit(main());
