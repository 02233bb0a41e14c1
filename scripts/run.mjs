#!/usr/bin/env node
// The root commands (`npm start`, `npm test`, `npm run load`, `npm run infra:*`, `npm run db:*`, …). Plain Node with no
// dependencies, because on a fresh clone it runs before anything is installed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The services' ports are PORT_BASE (8080) + 0…3, so a second copy of the system can run beside the first. */
const PORT_BASE = Number(process.env.PORT_BASE ?? 8080);
const SERVICES = [
  { name: 'queue-gateway', port: PORT_BASE, schema: 'queue_gateway' },
  { name: 'booking', port: PORT_BASE + 1, schema: 'booking' },
  { name: 'payment', port: PORT_BASE + 2, schema: 'payment' },
  { name: 'dataplatform-sink', port: PORT_BASE + 3, schema: 'dataplatform_sink' },
];
const urlOf = (name) => `http://127.0.0.1:${SERVICES.find((s) => s.name === name).port}`;
const baseEnv = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
const log = (msg) => process.stderr.write(`[run] ${msg}\n`);

function run(command, args, env = baseEnv) {
  const result = spawnSync(command, args, { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
}

/** `npm ci` when node_modules is missing or older than the lock file; a no-op otherwise. */
function ensureInstalled() {
  const marker = join(root, 'node_modules/.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

/** Installs what is missing and builds every workspace (turbo's cache makes a second build quick). */
function prepare() {
  ensureInstalled();
  run('npx', ['turbo', 'run', 'build', '--output-logs=errors-only']);
}

/** Starts the infrastructure; returns the env services need and what this call started. */
function infraUp(env) {
  const result = spawnSync('node', [join(root, 'packages/devstack/dist/cli.js'), 'up', '--json'], {
    cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error('infrastructure did not start (see the [infra] lines above)');
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

function infraStop(started, env) {
  if (started.length) spawnSync('node', [join(root, 'packages/devstack/dist/cli.js'), 'stop', ...started], { cwd: root, env, stdio: 'inherit' });
}

function migrate(env) {
  run('node', [join(root, 'packages/prisma-migrate/dist/cli.js'), 'deploy', ...SERVICES.map((s) => `services/${s.name}`)], env);
}

/** Brings up infra and migrations, runs `body(env)`, and always stops what it started. */
async function withInfra(defaults, body) {
  const upEnv = { ...baseEnv, ...defaults, ...pick(process.env, Object.keys(defaults)) };
  const stack = infraUp(upEnv);
  const env = { ...upEnv, ...stack.env };
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    infraStop(stack.started, env);
  };
  try {
    migrate(env);
    return await body(env, stop);
  } finally {
    stop();
  }
}

const pick = (source, keys) => Object.fromEntries(keys.filter((k) => source[k] !== undefined).map((k) => [k, source[k]]));

/**
 * Tests get their own database, Redis and Kafka broker (own ports and data dir), so a run never touches
 * what `npm start` shows: no test event reaches its sink, no test key its Redis.
 */
const TEST_INFRA = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/ticketing_test',
  DEVSTACK_DIR: join(root, '.devstack/test'),
  REDIS_PORT: '6381',
  KAFKA_PORT: '9094',
  KAFKA_CONTROLLER_PORT: '9095',
};

/**
 * The browser tests drive a real Chromium. Playwright's own browser download cannot work offline, so the
 * system's `chromium` is used (CHROMIUM_PATH, else /usr/bin/chromium); on a machine without it, as root
 * with apt, it is installed here.
 */
function ensureBrowser() {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(path)) return;
  const isRoot = process.getuid?.() === 0;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !apt) {
    log(`no Chromium at ${path}: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH; the browser tests will fail without it`);
    return;
  }
  log('installing Chromium for the browser tests (apt-get install chromium)');
  run('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null']);
}

/** `npm run test:scale`: the scale-out suites alone (a line per concert, several gateway processes, two-instance consumer groups); `npm test` runs them too. */
const SCALE_TESTS = ['services/queue-gateway/test/concert-lines.test.ts', 'services/queue-gateway/test/redis-cluster.test.ts', 'services/queue-gateway/test/gateway-processes.test.ts', 'test/partitioned-events.test.ts'];

async function test(args) {
  prepare();
  ensureBrowser();
  // Jest strips types without checking them: type-check tests and sources first.
  run('npx', ['turbo', 'run', 'typecheck', '--output-logs=errors-only']);
  run('npx', ['tsc', '--noEmit', '-p', 'test/tsconfig.json']); // the cross-service tests in test/
  return withInfra(TEST_INFRA, async (env) => {
    const jest = spawnSync('npx', ['jest', ...args], { cwd: root, env: { ...env, NODE_ENV: 'test' }, stdio: 'inherit' });
    return jest.status ?? 1;
  });
}

/**
 * `npm run chaos`: the fault tests of test/chaos in their long form (CHAOS_PROFILE=long: Redis down 30 s,
 * Kafka down 60 s, more users), one at a time on the test infrastructure, then one table of what each
 * scenario measured (also written to reports/chaos/table.md).
 */
async function chaos(args) {
  prepare();
  const reportDir = join(root, 'reports/chaos');
  rmSync(reportDir, { recursive: true, force: true });
  return withInfra(TEST_INFRA, async (env) => {
    const jest = spawnSync('npx', ['jest', 'test/chaos/', '--selectProjects', 'platform', '--runInBand', ...args], {
      cwd: root,
      env: { ...env, NODE_ENV: 'test', CHAOS_PROFILE: 'long', CHAOS_REPORT_DIR: reportDir },
      stdio: 'inherit',
    });
    const reports = existsSync(reportDir)
      ? readdirSync(reportDir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(reportDir, f), 'utf8')))
      : [];
    const table = chaosTable(reports);
    writeFileSync(join(reportDir, 'table.md'), `${table}\n`, { flag: 'w' });
    process.stdout.write(`\n${table}\n`);
    return jest.status ?? 1;
  });
}

