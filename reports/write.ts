// Writes the chosen reports, each rendered from the one JSON result. Files are
// written to a temporary name and renamed, so a crash never leaves half a report.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { RunResult } from '../harness/run/result.ts';
import { renderHtml } from './html.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';

export const REPORTERS = {
  json: { file: 'result.json', render: (result: RunResult) => `${JSON.stringify(result, null, 2)}\n` },
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

export function writeReports(result: RunResult, choices: ReporterChoice[], outDir: string): string[] {
  const written: string[] = [];
  for (const choice of choices) {
    const path = resolve(choice.path ?? join(outDir, REPORTERS[choice.name].file));
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, REPORTERS[choice.name].render(result));
    renameSync(tmp, path);
    written.push(path);
  }
  return written;
}
