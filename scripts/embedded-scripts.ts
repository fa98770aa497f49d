/**
 * npx tsx scripts/embedded-scripts.ts --out DIR [--dist DIR]
 *
 * Writes the Python and shell programs the rendered objects carry (review/embedded.ts) to
 * DIR/<env>/{modules,steps,notebooks,shell}/, for .ci/run to check with python3 -m py_compile,
 * pyflakes and shellcheck, and to unit-test (PYTHONPATH=DIR/<env>/modules, test/python/).
 * Prints one line per environment; exits 1 when an environment carries none.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { embeddedFiles } from '../review/embedded.js';
import { parseTree, readTreeFiles } from '../review/objects.js';

export function main(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: { out: { type: 'string' }, dist: { type: 'string', default: 'dist' } },
    strict: true,
  });
  if (!values.out) {
    console.error('usage: embedded-scripts --out DIR [--dist DIR]');
    return 2;
  }
  let code = 0;
  for (const [env, objects] of parseTree(readTreeFiles(values.dist))) {
    const files = embeddedFiles(objects);
    for (const f of files) {
      const path = join(values.out, env, f.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.content);
    }
    const count = (l: string) => files.filter((f) => f.language === l).length;
    console.log(`${env}: ${count('python')} Python, ${count('shell')} shell files`);
    if (files.length === 0) code = 1;
  }
  return code;
}

process.exitCode = main(process.argv.slice(2));
