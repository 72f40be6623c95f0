// Every file a user hands cors-lab, fuzzed (issue 28, part 1): scenario
// YAML, check configs (YAML and TypeScript), middleware adapters, HARs,
// OpenAPI documents, remote-engine configs, baselines and result files. Each
// starts from a valid seed, which a generator cuts short, flips bytes in,
// breaks the UTF-8 of, gives wrong types, huge values and deep nesting,
// strips of fields, or replaces with an alias bomb. The property: the reader
// the command calls accepts the file or names it with what is wrong (its
// typed problem), in bounded time and memory; never another exception, which
// the CLI would print as a harness failure with a stack trace. Then the real
// CLI, on one rejected input of each kind, exits 2 with the file named, no
// stack trace and no report written.
//
// A failure prints fast-check's seed and path: keep the input it found as a
// regular test beside the reader's own tests.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckInputError, planFromConfig } from '../../harness/check/plan.ts';
import { endpointsFromHar } from '../../harness/check/har.ts';
import { endpointsFromOpenApi } from '../../harness/check/openapi.ts';
import { loadAdapter } from '../../harness/middleware/registry.ts';
import { readRemoteConfig, RemoteConfigError } from '../../harness/engines/remote-config.ts';
import { BaselineError, readBaseline, serializeBaseline, baselineOf } from '../../harness/diff/baseline.ts';
import { diffResults } from '../../harness/diff/diff.ts';
import { MergeError, mergeShards } from '../../harness/diff/merge.ts';
import { readResult } from '../../harness/result/read.ts';
import type { MatrixResult, RunResult } from '../../harness/result/result.ts';
import { BUILTIN_CATALOG } from '../../harness/package/root.ts';
import { formatProblem, loadScenarios } from '../../harness/scenario/loader.ts';
import { runScenarios } from '../../harness/run/runner.ts';
import { PROJECT_ROOT, runCli, scenariosFrom, tempCertDir, tempDir } from '../helpers.ts';

/** Cases per input kind: the whole suite stays well within a minute (CORS_LAB_FUZZ_RUNS=N to hunt longer). */
const RUNS = Number(process.env.CORS_LAB_FUZZ_RUNS) || 40;
/**
 * A reader that spends more CPU than this on one input fails the property.
 * CPU time, not wall time: on a loaded 2-core machine the same read of a
 * list nested 200,000 deep took 6.7 s of wall time against 0.9 s alone, and
 * the property is about the reader's work, not the machine's load (a reader
 * that waits forever meets the test's own timeout).
 */
const READ_LIMIT_MS = 5_000;
/** The test process's resident memory after any one input. */
const RSS_LIMIT_BYTES = 2 * 1024 ** 3;

type Verdict = 'accepted' | { problems: string[] };

interface InputKind {
  name: string;
  file: string;
  /** A TypeScript module's value is its default export, written as JSON in `module` (a config, an adapter). */
  format: 'yaml' | 'json' | { module: (json: string) => string; data: () => unknown };
  seed: () => string;
  /** The reader the command calls first; any exception other than the input's own problem escapes. */
  read(file: string): Promise<Verdict>;
  /** The command line that reads `file` (nothing else wrong with it), writing reports under `out`. */
  command(file: string, out: string): string[];
}

const problemsOf = (error: unknown): Verdict => {
  if (error instanceof CheckInputError || error instanceof RemoteConfigError)
    return { problems: error.problems.map(formatProblem) };
  if (error instanceof BaselineError) return { problems: [error.message] };
  throw error;
};

/** A reader that returns or throws, as a verdict. */
const verdictOf =
  (read: (file: string) => unknown) =>
  async (file: string): Promise<Verdict> => {
    try {
      await read(file);
      return 'accepted';
    } catch (error) {
      return problemsOf(error);
    }
  };

const CHECK_CONFIG_YAML = [
  'baseUrl: https://api.example.com',
  'sweep: true',
  'allowOriginPatterns: ["https://*.example.com"]',
  'errorPaths: [/boom]',
  'resolve: ["api.example.com:443:127.0.0.1:8443"]',
  'timeout: 5000',
  'endpoints:',
  '  - url: /me',
  '    method: POST',
  '    headers: { Content-Type: application/json }',
  '    body: "{}"',
  '    credentials: include',
  '    origins: { "https://app.example.com": allowed, "https://evil.example.net": blocked }',
  '',
].join('\n');

const dir = tempDir('fuzz-inputs');
let resultSeed = '';

