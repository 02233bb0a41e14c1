#!/usr/bin/env node
// `node packages/loadtest/dist/profile-cli.js <file.cpuprofile>...`: where a service spent its CPU during
// a load run (`npm run load -- --profile` writes reports/profiles/<service>.cpuprofile), as Markdown.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { renderProfile, summarizeProfile, type CpuProfile } from './profile';

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: profile-cli <file.cpuprofile>...\n');
  process.exitCode = 2;
}
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  process.stdout.write(`${renderProfile(basename(file, '.cpuprofile'), summarizeProfile(profile))}\n`);
}
