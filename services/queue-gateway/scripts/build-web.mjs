// Builds the pages the gateway serves (the waiting room at /, the dashboard at /ops) into dist/web with
// esbuild: one bundled script each (uPlot included), their HTML and CSS. No CDN: nothing loads from elsewhere.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/web');
mkdirSync(join(out, 'assets'), { recursive: true });
await build({
  entryPoints: { 'waiting-room': join(root, 'web/waiting-room/main.ts'), ops: join(root, 'web/ops/main.ts') },
  outdir: join(out, 'assets'),
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'iife',
  target: 'es2020',
  logLevel: 'warning',
});
copyFileSync(join(root, 'web/index.html'), join(out, 'index.html'));
copyFileSync(join(root, 'web/ops.html'), join(out, 'ops.html'));
copyFileSync(join(root, 'web/styles.css'), join(out, 'assets/styles.css'));
const require = createRequire(import.meta.url);
copyFileSync(join(dirname(require.resolve('uplot/package.json')), 'dist/uPlot.min.css'), join(out, 'assets/uPlot.min.css'));
