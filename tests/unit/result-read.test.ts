// A result.json handed to diff, merge or research compat --from is read
// against the published result schema first: what is wrong with it is named
// with the file and the fix, before anything reads a field.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResult } from '../../harness/result/read.ts';
import { SCHEMA_VERSION } from '../../harness/result/result.ts';
import { tempDir } from '../helpers.ts';

const dir = tempDir('result-read');
const problemOf = (name: string, text: string): string => {
  const file = join(dir, name);
  writeFileSync(file, text);
  const read = readResult(file);
  if (!('problem' in read)) throw new Error(`${name} was read as a result`);
  return read.problem;
};

describe('reading a result file', () => {
  it('a missing file', () => {
    const read = readResult(join(dir, 'nowhere.json'));
    expect(read).toEqual({ problem: `${join(dir, 'nowhere.json')}: cannot read it (ENOENT). Fix: check the path` });
  });

  it('a file cut short', () => {
    expect(problemOf('cut.json', '{"schemaVersion": 3, "results": [')).toMatch(
      /cut\.json: not JSON \(.+\); a file cut short reads this way\. Fix: give the result\.json a run or check of this cors-lab wrote, unchanged$/,
    );
  });

  it.each([['[]'], ['"text"'], ['null'], ['{"results": []}']])('JSON that is no result: %s', (text) => {
    expect(problemOf('other.json', text)).toBe(
      `${join(dir, 'other.json')}: not a cors-lab result (no schemaVersion). Fix: give the result.json a run or check of this cors-lab wrote, unchanged`,
    );
  });

  it('a result of another schema version, saying both versions', () => {
    expect(problemOf('old.json', '{"schemaVersion": 2, "kind": "run", "results": []}')).toBe(
      `${join(dir, 'old.json')}: a result of schema version 2; this cors-lab reads schema version ${SCHEMA_VERSION}. Fix: run it again with this cors-lab, or read it with the cors-lab that wrote it`,
    );
  });

  it('a result of this version with a field of the wrong shape, naming the field', () => {
    expect(
      problemOf('shape.json', JSON.stringify({ schemaVersion: SCHEMA_VERSION, kind: 'run', results: 'none' })),
    ).toMatch(
      /shape\.json: not a valid cors-lab result: .+\. Fix: give the result\.json a run or check of this cors-lab wrote, unchanged$/,
    );
  });
});
