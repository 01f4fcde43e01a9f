#!/usr/bin/env node
// npm run build: compiles src/ and handlers/ to dist/ (tsc), then writes the production entry
// dist/main.js. knowledge/ and manifest.yml are read from the package root at run time.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = process.argv[2] ?? join(root, 'dist');
const config = process.argv[3] ?? join(root, 'tsconfig.build.json');
rmSync(outDir, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', config, '--outDir', outDir], { stdio: 'inherit', cwd: root });
writeFileSync(join(outDir, 'main.js'), "// The production entry (built by npm run build).\nimport { runMain } from './src/main.js';\n\nrunMain();\n");
