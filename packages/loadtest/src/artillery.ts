import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The scenario file (the repository's `artillery/` folder). */
export const SCENARIO_PATH = join(__dirname, '../../../artillery/full-flow.yml');

export interface ScenarioOptions {
  /** The gateway's base URL. */
  target: string;
  users: number;
  /** Users arrive evenly over this many seconds. */
  windowSeconds: number;
  /** Where Artillery writes its JSON report. */
  outputFile: string;
  /** Prefix of the virtual users' ids, so runs never share a user. */
  runId: string;
  /** Hides Artillery's periodic console report (tests). */
  quiet?: boolean;
  /** More LOAD_* settings for the processor (LOAD_MAX_HOLD_ATTEMPTS, LOAD_WAIT_SECONDS, …). */
  env?: NodeJS.ProcessEnv;
}

/** The parts of Artillery's `--output` JSON the report reads. */
export interface ArtilleryOutput {
  aggregate: {
    counters: Record<string, number>;
    rates: Record<string, number>;
    summaries: Record<string, Summary>;
    firstMetricAt: number;
    lastMetricAt: number;
  };
}

export interface Summary {
  min: number;
  max: number;
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Runs `artillery run artillery/full-flow.yml` to the end and returns its JSON report. */
export async function runScenario(options: ScenarioOptions): Promise<ArtilleryOutput> {
  const artillery = join(dirname(require.resolve('artillery/package.json')), 'bin/run');
  const args = [artillery, 'run', SCENARIO_PATH, '--output', options.outputFile, ...(options.quiet ? ['--quiet'] : [])];
  const env = {
    ...process.env,
    ...options.env,
    ARTILLERY_DISABLE_TELEMETRY: '1',
    LOAD_TARGET: options.target,
    LOAD_USERS: String(options.users),
    LOAD_WINDOW_SECONDS: String(options.windowSeconds),
    LOAD_RUN_ID: options.runId,
  };
  const child = spawn(process.execPath, args, { env, stdio: options.quiet ? ['ignore', 'ignore', 'pipe'] : 'inherit' });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`artillery exited with ${code}${stderr ? `: ${stderr}` : ''}`);
  return JSON.parse(readFileSync(options.outputFile, 'utf8')) as ArtilleryOutput;
}
