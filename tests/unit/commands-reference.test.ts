// docs/reference/commands.md lists every command's every flag as --help
// says it: the section is written from the commands (npm run schema), and
// this holds the page to it, so a flag added or changed without the
// reference fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../harness/cli/main.ts';
import { everyFlagMarkdown, withEveryFlag } from '../../harness/cli/reference.ts';

const page = readFileSync(new URL('../../docs/reference/commands.md', import.meta.url), 'utf8');

describe('the commands reference', () => {
  it('holds the "Every flag" section written from the commands (run npm run schema after changing a flag)', () => {
    expect(page).toContain(everyFlagMarkdown());
    expect(withEveryFlag(page)).toBe(page);
  });

  it('names every flag of every command', () => {
    const program = buildProgram({ value: 0 });
    const missing = program.commands.flatMap((command) =>
      command.options
        .filter((option) => !page.includes(`\`${option.flags}\``))
        .map((option) => `${command.name()} ${option.flags}`),
    );
    expect(missing).toEqual([]);
    const names = program.commands.map((command) => command.name());
    expect(names.length).toBeGreaterThanOrEqual(9);
    expect(names.filter((name) => !page.includes(`### cors-lab ${name}`))).toEqual([]);
  });
});
