// Terminal output that fits the terminal: its width (COLUMNS when set, else
// 100 columns when the output is not a terminal, as the research views have it), long lines
// wrapped at word boundaries with their indent kept and two more, and a
// table's widest column cut to what is left.
import { stripVTControlCharacters } from 'node:util';

/** Narrower than this, a table's columns cannot be read at all. */
const MIN_WIDTH = 40;

/**
 * The width to fit: COLUMNS where it is set to a number (as most command-line
 * tools read it, so `COLUMNS=120 cors-lab check ... | tee log` fits 120),
 * else the terminal's, else 100 columns (a pipe, a file, CI logs).
 */
export function terminalWidth(env: NodeJS.ProcessEnv = process.env): number {
  return askedColumns(env) ?? (process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 100);
}

/** COLUMNS where it is set to a whole number, never narrower than MIN_WIDTH; undefined otherwise. */
function askedColumns(env: NodeJS.ProcessEnv): number | undefined {
  const asked = Number(env.COLUMNS);
  return env.COLUMNS && Number.isInteger(asked) && asked > 0 ? Math.max(asked, MIN_WIDTH) : undefined;
}

const visible = (text: string) => stripVTControlCharacters(text).length;

/** Between words that `together` joined: never broken there, printed as a space. */
const GLUE = '\u00a0';

/** `text` kept on one line when wrapped ("in 4.6 s" is not left as "in" at a line's end); `unglued` prints it. */
export function together(text: string): string {
  return text.replaceAll(' ', GLUE);
}

/** Text with the words `together` joined printed as plain spaces again. */
export function unglued(text: string): string {
  return text.replaceAll(GLUE, ' ');
}

/** One line as lines of at most `width` visible columns: broken between words, each continuation indented two more than the line. */
export function wrapLine(line: string, width: number): string[] {
  if (visible(line) <= width) return [unglued(line)];
  const indent = /^ */.exec(stripVTControlCharacters(line))![0].length;
  const continuation = ' '.repeat(Math.min(indent + 2, Math.floor(width / 2)));
  const words = line.slice(indent).split(' ');
  const out: string[] = [];
  let current = line.slice(0, indent);
  let empty = true;
  for (const word of words) {
    const candidate = empty ? current + word : `${current} ${word}`;
    if (visible(candidate) <= width || empty) {
      current = candidate;
      empty = false;
    } else {
      // A double space (as before the summary's "in 4.6 s") must not leave the broken line ending in one.
      out.push(current.trimEnd());
      current = continuation + word;
      // A double space broken at its first space: the next word starts the line, with no third space of indent.
      empty = word === '';
    }
    // A word longer than the line (a URL) is cut where the line ends.
    while (visible(current) > width && stripVTControlCharacters(current) === current) {
      out.push(current.slice(0, width));
      current = continuation + current.slice(width);
    }
  }
  out.push(current);
  return out.map(unglued);
}

/** Every line wrapped to `width`. */
export function fitLines(lines: string[], width: number): string[] {
  return lines.flatMap((line) => line.split('\n')).flatMap((line) => wrapLine(line, width));
}

/**
 * The width a command's messages wrap to: COLUMNS where it is set, else the
 * stream's terminal. None in a log without COLUMNS: there each message stays
 * one line, which grep finds whole (the tables still fit 100 columns).
 */
export function messageWidth(
  env: NodeJS.ProcessEnv = process.env,
  stream: { isTTY?: boolean; columns?: number } = process.stderr,
): number | undefined {
  return askedColumns(env) ?? (stream.isTTY && stream.columns ? stream.columns : undefined);
}

/** A command's prose (one or more lines, a trailing newline kept) wrapped to `width`; as it is without one. */
export function fitted(text: string, width: number | undefined): string {
  if (width === undefined) return text;
  const ends = text.endsWith('\n');
  return fitLines([ends ? text.slice(0, -1) : text], width).join('\n') + (ends ? '\n' : '');
}

/** `text` cut to `width` columns, with an ellipsis at its end: where the middle cut leaves two names alike, their starts tell them apart. */
export function cutEnd(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}…`;
}

/** `text` cut to `width` columns, with an ellipsis where it was cut (in the middle, so the end of a row name stays). */
export function cutMiddle(text: string, width: number): string {
  if (text.length <= width) return text;
  if (width <= 1) return text.slice(0, width);
  const head = Math.ceil((width - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (width - 1 - head))}`;
}
