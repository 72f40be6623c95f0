#!/usr/bin/env node
// Entry point. In a clone, cors-lab's TypeScript runs directly (Node's type
// stripping); an installed package runs the JavaScript built into dist/ at
// pack time, because Node does not strip types under node_modules. Either way
// it needs Node >= 22.19: user config files and adapters may be TypeScript
// (stripped from 22.18), and the OpenAPI parser asks for 22.19.
import { existsSync } from 'node:fs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `cors-lab needs Node 22.19 or newer; this is Node ${process.versions.node} (${process.execPath}).\n` +
      'Fix: install a current Node (24 LTS) and run cors-lab with it, for example:\n' +
      '  npm install --save-dev node@24   # this project only: npx and npm scripts then use Node 24\n' +
      '  or Node 24 from nodejs.org, your package manager, nvm, fnm or volta\n',
  );
  process.exit(2);
}
const source = new URL('../harness/cli/main.ts', import.meta.url);
const entry = existsSync(source) ? source : new URL('../dist/harness/cli/main.js', import.meta.url);
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
