// The project's documentation as the tests read it: the README, the guides
// and reference pages under docs/, and CONTRIBUTING.md, wherever a block has
// moved to.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PROJECT_ROOT } from './helpers.ts';

/** Every Markdown page of the documentation, relative to the project's root. */
export function docPages(): string[] {
  const pages = ['README.md', 'CONTRIBUTING.md', 'ARCHITECTURE.md'];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) pages.push(relative(PROJECT_ROOT, path));
    }
  };
  walk(join(PROJECT_ROOT, 'docs'));
  return pages;
}

/** All of it as one text, for finding an example block wherever it lives. */
export const DOCS = docPages()
  .map((page) => readFileSync(join(PROJECT_ROOT, page), 'utf8'))
  .join('\n');

/** The fenced blocks of one language, in every page. */
export const docBlocks = (language: string): string[] =>
  [...DOCS.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((match) => match[1]!);
