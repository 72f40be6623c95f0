// The result JSON's reference page (docs/reference/result-json.md), written
// from scenarios/result.schema.json by `npm run schema` through the same table
// writer as the scenario and config formats, so every field a result holds is
// listed with its type and description (a test compares the committed page).
// Only the schema writer and the tests load this file.
import { readFileSync } from 'node:fs';
import { referenceTable, type Schema } from '../scenario/reference.ts';

type ResultSchema = { definitions: Record<string, Schema> };

/** The rows of `kind`'s result that the run result does not have (a check's `check` section, a study's). */
const beyond = (rows: string[], common: Set<string>) => rows.filter((row) => !common.has(row.split(' | ')[0]!));

export function resultReferenceMarkdown(
  schema: ResultSchema = JSON.parse(
    readFileSync(new URL('../../scenarios/result.schema.json', import.meta.url), 'utf8'),
  ) as ResultSchema,
): string {
  const table = (name: string) => referenceTable(schema, schema.definitions[name]!);
  const run = table('RunResult');
  const common = new Set(run.map((row) => row.split(' | ')[0]!));
  const header = ['| field | type | required | default | what it is |', '|---|---|---|---|---|'];
  return [
    '# The result JSON',
    '',
    'Every report is drawn from one JSON result (`result.json`, or the path',
    'given to `--reporter json=...`). This page lists every field it may hold,',
    'written from its JSON Schema, `scenarios/result.schema.json` (in the package',
    'too), by `npm run schema`; a test fails when this page and the schema part.',
    'Validate a result of your own against that schema with any JSON Schema',
    'validator. `kind` tells the three apart: `run` (the catalog or your',
    'scenarios), `check` (your server) and `research` (a study). Fields do not',
    'change meaning without a new `schemaVersion`.',
    '',
    'A path such as `results.evidence.journal.url` names a field inside a list',
    "(each cell's evidence's journal lines). [Reports](reports.md) says how the",
    'other reports are drawn from it, and [Outcomes](outcomes.md) what a cell',
    'says.',
    '',
    '## Every kind: a run result',
    '',
    ...header,
    ...run,
    '',
    '## A check result: the fields it adds',
    '',
    ...header,
    ...beyond(table('CheckResult'), common),
    '',
    '## A research result: the fields it adds',
    '',
    ...header,
    ...beyond(table('ResearchResult'), common),
    '',
  ].join('\n');
}
