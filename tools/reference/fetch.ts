/**
 * Builds a reference folder from upstream URLs (tools/reference/sources.ts): each file is
 * downloaded, checked against its sha256 and only then written. Any failure names the URL and
 * leaves nothing half-written behind (the folder is written only when every file checked out).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ReferenceFile } from './sources.js';

export async function fetchReference(
  files: readonly ReferenceFile[],
  out: string,
  get: typeof fetch = fetch,
): Promise<void> {
  const downloaded = await Promise.all(
    files.map(async (f) => {
      const res = await get(f.url).catch((e: unknown) => {
        throw new Error(`${f.path}: GET ${f.url}: ${(e as Error).message}`);
      });
      if (!res.ok) throw new Error(`${f.path}: GET ${f.url}: ${res.status} ${res.statusText}`);
      const bytes = Buffer.from(await res.arrayBuffer());
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (sha256 !== f.sha256) {
        throw new Error(
          `${f.path}: ${f.url} has sha256 ${sha256}, expected ${f.sha256} (tools/reference/sources.ts): ` +
            'the upstream file changed, or the pin moved without its sha256',
        );
      }
      return { f, bytes };
    }),
  );
  for (const { f, bytes } of downloaded) {
    const target = join(out, f.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
  }
}
