// `cors-lab merge` on files that are not this cors-lab's shard results: each
// is named with what it is and the fix, and nothing is read further (a JSON
// file of another shape used to end in a TypeError's stack trace).
import { describe, expect, it } from 'vitest';
import { MergeError, mergeShards } from '../../harness/diff/merge.ts';
import type { RunResult } from '../../harness/result/result.ts';

const merging = (result: unknown) => () => mergeShards([{ file: 'shard.json', result: result as RunResult }]);

describe('merge refuses what it cannot read', () => {
  it.each([[{}], [null], [[]], ['a string'], [{ results: 'x', options: {} }], [{ results: [], options: null }]])(
    'a JSON value that is no run result: %j',
    (value) => {
      expect(merging(value)).toThrow(MergeError);
      expect(merging(value)).toThrow(
        'shard.json: not a cors-lab run result (no results or options). Fix: give the result.json files run --shard i/n wrote',
      );
    },
  );

  it('a result of another schema version, saying which version it is and which this cors-lab reads', () => {
    expect(merging({ schemaVersion: 2, kind: 'run', results: [], options: { shard: { index: 1, total: 2 } } })).toThrow(
      'shard.json: a result of schema version 2; this cors-lab reads and merges schema version 3. Fix: run the shards again with this cors-lab',
    );
  });
});
