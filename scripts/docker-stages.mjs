#!/usr/bin/env node
// The Dockerfile's stages without Docker (CI has no Docker engine): reads ./Dockerfile, runs each
// stage's WORKDIR, COPY (the context filtered by .dockerignore, or --from an earlier stage), ENV
// and RUN in a directory of its own standing in for the image's file system, then starts the last
// stage's CMD with its ENV and checks it as Docker would: the HEALTHCHECK command exits 0, and
// /readyz and /metrics answer. It also checks what only the image should hold (no sources, no
// development dependencies) and that CMD is `npm run start:prod`.
//
//   node scripts/docker-stages.mjs [--keep]     (prints each step; exit code 0 when all hold)
//
// Where a Docker engine answers, `docker build` is the real test; .ci/run runs that instead.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const context = join(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const log = (m) => process.stdout.write(`docker-stages: ${m}\n`);
class StageFailure extends Error {}
const fail = (m) => {
  throw new StageFailure(m);
};

// ---- parse -------------------------------------------------------------------------------------
function parseDockerfile(text) {
  const lines = text.split('\n');
  const instructions = [];
  let current = '';
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (!current && (line.trim() === '' || line.trim().startsWith('#'))) continue;
    if (current && line.trim().startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(current);
    if (!m) fail(`cannot read the Dockerfile line: ${current}`);
    instructions.push({ op: m[1].toUpperCase(), args: m[2].trim() });
    current = '';
  }
  const stages = [];
  for (const ins of instructions) {
    if (ins.op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      stages.push({ image: m[1], name: m[2] ?? String(stages.length), steps: [] });
    } else if (stages.length === 0) fail(`${ins.op} before FROM`);
    else stages.at(-1).steps.push(ins);
  }
  return stages;
}

/** `--flag=value` options in front of an instruction's arguments. */
function flags(args) {
  const out = {};
  let rest = args;
  for (;;) {
    const m = /^--([a-z-]+)=(\S+)\s+/.exec(rest);
    if (!m) return { flags: out, rest };
    out[m[1]] = m[2];
    rest = rest.slice(m[0].length);
  }
}

function parseEnv(args) {
  const env = {};
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g)) env[m[1]] = m[3] ?? m[2];
  return env;
}

// ---- .dockerignore -----------------------------------------------------------------------------
function ignoreMatcher() {
  const file = join(context, '.dockerignore');
  const patterns = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
    : [];
  const regexes = patterns.map((p) => {
    const body = p
      .replace(/^\/+/, '')
      .split('**')
      .map((part) =>
        part
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '[^/]*')
          .replace(/\?/g, '[^/]'),
      )
      .join('.*');
    // Docker matches from the context's root; a directory matched excludes what is in it.
    return new RegExp(`^${body}(/.*)?$`);
  });
  return (rel) => regexes.some((r) => r.test(rel));
}

// ---- run ---------------------------------------------------------------------------------------
const root = mkdtempSync(join(tmpdir(), 'docker-stages-'));
const stageRoots = new Map();
const ignored = ignoreMatcher();
let child;

/** A path inside a stage's file system, on this machine. */
const inStage = (stageRoot, workdir, p) => join(stageRoot, isAbsolute(p) ? p : posix.join(workdir, p));

function copy(stage, stageRoot, workdir, args) {
  const { flags: f, rest } = flags(args);
  const parts = rest.split(/\s+/);
  const dest = parts.pop();
  const from = f.from ? stageRoots.get(f.from) : undefined;
  if (f.from && !from) fail(`COPY --from=${f.from}: no such stage before ${stage.name}`);
  const target = inStage(stageRoot, workdir, dest);
  const intoDir = dest.endsWith('/') || parts.length > 1;
  for (const src of parts) {
    const source = from ? join(from.root, isAbsolute(src) ? src : posix.join(from.workdir, src)) : join(context, src);
    if (!from && ignored(relative(context, source))) fail(`COPY ${src}: excluded by .dockerignore`);
    if (!existsSync(source)) fail(`COPY ${src}: not found${from ? ` in stage ${f.from}` : ' in the build context'}`);
    const to = intoDir ? join(target, src.split('/').filter(Boolean).at(-1)) : target;
    mkdirSync(dirname(to), { recursive: true });
    cpSync(source, to, { recursive: true, filter: (p) => from !== undefined || !ignored(relative(context, p)) });
  }
  log(`[${stage.name}] COPY ${args}${f.chown ? ' (ownership is not changed here)' : ''}`);
}

function aptInstalled(cmd) {
  const m = /apt-get install\s+(.*?)(?:&&|$)/.exec(cmd);
  const pkgs = (m?.[1] ?? '').split(/\s+/).filter((w) => w && !w.startsWith('-'));
  try {
    execFileSync('dpkg', ['-s', ...pkgs], { stdio: 'ignore' });
    return pkgs;
  } catch {
    return undefined;
  }
}

function run(stage, cwd, env, cmd) {
  if (/^apt-get update/.test(cmd)) {
    const have = aptInstalled(cmd);
    if (have) {
      log(`[${stage.name}] RUN apt-get …: ${have.join(', ')} already installed on this machine`);
      return;
    }
    if (process.getuid?.() !== 0) fail(`RUN ${cmd}: the packages are missing and this is not root`);
  }
  log(`[${stage.name}] RUN ${cmd}`);
  mkdirSync(cwd, { recursive: true });
  execFileSync('sh', ['-c', cmd], { cwd, env: { ...process.env, ...env }, stdio: 'inherit' });
}