const KINDS: InputKind[] = [
  {
    name: 'scenario file',
    file: 'scenarios.yaml',
    format: 'yaml',
    seed: () => readFileSync(join(BUILTIN_CATALOG, 'basics', 'acao.yaml'), 'utf8'),
    async read(file) {
      const { problems } = loadScenarios([file]);
      return problems.length === 0 ? 'accepted' : { problems: problems.map(formatProblem) };
    },
    command: (file, out) => ['run', file, '--browsers', 'chromium', '--out', out],
  },
  {
    name: 'check config',
    file: 'cors-lab.yaml',
    format: 'yaml',
    seed: () => CHECK_CONFIG_YAML,
    read: verdictOf(planFromConfig),
    command: (file, out) => ['check', '--config', file, '--out', out],
  },
  {
    // Mutated TypeScript is run by the loader: the seed holds data only, so no mutation can make a loop.
    name: 'check config in TypeScript',
    file: 'cors-lab.config.ts',
    format: { module: (json) => `export default ${json};\n`, data: () => parseYaml(CHECK_CONFIG_YAML) },
    seed: () => `export default ${JSON.stringify(parseYaml(CHECK_CONFIG_YAML), null, 2)};\n`,
    read: verdictOf(planFromConfig),
    command: (file, out) => ['check', '--config', file, '--out', out],
  },
  {
    name: 'middleware adapter',
    file: 'adapter.ts',
    format: {
      module: (json) => `export default { ...${json}, create(policy, handler) { return handler; } };\n`,
      data: () => ({ name: 'fuzzed', version: '1.0.0' }),
    },
    seed: () =>
      `export default { ...${JSON.stringify({ name: 'fuzzed', version: '1.0.0' })}, create(policy, handler) { return handler; } };\n`,
    // The CLI takes any error loadAdapter throws as the adapter's problem (exit 2): its message must name the file.
    read: async (file) =>
      loadAdapter(file).then(
        () => 'accepted' as const,
        (error: Error) => ({ problems: [error.message] }),
      ),
    command: (file, out) => ['run', join(BUILTIN_CATALOG, 'basics', 'acao.yaml'), '--middleware', file, '--out', out],
  },
  {
    name: 'HAR',
    file: 'app.har',
    format: 'json',
    seed: () => readFileSync(join(PROJECT_ROOT, 'examples', 'api-owner', 'app.har'), 'utf8'),
    read: verdictOf((file) => endpointsFromHar(file, { excludeHosts: [] })),
    command: (file, out) => ['check', '--har', file, '--out', out],
  },
  {
    name: 'OpenAPI document',
    file: 'openapi.yaml',
    format: 'yaml',
    seed: () => readFileSync(join(PROJECT_ROOT, 'examples', 'api-owner', 'openapi.yaml'), 'utf8'),
    read: verdictOf((file) => endpointsFromOpenApi(file, {})),
    command: (file, out) => ['check', '--openapi', file, '--origin', 'https://app.example.com', '--out', out],
  },
  {
    name: 'remote-engine config',
    file: 'remote.yaml',
    format: 'yaml',
    seed: () => readFileSync(join(PROJECT_ROOT, 'examples', 'grid', 'remote.yaml'), 'utf8'),
    read: verdictOf(readRemoteConfig),
    command: (file, out) => [
      'run',
      join(BUILTIN_CATALOG, 'basics', 'acao.yaml'),
      '--remote-config',
      file,
      '--out',
      out,
    ],
  },
  {
    name: 'baseline',
    file: 'baseline.json',
    format: 'json',
    seed: () => serializeBaseline(baselineOf(JSON.parse(resultSeed) as MatrixResult)),
    read: verdictOf(readBaseline),
    command: (file, out) => ['run', join(BUILTIN_CATALOG, 'basics', 'acao.yaml'), '--baseline', file, '--out', out],
  },
  {
    name: 'result file',
    file: 'result.json',
    format: 'json',
    seed: () => resultSeed,
    read: async (file) => {
      const read = readResult(file);
      if ('problem' in read) return { problems: [read.problem] };
      // What diff and merge then do with a result the schema accepts must not throw either.
      const seed = JSON.parse(resultSeed) as RunResult;
      diffResults(seed, read.result as MatrixResult, { before: 'seed.json', after: file });
      try {
        mergeShards([{ file, result: read.result as RunResult }]);
      } catch (error) {
        if (!(error instanceof MergeError)) throw error;
        return { problems: [error.message] };
      }
      return 'accepted';
    },
    command: (file, out) => ['diff', file, file, '--reporter', `json=${join(out, 'diff.json')}`],
  },
];

