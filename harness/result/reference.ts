// The result JSON's reference page (docs/reference/result-json.md), written
// from scenarios/result.schema.json by `npm run schema` through the same table
// writer as the scenario and config formats, so every field a result holds is
// listed with its type and description (a test compares the committed page).
// Only the schema writer and the tests load this file.
import { readFileSync } from 'node:fs';
import { REFERENCE_TABLE_HEAD, referenceTable, type Schema } from '../scenario/reference.ts';

type ResultSchema = { definitions: Record<string, Schema> };

export function resultReferenceMarkdown(
  schema: ResultSchema = JSON.parse(
    readFileSync(new URL('../../scenarios/result.schema.json', import.meta.url), 'utf8'),
  ) as ResultSchema,
): string {
  const { RunResult: run, CheckResult: check, ResearchResult: research } = schema.definitions;
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
    ...REFERENCE_TABLE_HEAD,
    ...referenceTable(schema, run!),
    '',
    '## A check result: the fields it adds',
    '',
    ...REFERENCE_TABLE_HEAD,
    // What a check result adds to a run result's fields (its `check` section).
    ...referenceTable(schema, check!, run),
    '',
    '## A research result: the fields it adds',
    '',
    ...REFERENCE_TABLE_HEAD,
    ...referenceTable(schema, research!, run),
    '',
  ].join('\n');
}
