// Builds the package into dist/: the TypeScript compiled to JavaScript with
// declarations, plus the files the built code reads at run time beside its
// modules (the browser-side probe scripts, the UI page's script and the clock
// shim's C source).
// The clone keeps running the TypeScript directly; this is for the tarball.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from './root.ts';

const DIST = join(PACKAGE_ROOT, 'dist');
/** Run-time files that are not TypeScript, by folder. */
const RUNTIME_FILES: Record<string, RegExp> = {
  'harness/probes': /\.js$/,
  // Not /\.js$/: page.ts compiles to page.js beside it.
  'harness/ui': /^page-script\.js$/,
  'harness/research': /\.c$/,
};

rmSync(DIST, { recursive: true, force: true });
const tsc = spawnSync(
  process.execPath,
  [join(PACKAGE_ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(PACKAGE_ROOT, 'tsconfig.build.json')],
  { stdio: 'inherit' },
);
if (tsc.status !== 0) {
  process.stderr.write('build: tsc failed; dist/ is incomplete and was removed\n');
  rmSync(DIST, { recursive: true, force: true });
  process.exit(1);
}
for (const [folder, pattern] of Object.entries(RUNTIME_FILES)) {
  for (const file of readdirSync(join(PACKAGE_ROOT, folder)).filter((name) => pattern.test(name))) {
    cpSync(join(PACKAGE_ROOT, folder, file), join(DIST, folder, file));
  }
}
process.stdout.write(`build: ${DIST}\n`);
