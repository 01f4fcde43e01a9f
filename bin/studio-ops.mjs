#!/usr/bin/env node
// The studio-ops command: the TypeScript CLI through tsx in a checkout (no build step), or the
// compiled CLI where only the build is present (the container image has dist/ and no src/).
import { existsSync } from 'node:fs';

if (existsSync(new URL('../src/cli.ts', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
} else {
  await import('../dist/src/cli.js');
}
