/**
 * Where the package's own files are (knowledge/, manifest.yml), whether the code runs from
 * sources (src/…) or from the build (dist/src/…): the nearest directory above this module that
 * holds this package's package.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'studio-ops-bot') return dir;
    if (dirname(dir) === dir) throw new Error(`Studio Ops Bot cannot find its package.json above ${from}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