function chaosTable(reports) {
  const rows = reports.map((r) => [
    r.scenario, `${r.paid}/${r.users}`, String(r.requests),
    Object.entries(r.errorsByCode).map(([code, n]) => `${code}: ${n}`).join(', ') || 'none',
    r.recoverySeconds === undefined ? '—' : `${r.recoverySeconds} s`, r.settledSeconds === undefined ? '—' : `${r.settledSeconds} s`,
    r.audit, r.notes ?? '',
  ]);
  const head = ['scenario', 'users paid', 'requests', 'errors by code', 'recovery', 'audit clean after', 'audit', 'notes'];
  return [head, head.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** Loads catalogue data into booking's schema (idempotent); no options = the small demo catalogue. */
function seed(env, args = []) {
  run('node', [join(root, 'services/booking/dist/entry-points/cli/seed.js'), ...args], { ...env, DATABASE_SCHEMA: 'booking' });
}

/**
 * Starts the four services (`node dist/main.js` each) with their output prefixed by name; `onExit` hears
 * of any that stops. Returns a function that stops them all (SIGTERM) and resolves when they have.
 */
function startServices(env, onExit = () => {}, nodeArgs = () => []) {
  const children = SERVICES.map((service) => {
    const child = spawn('node', [...nodeArgs(service), 'dist/main.js'], {
      cwd: join(root, 'services', service.name),
      // AUTH_MODE=dev unless the caller's environment says otherwise: npm start and the load test are local runs.
      env: { BOOKING_URL: urlOf('booking'), PAYMENT_URL: urlOf('payment'), SINK_URL: urlOf('dataplatform-sink'), AUTH_MODE: 'dev', ...env, PORT: String(service.port), DATABASE_SCHEMA: service.schema },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout, child.stderr]) prefixLines(stream, service.name);
    child.on('exit', (code, signal) => {
      log(`${service.name} exited (${signal ?? code})`);
      onExit(service.name);
    });
    return child;
  });
  return () => Promise.all(children.map((child) => new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', done);
    child.kill('SIGTERM');
  })));
}

