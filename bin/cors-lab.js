#!/usr/bin/env node
// Entry point. In a clone, cors-lab's TypeScript runs directly (Node's type
// stripping); an installed package runs the JavaScript built into dist/ at
// pack time, because Node does not strip types under node_modules. Either way
// it needs Node >= 22.19: user config files and adapters may be TypeScript
// (stripped from 22.18), and the OpenAPI parser asks for 22.19.
import { existsSync } from 'node:fs';
import module from 'node:module';
import { join } from 'node:path';

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
const inClone = existsSync(new URL('../harness/cli/main.ts', import.meta.url));
const code = (file) => new URL(inClone ? `../harness/${file}.ts` : `../dist/harness/${file}.js`, import.meta.url).href;
// Node keeps what it compiled of each module (in a clone, the stripped
// TypeScript too) in cors-lab's cache: the next start skips that work, about
// 40 % of the CPU a command spends before it does anything. Where the folder
// cannot be written, Node compiles as before.
const { userCacheDir } = await import(code('package/root'));
module.enableCompileCache?.(join(userCacheDir(), 'node-compile-cache'));
const { main } = await import(code('cli/main'));
process.exitCode = await main(process.argv);
