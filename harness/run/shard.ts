// run --shard i/n: which (scenario, engine) cells one machine runs. The
// assignment is a hash of the scenario id and the engine (as wptrunner's
// id_hash chunks), so it is stable whatever order the files load in, and
// every shard of the same set agrees on it without talking to the others.
import { createHash } from 'node:crypto';
import type { EngineId } from '../engines/types.ts';

export interface Shard {
  /** 1-based. */
  index: number;
  total: number;
}

/** "2/3" → { index: 2, total: 3 }, or why it is not one. */
export function parseShard(text: string): Shard | string {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const total = Number(match?.[2]);
  if (!match || total < 1 || total > 1000 || index < 1 || index > total)
    return `'${text}' is not a shard. Fix: i/n with 1 ≤ i ≤ n, e.g. --shard 1/2`;
  return { index, total };
}

/**
 * What a scenario is sharded by: its id, or the isolation group it names
 * (scenarios that share a named context may depend on each other, so a group
 * stays in one shard).
 */
export function shardKey(scenario: { id: string; isolation: string }): string {
  return scenario.isolation === 'shared' || scenario.isolation.startsWith('cookies:')
    ? scenario.id
    : `isolation:${scenario.isolation}`;
}

/** The shard (1-based) that runs this key (shardKey) in this engine, out of `total`. */
export function shardOf(scenario: string, engine: EngineId, total: number): number {
  const digest = createHash('sha256').update(`${scenario}\u0000${engine}`).digest();
  return (digest.readUInt32BE(0) % total) + 1;
}
