// The bench's figures as JSON (bench/result.json, or --json FILE), and
// --compare OLD.json: every figure both runs have, old → new, with the ratio.
// Machines here differ in speed from one session to the next, so a ratio
// between runs of different days says less than the ratios inside one run;
// the file records the machine and the commit so a reader can tell.
import { readFileSync } from 'node:fs';
import type { Figures, PartOutcome } from './figures.ts';

export interface BenchResult {
  tool: 'cors-lab bench';
  startedAt: string;
  quick: boolean;
  machine: { cores: number; node: string; platform: string };
  commit?: string;
  parts: Record<string, PartOutcome & { error?: string }>;
}

/** Reads an earlier bench/result.json; a message that names the file and what is wrong otherwise. */
export function readBenchResult(file: string): BenchResult {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(
      `--compare ${file}: cannot read it as JSON (${(error as Error).message.split('\n')[0]}). Fix: give a bench/result.json written by npm run bench`,
    );
  }
  const result = data as Partial<BenchResult>;
  if (result?.tool !== 'cors-lab bench' || typeof result.parts !== 'object' || result.parts === null) {
    throw new Error(
      `--compare ${file}: not a cors-lab bench result (no "tool": "cors-lab bench" and "parts"). Fix: give a bench/result.json written by npm run bench`,
    );
  }
  return result as BenchResult;
}

/** "catalog.group.engines.chromium.wallMs" → value, for every number in a part's figures. */
function flatten(figures: Figures | undefined, prefix: string, into: Map<string, number>): Map<string, number> {
  for (const [name, value] of Object.entries(figures ?? {})) {
    const key = `${prefix}.${name}`;
    if (typeof value === 'number') into.set(key, value);
    else flatten(value, key, into);
  }
  return into;
}

/** One line per figure both results hold: old → new (new/old). */
export function compareLines(old: BenchResult, current: BenchResult): string[] {
  const before = new Map<string, number>();
  const after = new Map<string, number>();
  for (const [name, part] of Object.entries(old.parts)) flatten(part.figures, name, before);
  for (const [name, part] of Object.entries(current.parts)) flatten(part.figures, name, after);
  const lines = [
    `compared with ${old.startedAt}${old.commit ? ` (${old.commit})` : ''}${old.quick !== current.quick ? ` — NOT comparable: one run is --quick, the other is not` : ''}; machine then ${old.machine?.cores} cores, now ${current.machine.cores}:`,
  ];
  for (const [key, value] of after) {
    const was = before.get(key);
    if (was === undefined) continue;
    const ratio = was === 0 ? (value === 0 ? '1.00' : '∞') : (value / was).toFixed(2);
    lines.push(`  ${key}: ${was} → ${value} (${ratio}x)`);
  }
  const onlyOld = [...before.keys()].filter((key) => !after.has(key));
  if (onlyOld.length > 0)
    lines.push(`  only in the earlier run: ${onlyOld.slice(0, 10).join(', ')}${onlyOld.length > 10 ? ', …' : ''}`);
  return lines;
}
