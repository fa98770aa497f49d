/**
 * npm run synth [-- --env NAME[,NAME]] [--only k8s|terraform] [--out DIR] [--clusters DIR]
 *
 * Renders every environment (or the named ones) in one process: cdk8s to <out>/k8s/<env>/,
 * cdktf to <out>/terraform/<env>/. A failure leaves <out> exactly as it was.
 */
import { parseArgs } from 'node:util';
import { EnvironmentError } from '../clusters/lib/load.js';
import { PARTS, type Part, RenderError, render, writeRender } from './lib/render.js';

async function main(): Promise<number> {
  const started = performance.now();
  const { values } = parseArgs({
    options: {
      env: { type: 'string', multiple: true },
      only: { type: 'string' },
      out: { type: 'string', default: 'dist' },
      clusters: { type: 'string', default: 'clusters' },
      quiet: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const only = (values.env ?? []).flatMap((e) => e.split(',')).filter(Boolean);
  if (values.only !== undefined && !PARTS.includes(values.only as Part)) {
    throw new RenderError(`--only: expected one of ${PARTS.join(', ')}, got ${JSON.stringify(values.only)}`);
  }
  const parts: readonly Part[] = values.only ? [values.only as Part] : PARTS;
  const cdktfOutdir = parts.includes('terraform') ? process.env.CDKTF_OUTDIR : undefined;
  const results = await render({
    clustersDir: values.clusters,
    only,
    parts,
    ...(cdktfOutdir ? { cdktfOutdir } : {}),
  });
  writeRender(values.out, results, { parts, full: only.length === 0 });
  if (!values.quiet) {
    for (const r of results) {
      console.log(
        `${r.env.name.padEnd(12)} ${String(r.kubernetesObjects).padStart(4)} Kubernetes objects  ${String(r.terraformResources).padStart(4)} Terraform resources  ${r.millis.toFixed(0).padStart(5)} ms`,
      );
    }
    console.log(
      `rendered ${results.length} environment(s) into ${values.out}/ in ${((performance.now() - started) / 1000).toFixed(2)} s`,
    );
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof EnvironmentError || e instanceof RenderError) {
      console.error(`synth failed, dist/ unchanged:\n${e.message}`);
    } else {
      console.error('synth failed, dist/ unchanged:', e);
    }
    process.exit(1);
  },
);
