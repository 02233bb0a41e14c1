import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { dropDatabase } from './postgres';
import { redactPassword, runningLocal, settingsFromEnv, stackUp, stopStarted } from './stack';

/**
 * `devstack up [--json]`   start what is missing (prints the env services need; with --json, a machine-readable line)
 * `devstack stop <name>…`  stop the named components (what an earlier `up` reported as started)
 * `devstack down`          stop every project-owned local server
 * `devstack status`        list the project-owned local servers that run
 * `devstack reset`         stop them and delete their data (Redis AOF, Kafka logs) and the project's database
 */
async function main(argv: string[]): Promise<void> {
  const root = resolve(__dirname, '../../..');
  const settings = settingsFromEnv(root);
  // Progress goes to stderr so that stdout carries only the --json result.
  const log = (msg: string) => process.stderr.write(`[infra] ${msg}\n`);
  const [command, ...rest] = argv;
  switch (command) {
    case 'up': {
      const result = await stackUp(settings, log);
      if (rest.includes('--json')) process.stdout.write(`${JSON.stringify(result)}\n`);
      else for (const [key, value] of Object.entries(result.env)) process.stdout.write(`${key}=${value}\n`);
      return;
    }
    case 'stop':
      return stopStarted(settings, rest, log);
    case 'down':
      return stopStarted(settings, runningLocal(settings), log);
    case 'status': {
      const running = runningLocal(settings);
      process.stdout.write(running.length ? `running: ${running.join(', ')}\n` : 'no project-owned server is running\n');
      return;
    }
    case 'reset':
      await stopStarted(settings, runningLocal(settings), log);
      rmSync(settings.stateDir, { recursive: true, force: true });
      log(`removed ${settings.stateDir}`);
      await dropDatabase(settings.databaseUrl);
      log(`dropped the database of ${redactPassword(settings.databaseUrl)}`);
      return;
    default:
      throw new Error(`usage: devstack up [--json] | stop <component>… | down | status | reset (got "${command ?? ''}")`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`[infra] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