// --- the generator: a seed, mutated ---

/** Every path to a value in `data`, the root included. */
function pathsOf(
  data: unknown,
  prefix: (string | number)[] = [],
  found: (string | number)[][] = [],
): (string | number)[][] {
  found.push(prefix);
  if (data !== null && typeof data === 'object')
    for (const [key, value] of Object.entries(data))
      pathsOf(value, [...prefix, Array.isArray(data) ? Number(key) : key], found);
  return found;
}

function withValueAt(data: unknown, path: (string | number)[], value: unknown, remove: boolean): unknown {
  if (path.length === 0) return remove ? undefined : value;
  const copy = structuredClone(data) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (remove) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

function nested(depth: number): unknown {
  let value: unknown = 'deep';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

/** Wrong types, edge numbers, huge and deeply nested values. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    -0,
    1e308,
    2 ** 53 + 1,
    0.5,
    '',
    [],
    {},
    'https://',
    '*',
    '\u0000',
    '../../etc/passwd',
    '{{origin.page}}',
  ),
  fc.string({ maxLength: 40, unit: 'grapheme' }),
  fc.integer({ min: 10_000, max: 2_000_000 }).map((length) => 'x'.repeat(length)),
  fc.integer({ min: 100, max: 3_000 }).map(nested),
);

const INVALID_UTF8 = [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]];
const ALIAS_BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'
    .split('')
    .map((name, index) => `${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[index]}`).join(',')}]`),
].join('\n');

/** A mutated input, and how it was made: what a failure prints (the bytes can be megabytes). */
interface Mutant {
  how: string;
  bytes: Buffer;
}

function mutant(how: string, bytes: Buffer): Mutant {
  return { how, bytes, [fc.toStringMethod]: () => `${how} (${bytes.length} bytes)` } as Mutant;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string' && value.length > 40) return `a string of ${value.length} characters`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}… (${text.length} characters as JSON)` : text;
}

function mutations(kind: InputKind, seedText: string): fc.Arbitrary<Mutant> {
  const seed = Buffer.from(seedText);
  const format = kind.format;
  const data = format === 'json' ? JSON.parse(seedText) : format === 'yaml' ? parseYaml(seedText) : format.data();
  const paths = pathsOf(data);
  const serialize = (value: unknown, asYaml: boolean): string => {
    if (value === undefined) return '';
    if (typeof format === 'object') return format.module(JSON.stringify(value));
    if (asYaml && format === 'yaml') {
      try {
        return stringifyYaml(value, { aliasDuplicateObjects: false });
      } catch {
        // deeper than the YAML writer goes: JSON is YAML too
      }
    }
    return JSON.stringify(value);
  };
  /** JSON text as this kind's file: a module's default export, or the text itself. */
  const serializeText = (json: string): string => (typeof format === 'object' ? format.module(json) : json);
  const at = (index: number) => paths[index]!.join('.') || '(the whole document)';
  return fc.oneof(
    fc.nat({ max: seed.length }).map((cut) => mutant(`cut short at byte ${cut}`, seed.subarray(0, cut))),
    fc.tuple(fc.nat({ max: seed.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([index, byte]) => {
      const copy = Buffer.from(seed);
      copy[index] = byte;
      return mutant(`byte ${index} set to ${byte}`, copy);
    }),
    fc
      .tuple(fc.nat({ max: seed.length }), fc.constantFrom(...INVALID_UTF8))
      .map(([index, bytes]) =>
        mutant(
          `invalid UTF-8 ${JSON.stringify(bytes)} at byte ${index}`,
          Buffer.concat([seed.subarray(0, index), Buffer.from(bytes), seed.subarray(index)]),
        ),
      ),
    fc
      .tuple(fc.nat({ max: paths.length - 1 }), hostileValue, fc.boolean())
      .map(([index, value, asYaml]) =>
        mutant(
          `${at(index)} replaced by ${describeValue(value)}${asYaml ? ' (YAML)' : ''}`,
          Buffer.from(serialize(withValueAt(data, paths[index]!, value, false), asYaml)),
        ),
      ),
    fc
      .tuple(fc.nat({ max: paths.length - 1 }), fc.boolean())
      .map(([index, asYaml]) =>
        mutant(
          `${at(index)} removed${asYaml ? ' (YAML)' : ''}`,
          Buffer.from(serialize(withValueAt(data, paths[index]!, undefined, true), asYaml)),
        ),
      ),
    fc
      .integer({ min: 1_000, max: 200_000 })
      .map((depth) =>
        mutant(`a list nested ${depth} deep`, Buffer.from(serializeText('['.repeat(depth) + ']'.repeat(depth)))),
      ),
    fc.constant(
      format === 'yaml'
        ? mutant('an alias bomb', Buffer.from(ALIAS_BOMB))
        : mutant('an object opened 50000 times, never closed', Buffer.from('{"a":'.repeat(50_000))),
    ),
  );
}

/** Runs the reader on `bytes`, failing on anything but a verdict, or one that took too long or does not name the file. */
async function verdictOn(kind: InputKind, file: string, bytes: Buffer): Promise<Verdict> {
  writeFileSync(file, bytes);
  const started = process.cpuUsage();
  const verdict = await kind.read(file);
  const spent = process.cpuUsage(started);
  const took = (spent.user + spent.system) / 1000;
  expect(took, `${kind.name}: ${Math.round(took)} ms of CPU on one input`).toBeLessThan(READ_LIMIT_MS);
  // Bounded memory too: no input may make the reader hold gigabytes (the largest inputs here are a few MB).
  expect(process.memoryUsage().rss, `${kind.name}: resident memory after one input`).toBeLessThan(RSS_LIMIT_BYTES);
  if (verdict !== 'accepted') {
    expect(verdict.problems.length, `${kind.name}: a rejection with no problem`).toBeGreaterThan(0);
    for (const problem of verdict.problems)
      expect(problem, `${kind.name}: a problem that does not name the file`).toContain(basename(file));
  }
  return verdict;
}

beforeAll(async () => {
  // The result seed is a real run's, two scenarios in Chromium, as the one shard of one (so merge reads it too).
  const scenarios = scenariosFrom(readFileSync(join(BUILTIN_CATALOG, 'basics', 'acao.yaml'), 'utf8')).slice(0, 2);
  const result = await runScenarios({
    scenarios,
    engines: ['chromium'],
    timeoutMs: 8000,
    isolation: 'group',
    certDir: tempCertDir(),
    shard: { index: 1, total: 1 },
  });
  expect(result.results.length).toBeGreaterThan(0);
  resultSeed = JSON.stringify(result);
}, 60_000);

describe('every input, fuzzed', () => {
  for (const kind of KINDS) {
    it(
      `${kind.name}: accepted, or refused naming the file, in bounded time`,
      async () => {
        const caseDir = join(dir, kind.name.replaceAll(' ', '-'));
        mkdirSync(caseDir, { recursive: true });
        const file = join(caseDir, kind.file);
        // The seed itself is valid: a generator from a broken seed would prove little.
        const seedVerdict = await verdictOn(kind, file, Buffer.from(kind.seed()));
        expect(seedVerdict, JSON.stringify(seedVerdict)).toBe('accepted');
        let rejected = 0;
        await fc.assert(
          fc.asyncProperty(mutations(kind, kind.seed()), async ({ bytes }) => {
            if ((await verdictOn(kind, file, bytes)) !== 'accepted') rejected++;
          }),
          { numRuns: RUNS },
        );
        // Most mutations break the file: the property was tested on rejections, not only on accepted files.
        expect(rejected).toBeGreaterThan(RUNS / 4);
      },
      Math.max(120_000, RUNS * 300),
    );
  }
});

describe('the CLI on a rejected input of each kind', () => {
  for (const kind of KINDS) {
    it(`${kind.name}: exit 2, the file named, no stack trace, no report`, async () => {
      const caseDir = join(dir, `cli-${kind.name.replaceAll(' ', '-')}`);
      mkdirSync(caseDir, { recursive: true });
      const file = join(caseDir, kind.file);
      // The first of a fixed sample the reader rejects (fast-check's own seed, so the same every run).
      const sample = fc.sample(mutations(kind, kind.seed()), { numRuns: 30, seed: 28 });
      let found = false;
      for (const { bytes } of sample) {
        if ((await verdictOn(kind, file, bytes)) !== 'accepted') {
          found = true;
          break;
        }
      }
      expect(found, `${kind.name}: no rejected input in the sample`).toBe(true);
      const out = join(caseDir, 'out');
      const finished = await runCli(kind.command(file, out));
      expect(finished.status, finished.stderr).toBe(2);
      expect(finished.stderr).toContain(basename(file));
      expect(finished.stderr).not.toMatch(/harness failure|\n\s+at /);
      expect(existsSync(out) ? readdirSync(out) : [], 'nothing written').toEqual([]);
    }, 60_000);
  }
});
