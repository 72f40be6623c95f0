// Writes the chosen reports, each rendered from the one JSON result. Files are
// written to a temporary name and renamed, so a crash never leaves half a
// report. One reporter that fails (a renderer that throws, a path that cannot
// be written) is reported and does not stop the others.
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import type { CorsLabResult } from '../harness/result/result.ts';
import { renderHtml } from './html.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';

export const REPORTERS = {
  json: { file: 'result.json', render: (result: CorsLabResult) => `${JSON.stringify(result, null, 2)}\n` },
  html: { file: 'report.html', render: renderHtml },
  junit: { file: 'junit.xml', render: renderJunit },
  markdown: { file: 'report.md', render: renderMarkdown },
} as const;

export type ReporterName = keyof typeof REPORTERS;

export interface ReporterChoice {
  name: ReporterName;
  /** Explicit path, or undefined for <out>/<default file name>. */
  path?: string;
}

/** Parses "json,html=report.html" or repeated --reporter values, against a command's reporters (run's and check's by default). */
export function parseReporters<N extends string = ReporterName>(
  values: string[],
  reporters: Record<N, unknown> = REPORTERS as unknown as Record<N, unknown>,
): { name: N; path?: string }[] {
  const choices: { name: N; path?: string }[] = [];
  for (const part of values
    .flatMap((value) => value.split(','))
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [name, ...rest] = part.split('=');
    if (!(name! in reporters)) {
      const names = Object.keys(reporters);
      throw new Error(
        `--reporter: unknown reporter "${name}". Use ${names.slice(0, -1).join(', ')} or ${names.at(-1)}, each optionally =PATH (e.g. json=out.json)`,
      );
    }
    choices.push({ name: name as N, ...(rest.length > 0 && rest.join('=') !== '' ? { path: rest.join('=') } : {}) });
  }
  return choices;
}

/** Where a choice's report goes: its own path, or <out>/<the reporter's file>. */
export function reportPath<N extends string = ReporterName>(
  choice: { name: N; path?: string },
  outDir: string,
  reporters: Record<N, { file: string }> = REPORTERS as unknown as Record<N, { file: string }>,
): string {
  return resolve(choice.path ?? join(outDir, reporters[choice.name].file));
}

/** Kernel interfaces, not folders for reports (writing there can spin or fail in odd ways). */
const SYSTEM_TREES = ['/proc', '/sys', '/dev'];

/**
 * Why the chosen reports could not be written, found before anything runs,
 * so a long run never ends with its results lost: each problem names the
 * flag, the path and the fix. A report would also be lost input where it
 * would be written over a file the command reads (`reads`: compat's --from,
 * merge's shards, diff's two results). Empty when every report can be written.
 */
export function reportPathProblems<N extends string = ReporterName>(
  choices: { name: N; path?: string }[],
  outDir: string,
  reporters: Record<N, { file: string }> = REPORTERS as unknown as Record<N, { file: string }>,
  reads: string[] = [],
): string[] {
  const problems: string[] = [];
  for (const choice of choices) {
    const path = reportPath(choice, outDir, reporters);
    const flag = choice.path === undefined ? `--out ${outDir}` : `--reporter ${choice.name}=${choice.path}`;
    const problem = pathProblem(path);
    if (problem) problems.push(`${flag}: ${problem}`);
    const input = reads.find((file) => resolve(file) === path);
    if (input !== undefined)
      problems.push(
        `${flag}: the ${choice.name} report would be written over ${input}, which this command reads. Fix: give --out another folder, or the report a path of its own`,
      );
  }
  return [...new Set(problems)];
}

function pathProblem(path: string): string | undefined {
  const tree = SYSTEM_TREES.find((root) => path === root || path.startsWith(`${root}/`));
  if (tree)
    return `${path} is under ${tree}, which holds kernel interfaces, not files. Fix: choose a folder of your own`;
  if (existsSync(path) && statSync(path).isDirectory())
    return `${path} is a folder; the report needs a file name there. Fix: give a file path, or use --out for the folder`;
  // The nearest part of the path that exists must be a folder this process may write in.
  let existing = dirname(path);
  while (!existsSync(existing)) existing = dirname(existing);
  if (!statSync(existing).isDirectory())
    return `${existing} is a file, so the folder ${dirname(path)} cannot be made. Fix: choose another folder`;
  try {
    accessSync(existing, constants.W_OK);
    if (existsSync(path)) accessSync(path, constants.W_OK);
  } catch {
    return `${existsSync(path) ? path : existing} cannot be written by this user. Fix: choose a folder you can write in`;
  }
  return undefined;
}

/** Where an interrupted run's report goes: beside the complete one, never over it (result.json → result.interrupted.json). */
export function interruptedPath(path: string): string {
  const extension = extname(path);
  return `${path.slice(0, path.length - extension.length)}.interrupted${extension}`;
}

export interface WrittenReports {
  written: string[];
  /** Reporters that could not write, each with the path and why; the others were written. */
  failed: { name: string; path: string; error: string }[];
}

/** Writes each chosen report of `result` (a run's result, or another document such as a diff, with its own reporters). */
export function writeReports<R = CorsLabResult, N extends string = ReporterName>(
  result: R,
  choices: { name: N; path?: string }[],
  outDir: string,
  reporters: Record<N, { file: string; render: (result: R) => string }> = REPORTERS as unknown as Record<
    N,
    { file: string; render: (result: R) => string }
  >,
): WrittenReports {
  const outcome: WrittenReports = { written: [], failed: [] };
  const interrupted =
    typeof result === 'object' &&
    result !== null &&
    'interrupted' in result &&
    Boolean((result as { interrupted?: unknown }).interrupted);
  for (const choice of choices) {
    const complete = reportPath(choice, outDir, reporters);
    const path = interrupted ? interruptedPath(complete) : complete;
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      const text = reporters[choice.name].render(result);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(tmp, text);
      renameSync(tmp, path);
      outcome.written.push(path);
    } catch (error) {
      rmSync(tmp, { force: true });
      outcome.failed.push({ name: choice.name, path, error: (error as Error).message.split('\n')[0]! });
    }
  }
  return outcome;
}

/** Prints where the reports went, and each one that failed; true when all were written. */
export function announceReports({ written, failed }: WrittenReports): boolean {
  for (const path of written) process.stdout.write(`report: ${path}\n`);
  for (const failure of failed)
    process.stderr.write(
      `cors-lab: the ${failure.name} report could not be written to ${failure.path}: ${failure.error}\n`,
    );
  return failed.length === 0;
}
