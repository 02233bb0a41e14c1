import { spawnSync } from 'node:child_process';

/** Whether `name` is an executable on PATH. */
export function commandExists(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}
