#!/usr/bin/env node
// Entry point. cors-lab is TypeScript run directly by Node's type stripping,
// which needs Node >= 22.18 (Node 20 is end-of-life). The project ships Node 24
// as the npm package "node", which `npx` and npm scripts put first on PATH.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `cors-lab needs Node >= 22.18; this is Node ${process.versions.node}.\n` +
      'Run it through npx (npx cors-lab ...) or npm scripts inside the project, which use the bundled Node 24,\n' +
      'or install a current Node.\n',
  );
  process.exit(2);
}
const { main } = await import('../harness/cli/main.ts');
process.exitCode = await main(process.argv);
