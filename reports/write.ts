// Writes the chosen reports, each rendered from the one JSON result. Files are
// written to a temporary name and renamed, so a crash never leaves half a
// report. One reporter that fails (a renderer that throws, a path that cannot
// be written) is reported and does not stop the others.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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

/** Parses "json,html=report.html" or repeated --reporter values. */
export function parseReporters(values: string[]): ReporterChoice[] {
  const choices: ReporterChoice[] = [];
  for (const part of values.flatMap((value) => value.split(',')).map((part) => part.trim()).filter(Boolean)) {
    const [name, ...rest] = part.split('=');
    if (!(name! in REPORTERS)) {
      throw new Error(`--reporter: unknown reporter "${name}". Use json, html, junit or markdown, each optionally =PATH (e.g. json=out.json)`);
    }
    choices.push({ name: name as ReporterName, ...(rest.length > 0 && rest.join('=') !== '' ? { path: rest.join('=') } : {}) });
  }
  return choices;
}

export interface WrittenReports {
  written: string[];
  /** Reporters that could not write, each with the path and why; the others were written. */
  failed: { name: ReporterName; path: string; error: string }[];
}

export function writeReports(result: CorsLabResult, choices: ReporterChoice[], outDir: string, reporters: Record<ReporterName, { file: string; render: (result: CorsLabResult) => string }> = REPORTERS): WrittenReports {
  const outcome: WrittenReports = { written: [], failed: [] };
  for (const choice of choices) {
    const path = resolve(choice.path ?? join(outDir, reporters[choice.name].file));
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
  for (const failure of failed) process.stderr.write(`cors-lab: the ${failure.name} report could not be written to ${failure.path}: ${failure.error}\n`);
  return failed.length === 0;
}