async function main() {
  const stages = parseDockerfile(readFileSync(join(context, 'Dockerfile'), 'utf8'));
  let final;
  for (const stage of stages) {
    const stageRoot = join(root, stage.name);
    mkdirSync(stageRoot, { recursive: true });
    let workdir = '/';
    let env = {};
    const meta = { user: undefined, cmd: undefined, healthcheck: undefined, expose: [] };
    for (const { op, args } of stage.steps) {
      if (op === 'WORKDIR') {
        workdir = posix.resolve(workdir, args);
        mkdirSync(join(stageRoot, workdir), { recursive: true });
      } else if (op === 'COPY') copy(stage, stageRoot, workdir, args);
      else if (op === 'RUN') run(stage, join(stageRoot, workdir), env, args);
      else if (op === 'ENV') env = { ...env, ...parseEnv(args) };
      else if (op === 'USER') meta.user = args;
      else if (op === 'CMD') meta.cmd = JSON.parse(args);
      else if (op === 'HEALTHCHECK') meta.healthcheck = JSON.parse(flags(args).rest.replace(/^CMD\s+/, ''));
      else if (op === 'EXPOSE') meta.expose.push(args);
      else if (op !== 'VOLUME' && op !== 'LABEL' && op !== 'ARG') fail(`${op} is not understood by this script`);
    }
    stageRoots.set(stage.name, { root: stageRoot, workdir });
    final = { stage, stageRoot, workdir, env, meta };
  }

  // ---- the runtime stage, as the image would run ---------------------------------------------------
  const { stage, stageRoot, workdir, env, meta } = final;
  const app = join(stageRoot, workdir);
  if (meta.user === undefined || meta.user === 'root' || meta.user === '0') fail('the runtime stage must not run as root (USER)');
  if (!meta.healthcheck) fail('the runtime stage has no HEALTHCHECK');
  const startProd = JSON.parse(readFileSync(join(context, 'package.json'), 'utf8')).scripts['start:prod'];
  if (meta.cmd.join(' ') !== startProd) fail(`CMD ${JSON.stringify(meta.cmd)} is not npm run start:prod (${startProd})`);
  for (const absent of ['src', 'handlers', 'test', 'node_modules/typescript', 'node_modules/vitest', 'node_modules/@biomejs/biome'])
    if (existsSync(join(app, absent))) fail(`the runtime stage holds ${absent} (only the build and production dependencies belong there)`);
  for (const present of ['dist/main.js', 'knowledge', 'manifest.yml', 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'])
    if (!existsSync(join(app, present))) fail(`the runtime stage lacks ${present}`);
  log(`[${stage.name}] USER ${meta.user} (this script runs as ${process.getuid?.() === 0 ? 'root' : 'the current user'}; the image runs as ${meta.user})`);

  const freePort = () =>
    new Promise((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
    });
  const port = await freePort();
  // Absolute paths of the image (DATABASE_PATH=/data/…) live under the stage's directory here.
  const runEnv = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.startsWith('/') && existsSync(join(stageRoot, v.split('/')[1])) ? join(stageRoot, v) : v]));
  const childEnv = { PATH: process.env.PATH, HOME: app, ...runEnv, PORT: String(port) };
  log(`[${stage.name}] CMD ${meta.cmd.join(' ')} (PORT=${port}, DATABASE_PATH=${childEnv.DATABASE_PATH})`);
  child = spawn(meta.cmd[0] === 'node' ? process.execPath : meta.cmd[0], meta.cmd.slice(1), { cwd: app, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.on('exit', resolve));

  {
    const base = `http://127.0.0.1:${port}`;
    let healthy = false;
    for (let i = 0; i < 120 && !healthy; i++) {
      if (child.exitCode !== null) fail(`the bot exited with ${child.exitCode}:\n${output}`);
      await new Promise((r) => setTimeout(r, 500));
      const probe = spawn(meta.healthcheck[0] === 'node' ? process.execPath : meta.healthcheck[0], meta.healthcheck.slice(1), { cwd: app, env: childEnv, stdio: 'ignore' });
      healthy = (await new Promise((r) => probe.on('exit', r))) === 0;
    }
    if (!healthy) fail(`HEALTHCHECK did not pass within 60 s:\n${output}`);
    log('HEALTHCHECK passes');
    const ready = await fetch(`${base}/readyz`);
    const readyBody = await ready.text();
    if (ready.status !== 200) fail(`/readyz answered ${ready.status}: ${readyBody}`);
    log(`/readyz 200 ${readyBody}`);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    if (!/^studio_ops_interactions_total|^# TYPE studio_ops_interactions_total counter/m.test(metrics)) fail('/metrics lacks studio_ops_interactions_total');
    log(`/metrics: ${metrics.split('\n').filter((l) => l && !l.startsWith('#')).length} samples`);
    if (!existsSync(childEnv.DATABASE_PATH)) fail(`the database is not at DATABASE_PATH (${childEnv.DATABASE_PATH}): the volume would not keep it`);
    log(`the database is on the volume: ${relative(stageRoot, childEnv.DATABASE_PATH)}`);
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  // The operator's command works in the image (compiled, without the sources): the audit chain verifies.
  const verified = execFileSync(process.execPath, ['bin/studio-ops.mjs', 'audit', 'verify'], { cwd: app, env: childEnv, encoding: 'utf8' });
  log(`studio-ops audit verify: ${verified.trim().split('\n')[0]}`);
  log(`ok: ${stages.map((s) => s.name).join(' → ')} (${readdirSync(app).sort().join(', ')})`);
}

try {
  await main();
} catch (e) {
  process.stderr.write(`docker-stages: FAILED: ${e instanceof StageFailure ? e.message : (e.stack ?? e)}\n`);
  process.exitCode = 1;
} finally {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  if (!keep) rmSync(root, { recursive: true, force: true });
  else log(`kept ${root}`);
}
