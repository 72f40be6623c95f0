// Baselines: a small, stable, reviewable record of what each cell gave,
// meant to be committed beside the user's tests. Sorted by row and column,
// with no timestamps, ports or nonces, so it changes only when a cell does.
// `run` and `check` with --baseline FILE fail only on cells that differ from
// it; --update-baseline writes it.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { CellResult, MatrixResult } from '../result/result.ts';

export const BASELINE_FORMAT = 'cors-lab baseline 1';

export interface Baseline {
  format: typeof BASELINE_FORMAT;
  /** run, check, or probe: lab.probe outcomes recorded by the toMatchBaseline matcher, each under its test's name. */
  kind: 'run' | 'check' | 'probe';
  profile: string;
  /** Row id → column (engine, or "middleware · engine") → what the cell gave, e.g. "allowed", "blocked (known-deviation)". */
  cells: Record<string, Record<string, string>>;
}

const baselineSchema = z
  .object({
    format: z.literal(BASELINE_FORMAT),
    kind: z.enum(['run', 'check', 'probe']),
    profile: z.string(),
    cells: z.record(z.string(), z.record(z.string(), z.string())),
  })
  .strict();

/** One difference between a result and its baseline. */
export interface BaselineDifference {
  scenario: string;
  column: string;
  recorded?: string;
  measured?: string;
  /** The measured cell's explanation, when there is one. */
  explanation?: string;
}

/** What a cell gave, as a baseline records it: the outcome, and the verdict unless it is the spec's. */
export function cellRecord(cell: Pick<CellResult, 'outcome' | 'verdict'>): string {
  return cell.verdict === 'matches-spec' || cell.verdict === 'error'
    ? cell.outcome
    : `${cell.outcome} (${cell.verdict})`;
}

const column = (cell: Pick<CellResult, 'engine' | 'variant'>) =>
  cell.variant === undefined ? cell.engine : `${cell.variant} · ${cell.engine}`;

export function baselineOf(result: MatrixResult): Baseline {
  const cells: Record<string, Record<string, string>> = {};
  for (const cell of result.results) (cells[cell.scenario] ??= {})[column(cell)] = cellRecord(cell);
  return { format: BASELINE_FORMAT, kind: result.kind, profile: result.options.profile, cells };
}

/** The baseline as text: one line per row, rows and columns sorted. */
export function serializeBaseline(baseline: Baseline): string {
  const sortedKeys = <T>(record: Record<string, T>) => Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rows = sortedKeys(baseline.cells).map((id) => {
    const row = baseline.cells[id]!;
    return `    ${JSON.stringify(id)}: {${sortedKeys(row)
      .map((key) => ` ${JSON.stringify(key)}: ${JSON.stringify(row[key])}`)
      .join(',')} }`;
  });
  return `{\n  "format": ${JSON.stringify(baseline.format)},\n  "kind": ${JSON.stringify(baseline.kind)},\n  "profile": ${JSON.stringify(baseline.profile)},\n  "cells": {\n${rows.join(',\n')}\n  }\n}\n`;
}

/** Writes the baseline atomically (never half a file). */
export function writeBaseline(file: string, baseline: Baseline): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, serializeBaseline(baseline));
  renameSync(tmp, file);
}

export class BaselineError extends Error {}

export function readBaseline(file: string): Baseline {
  if (!existsSync(file))
    throw new BaselineError(`${file}: no such baseline. Fix: write it with --update-baseline (and commit it)`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new BaselineError(
      `${file}: not JSON: ${(error as Error).message}. Fix: write it again with --update-baseline`,
    );
  }
  const parsed = baselineSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BaselineError(
      `${file}: ${issue.path.join('.') || '(file)'}: ${issue.message}. Fix: write it again with --update-baseline`,
    );
  }
  return parsed.data as Baseline;
}

/** One row's cells (a lab.probe outcome's, say) as a baseline records them. */
export function rowRecord(
  cells: Pick<CellResult, 'engine' | 'variant' | 'outcome' | 'verdict'>[],
): Record<string, string> {
  return Object.fromEntries(cells.map((cell) => [column(cell), cellRecord(cell)]));
}

/** Every cell that differs from the baseline, including cells only one side has. */
export function compareToBaseline(result: MatrixResult, baseline: Baseline): BaselineDifference[] {
  const measured = new Map(result.results.map((cell) => [JSON.stringify([cell.scenario, column(cell)]), cell]));
  const differences: BaselineDifference[] = [];
  for (const [scenario, row] of Object.entries(baseline.cells)) {
    for (const [name, recorded] of Object.entries(row)) {
      const key = JSON.stringify([scenario, name]);
      const cell = measured.get(key);
      measured.delete(key);
      if (!cell) differences.push({ scenario, column: name, recorded });
      else if (cellRecord(cell) !== recorded)
        differences.push({
          scenario,
          column: name,
          recorded,
          measured: cellRecord(cell),
          explanation: cell.explanation,
        });
    }
  }
  for (const cell of measured.values())
    differences.push({
      scenario: cell.scenario,
      column: column(cell),
      measured: cellRecord(cell),
      explanation: cell.explanation,
    });
  return differences;
}

/** The differences as lines a person reads. */
export function baselineLines(
  file: string,
  baseline: Baseline,
  result: MatrixResult,
  differences: BaselineDifference[],
): string[] {
  const total = result.results.length;
  const lines: string[] = [];
  if (baseline.profile !== result.options.profile)
    lines.push(
      `baseline ${file} was recorded with profile ${baseline.profile}; this run used ${result.options.profile}`,
    );
  if (differences.length === 0) return [...lines, `baseline ${file}: all ${total} cells as recorded`];
  lines.push(`baseline ${file}: ${differences.length} cell(s) differ from the record (${total} measured):`);
  for (const difference of differences) {
    const what =
      difference.measured === undefined
        ? 'not measured in this run'
        : difference.recorded === undefined
          ? `${difference.measured}, not in the baseline`
          : `recorded ${difference.recorded}, now ${difference.measured}`;
    lines.push(
      `  ${difference.scenario} in ${difference.column}: ${what}${difference.explanation ? `. ${difference.explanation}` : ''}`,
    );
  }
  return lines;
}
