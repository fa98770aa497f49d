/**
 * Transitional: what test files not yet moved to test/support/ still import. Everything here is
 * defined in test/support/; delete this file once nothing imports it.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ROOT } from './support/workspace.js';

export { tempDir, treeHash } from './support/files.js';
export { synthCli } from './support/synth.js';
export { ROOT };

export const CLUSTERS = join(ROOT, 'clusters');

/** A generated environment name (`t` and 8 hex digits, then `suffix`): no repository's or user's. */
export function generatedEnvName(suffix = ''): string {
  return `t${randomBytes(4).toString('hex')}${suffix}`;
}
