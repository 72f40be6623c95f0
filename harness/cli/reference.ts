// The "Every flag" part of docs/reference/commands.md, written from the
// commands themselves (npm run schema), so that the reference and --help
// cannot drift apart: a unit test holds the page to what this writes.
import type { Command, Option } from 'commander';
import { escapeCell } from '../../reports/labels.ts';
import { buildProgram } from './main.ts';

const START =
  '<!-- every flag: written by `npm run schema` from the commands themselves; edit harness/cli, not this -->';
const END = '<!-- end of every flag -->';

function defaultOf(option: Option): string {
  if (option.defaultValueDescription) return option.defaultValueDescription;
  if (option.defaultValue === undefined || option.negate) return '';
  return Array.isArray(option.defaultValue) ? option.defaultValue.join(',') : String(option.defaultValue);
}

function usageOf(command: Command): string {
  const args = command.registeredArguments.map((argument) => {
    const name = `${argument.name()}${argument.variadic ? '...' : ''}`;
    return argument.required ? `<${name}>` : `[${name}]`;
  });
  return ['cors-lab', command.name(), ...args].join(' ');
}

function commandSection(command: Command): string[] {
  const rows = command.options
    .filter((option) => !option.hidden)
    .map(
      (option) =>
        `| \`${option.flags}\` | ${escapeCell(option.description)}${option.argChoices ? ` (one of: ${option.argChoices.join(', ')})` : ''} | ${escapeCell(defaultOf(option))} |`,
    );
  return [
    `### ${usageOf(command)}`,
    '',
    escapeCell(command.description()),
    '',
    ...(rows.length > 0 ? ['| flag | what it does | default |', '|---|---|---|', ...rows] : ['No flags.']),
    '',
  ];
}

/** The section, markers included. */
export function everyFlagMarkdown(): string {
  const program = buildProgram({ value: 0 });
  return [
    START,
    '## Every flag',
    '',
    'What `npx cors-lab <command> --help` says, command by command (every command also takes `-h, --help`).',
    '',
    ...program.commands.filter((command) => command.name() !== 'help').flatMap(commandSection),
    END,
  ].join('\n');
}

/** The commands page with its "Every flag" section written anew (appended where it has none). */
export function withEveryFlag(page: string): string {
  const start = page.indexOf(START);
  const end = page.indexOf(END);
  if (start === -1 || end === -1) return `${page.trimEnd()}\n\n${everyFlagMarkdown()}\n`;
  return `${page.slice(0, start)}${everyFlagMarkdown()}${page.slice(end + END.length)}`;
}
