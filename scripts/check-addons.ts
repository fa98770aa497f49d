/**
 * npm run addons:check -- --region REGION
 *
 * Lists every pinned EKS add-on version (clusters/versions.ts `eksAddons`) against what EKS
 * offers for the pinned Kubernetes version in REGION (`aws eks describe-addon-versions`). Run it
 * before a first apply in a region: exit 1 when a pin is not offered (the apply would fail with
 * InvalidParameterException). It needs the AWS CLI and credentials, so CI does not run it.
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { versions } from '../clusters/versions.js';
import { type AddonOffer, checkAddon, formatChecks } from '../infra/addons/check.js';

export function main(args: readonly string[]): number {
  const { values } = parseArgs({ args: [...args], options: { region: { type: 'string' } }, strict: true });
  const region = values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    process.stderr.write('addons:check: --region REGION (or AWS_REGION) is required\n');
    return 2;
  }
  const checks = Object.entries(versions.eksAddons).map(([addon, pinned]) => {
    const out = execFileSync(
      'aws',
      [
        'eks',
        'describe-addon-versions',
        '--region',
        region,
        '--kubernetes-version',
        versions.kubernetes,
        '--addon-name',
        addon,
        '--output',
        'json',
      ],
      { encoding: 'utf8' },
    );
    return checkAddon(addon, pinned, versions.kubernetes, JSON.parse(out) as AddonOffer);
  });
  const { text, ok } = formatChecks(versions.kubernetes, region, checks);
  process.stdout.write(`${text}\n`);
  if (!ok)
    process.stderr.write('addons:check: a pinned version is not offered; update clusters/versions.ts\n');
  return ok ? 0 : 1;
}

if (process.argv[1]?.endsWith('check-addons.ts')) process.exit(main(process.argv.slice(2)));