async function start() {
  prepare();
  return withInfra({}, (env, stopInfra) => new Promise((resolve) => {
    seed(env);
    let shuttingDown = false;
    const stopServices = startServices(env, (name) => {
      if (!shuttingDown) shutdown(`${name} stopped`);
    });
    const shutdown = async (reason) => {
      if (shuttingDown) return;
      shuttingDown = true;
      log(`stopping (${reason})`);
      await stopServices();
      stopInfra();
      resolve(reason === 'SIGINT' || reason === 'SIGTERM' ? 0 : 1);
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    log(`gateway ${urlOf('queue-gateway')} · booking ${urlOf('booking')} · payment ${urlOf('payment')} · sink ${urlOf('dataplatform-sink')} — Ctrl-C stops everything this command started`);
  }));
}

const GATEWAY = urlOf('queue-gateway');
const isReady = (url) => fetch(`${url}/health/ready`).then((res) => res.ok, () => false);

/**
 * `npm run load`: the Artillery scenario against the running system (packages/loadtest does the reset,
 * seed, run, drain, audit and report). When nothing answers on the gateway's port it starts infra and
 * the services for the run (quietly, LOG_LEVEL=warn unless set) and stops them afterwards; with
 * `--profile` they run under `node --cpu-prof` and leave reports/profiles/<service>.cpuprofile.
 */
async function load(allArgs) {
  const profile = allArgs.includes('--profile');
  const args = allArgs.filter((arg) => arg !== '--profile');
  prepare();
  const runLoadCli = (env) =>
    spawnSync('node', [join(root, 'packages/loadtest/dist/cli.js'), ...args], { cwd: root, env: { LOAD_TARGET: GATEWAY, ...env }, stdio: 'inherit' }).status ?? 1;
  if (await isReady(GATEWAY)) {
    log(`using the system already running at ${GATEWAY}${profile ? ' (--profile needs the run to start the services: ignored)' : ''}`);
    return withInfra({}, (env) => runLoadCli(env));
  }
  return withInfra({}, async (env) => {
    log('starting the four services for this run');
    const profiles = join(root, 'reports/profiles');
    const nodeArgs = (service) => (profile ? ['--cpu-prof', '--cpu-prof-dir', profiles, '--cpu-prof-name', `${service.name}.cpuprofile`] : []);
    const stopServices = startServices({ LOG_LEVEL: 'warn', ...env }, () => {}, nodeArgs);
    try {
      const deadline = Date.now() + 120_000;
      while (!(await isReady(GATEWAY))) {
        if (Date.now() > deadline) throw new Error(`the gateway did not become ready at ${GATEWAY}`);
        await new Promise((done) => setTimeout(done, 500));
      }
      return runLoadCli(env);
    } finally {
      await stopServices();
    }
  });
}

/**
 * `npm run bench:<name>`: a benchmark on the test infrastructure (its own database, Redis and Kafka,
 * created and migrated here, so a fresh clone can run it before `npm test` ever did).
 */
const BENCHES = {
  queue: 'services/queue-gateway/bench/queue.bench.ts',
  waiters: 'services/queue-gateway/bench/waiters.bench.ts',
  scale: 'services/queue-gateway/bench/scale.bench.ts',
  booking: 'services/booking/bench/booking.bench.ts',
};

async function bench([name, ...args]) {
  if (!BENCHES[name]) throw new Error(`usage: bench ${Object.keys(BENCHES).join('|')}`);
  prepare();
  return withInfra(TEST_INFRA, (env) => spawnSync('npx', ['tsx', BENCHES[name], ...args], { cwd: root, env, stdio: 'inherit' }).status ?? 1);
}

function prefixLines(stream, name) {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const lines = (buffered + chunk).split('\n');
    buffered = lines.pop();
    for (const line of lines) process.stdout.write(`${name.padEnd(17)} | ${line}\n`);
  });
}

async function main([command, ...args]) {
  switch (command) {
    case 'test':
      return test(args);
    case 'test-scale':
      return test([...SCALE_TESTS, ...args]);
    case 'chaos':
      return chaos(args);
    case 'start':
      return start();
    case 'load':
      return load(args);
    case 'bench':
      return bench(args);
    case 'infra':
      prepare();
      run('node', [join(root, 'packages/devstack/dist/cli.js'), ...args]);
      return 0;
    case 'migrate':
      prepare();
      return withInfra({}, () => 0);
    case 'seed':
      prepare();
      return withInfra({}, (env) => {
        seed(env, args);
        return 0;
      });
    case 'audit':
      prepare();
      // Not `run`: the audit's exit code (1 = a violation) is the command's answer, not an error.
      return withInfra({}, (env) => spawnSync('node', [join(root, 'packages/audit/dist/cli.js'), ...args], { cwd: root, env, stdio: 'inherit' }).status ?? 1);
    default:
      throw new Error(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
