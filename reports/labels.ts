// Shared wording for every renderer, so the reports agree on what a cell says.
import type { CellResult, RunResult } from '../harness/run/result.ts';

/** "matches", "deviation (known)" or "UNEXPECTED" for one cell. */
export function verdictOf(cell: CellResult): 'matches' | 'known deviation' | 'unexpected' {
  if (!cell.matchesExpectation) return 'unexpected';
  return cell.deviation ? 'known deviation' : 'matches';
}

/** Column heading for an engine: id and exact version. */
export function engineHeading(engine: RunResult['engines'][number]): string {
  return `${engine.id} ${engine.version}`;
}

/** Cells indexed by scenario id, then engine id. */
export function cellIndex(result: RunResult): Map<string, Map<string, CellResult>> {
  const index = new Map<string, Map<string, CellResult>>();
  for (const cell of result.results) {
    if (!index.has(cell.scenario)) index.set(cell.scenario, new Map());
    index.get(cell.scenario)!.set(cell.engine, cell);
  }
  return index;
}

export function summaryLine(result: RunResult): string {
  const { total, allowed, blocked, error, unexpected } = result.summary;
  return `${total} cells: ${allowed} allowed, ${blocked} blocked, ${error} error; ${unexpected} unexpected`;
}
