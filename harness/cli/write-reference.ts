// `npm run schema`: writes the "Every flag" section of docs/reference/commands.md from the commands.
import { readFileSync, writeFileSync } from 'node:fs';
import { withEveryFlag } from './reference.ts';

const path = new URL('../../docs/reference/commands.md', import.meta.url);
writeFileSync(path, withEveryFlag(readFileSync(path, 'utf8')));
process.stdout.write(`wrote ${path.pathname}\n`);
