// The `cors-lab` command line. Exit codes: 0 every cell matches its
// expectation, 1 unexpected results, 2 bad input or harness failure.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  buildsDir,
  diskSize,
  formatBytes,
  listCachedBuilds,
  pruneBuilds,
  sourceText,
} from '../engines/builds/cache.ts';
import { discoverAll } from '../engines/discovery.ts';
import { readVersion } from '../engines/versions.ts';
import { ENGINE_IDS, ENGINE_PROFILES, type EngineId, type EngineProfile } from '../engines/types.ts';
import type { MiddlewareAdapter } from '../middleware/adapter.ts';
import { runWithMiddlewares } from '../middleware/compare.ts';
import { compatOfRun } from '../research/compat.ts';
import { loadAdapter } from '../middleware/registry.ts';
import { loadScenarios, needsMiddlewareFlag } from '../scenario/loader.ts';
import { BUILTIN_CATALOG, toolVersion } from '../package/root.ts';
import { runScenarios, type IsolationMode } from '../run/runner.ts';
import { parseShard, type Shard } from '../run/shard.ts';
import { addCheckCommand } from './check.ts';
import { addDiffCommand } from './diff.ts';
import { addMergeCommand } from './merge.ts';
import { terminalWidth } from '../../reports/fit.ts';
import { AdapterError } from '../middleware/adapter.ts';
import {
  addRemoteOptions,
  addRunOptions,
  commandInputs,
  EXIT,
  fromCommandLine,
  remoteEnginesOf,
  printFitted,
  report,
  warnProblems,
  type OutputFlags,
  type RemoteFlags,
  addTerminalOptions,
  warnFitted,
} from './common.ts';
import { installBrowsers, installBuilds } from './install-browsers.ts';
import { addResearchCommand } from './research.ts';
import { addBisectCommand } from './bisect.ts';
import { addUiCommand } from './ui.ts';
import { ProgressLine } from './progress.ts';
import { reportInterruptions } from '../engines/cleanup.ts';

interface RunFlags extends OutputFlags, RemoteFlags {
  repeat: number;
  shard?: Shard;
  isolation: IsolationMode;
  profile: EngineProfile;
  middleware?: string[];
}

async function runCommand(paths: string[], flags: RunFlags): Promise<number> {
  const inputs = commandInputs(flags);
  if (!inputs) return EXIT.badInput;
  const { reporters, remote } = inputs;
  const loaded = loadScenarios(paths.length > 0 ? paths : [BUILTIN_CATALOG]);
  if (loaded.problems.length > 0) {
    warnProblems(loaded.problems, 'in scenario files');
    return EXIT.badInput;
  }
  let adapters: MiddlewareAdapter[] = [];
  try {
    adapters = await Promise.all((flags.middleware ?? []).map(loadAdapter));
  } catch (error) {
    warnFitted(`cors-lab: --middleware: ${(error as Error).message}\n`);
    return EXIT.badInput;
  }
  // Middleware scenarios need a middleware; without --middleware they are left out, and said so.
  const needing = loaded.scenarios.filter(needsMiddlewareFlag);
  const scenarios =
    adapters.length > 0 ? loaded.scenarios : loaded.scenarios.filter((scenario) => !needing.includes(scenario));
  if (adapters.length === 0 && needing.length > 0) {
    warnFitted(
      `cors-lab: left out ${needing.length} middleware scenario(s) (${needing[0]!.file}, ...); run them with --middleware cors,@fastify/cors,hono,@koa/cors\n`,
    );
  }
  if (scenarios.length === 0) {
    warnFitted(
      needing.length > 0
        ? 'cors-lab: nothing to run without --middleware\n'
        : `cors-lab: no scenarios found in ${paths.length > 0 ? paths.join(', ') : BUILTIN_CATALOG} (looked for *.yaml and *.yml files). Fix: give a scenario file, or a directory that holds some\n`,
    );
    return EXIT.badInput;
  }

  // A signal from here on: keep what completed, write it marked interrupted, exit with the signal's code.
  reportInterruptions();
  const progress = new ProgressLine(process.stderr, !process.env.CI && process.stderr.isTTY === true);
  progress.start(
    `running ${scenarios.length} scenarios${adapters.length > 0 ? ` against ${adapters.map((adapter) => adapter.name).join(', ')}` : ''}`,
  );
  const options = {
    scenarios,
    engines: flags.browsers,
    remote,
    timeoutMs: flags.timeout,
    isolation: flags.isolation,
    profile: flags.profile,
    repeat: flags.repeat,
    ...(flags.shard ? { shard: flags.shard } : {}),
    onProgress: (update: { engine: EngineId; done: number; total: number }) =>
      progress.update(update.engine, update.done, update.total),
  };
  const result = await (
    adapters.length > 0 ? runWithMiddlewares({ ...options, adapters }) : runScenarios(options)
  ).finally(() => progress.stop());
  // Catalog scenarios behind BCD features: their cells against the data, for the reports.
  const compat = compatOfRun(result);
  if (compat) result.compat = compat;

  return report(result, reporters, flags);
}

async function browsersCommand(flags: RemoteFlags): Promise<number> {
  const remote = remoteEnginesOf(flags);
  if (!remote) return EXIT.badInput;
  const engines = await discoverAll([...ENGINE_IDS, ...remote.map((engine) => engine.id)], remote);
  const lines: string[] = [];
  let missing = 0;
  for (const engine of engines) {
    if (!engine.discovery.found) {
      missing += 1;
      lines.push(`${engine.id.padEnd(9)} missing: ${engine.discovery.reason}\n          fix: ${engine.discovery.fix}`);
      continue;
    }
    if (remote.some((entry) => entry.id === engine.id)) {
      // A remote browser's version is known once a session starts; the endpoint answered.
      lines.push(`${engine.id.padEnd(9)} remote endpoint ready\n          driver: ${engine.discovery.driver}`);
      continue;
    }
    const detail = await readVersion(engine.id, engine.discovery.executablePath).catch(
      (error: Error) => `found, but its version could not be read: ${error.message.split('\n')[0]}`,
    );
    lines.push(
      `${engine.id.padEnd(9)} ${detail}\n          driver: ${engine.discovery.driver}\n          executable: ${engine.discovery.executablePath}`,
    );
  }
  lines.push(...(await cachedBuildLines()));
  printFitted(`${lines.join('\n')}\n`);
  return missing > 0 ? EXIT.unexpected : EXIT.ok;
}

/** The builds in cors-lab's build cache, with their size on disk and where each came from. */
async function cachedBuildLines(): Promise<string[]> {
  const builds = listCachedBuilds();
  if (builds.length === 0)
    return [`builds in ${buildsDir()}: none (install some with cors-lab install-browsers chromium@143 firefox@140)`];
  const sizes = await Promise.all(builds.map((build) => diskSize(build.dir)));
  const lines = [
    `builds in ${buildsDir()} (${formatBytes(sizes.reduce((a, b) => a + b, 0))}; run one with --browsers ${builds[0]!.name}):`,
  ];
  // Columns as wide as their widest entry; where a row with its source does not fit the terminal, the source goes on a line of its own under it.
  const width = (pick: (build: (typeof builds)[number]) => string) =>
    Math.max(...builds.map((build) => pick(build).length));
  const [nameWidth, versionWidth, kindWidth] = [width((b) => b.name), width((b) => b.version), width((b) => b.kind)];
  const fits = terminalWidth();
  builds.forEach((build, index) => {
    const row = `  ${build.name.padEnd(nameWidth)}  ${build.version.padEnd(versionWidth)}  ${build.kind.padEnd(kindWidth)} ${formatBytes(sizes[index]!).padStart(7)}`;
    const source = sourceText(build.source);
    lines.push(row.length + 2 + source.length <= fits ? `${row}  ${source}` : `${row}\n    from ${source}`);
  });
  return lines;
}

async function pruneCommand(): Promise<number> {
  const { removed, bytes } = await pruneBuilds();
  printFitted(
    removed.length === 0
      ? `cors-lab: no builds in ${buildsDir()}\n`
      : `cors-lab: removed ${removed.length} build folder(s) from ${buildsDir()} (${formatBytes(bytes)}): ${removed.join(', ')}\n`,
  );
  return EXIT.ok;
}

function parseRepeat(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 100)
    throw new InvalidArgumentError('a whole number from 1 to 100');
  return count;
}

/** What a newcomer most likely came for, one example each: shown by `cors-lab`, `cors-lab help` and --help. */
const START_HERE = `
Start here:
  Check your own API in real browsers, from the origins your front end uses:
    npx cors-lab check https://api.example.com/users/me --origin https://app.example.com
  Explore one request interactively, engine by engine, in a local web page:
    npx cors-lab ui
  Run the built-in catalog in every engine and get the compatibility matrix:
    npx cors-lab run

Each command's flags: npx cors-lab <command> --help. The README links a guide per use.`;

export function buildProgram(exitCode: { value: number }): Command {
  const program = new Command('cors-lab')
    .description(
      'CORS in real Chromium, Firefox and WebKit: check your own API, explore one request, or run the catalog into a compatibility matrix',
    )
    .version(toolVersion())
    // A slip (a misspelt flag) gets its error and the suggestion, then a pointer: not a hundred lines of help burying them.
    .showHelpAfterError('(add --help to the command for all its options)')
    .exitOverride()
    .addHelpText('after', START_HERE);

  addTerminalOptions(
    addRunOptions(
      addRemoteOptions(
        program
          .command('run')
          .description('run scenario files or directories (default: the built-in catalog) in every engine found')
          .argument('[paths...]', 'scenario files (.yaml) or directories'),
      ),
    )
      .addOption(
        new Option('--isolation <mode>', 'group: a context per isolation group; probe: a fresh context for every probe')
          .choices(['group', 'probe'])
          .default('group'),
      )
      .addOption(
        new Option(
          '--profile <name>',
          "defaults: engines as launched; shipping: close to the shipping browsers (Chrome's cookie default, Safari-like ITP); allow-third-party: all accept third-party cookies",
        )
          .choices([...ENGINE_PROFILES])
          .default('defaults'),
      )
      .option('--baseline <file>', 'a recorded baseline (JSON): fail only on cells that differ from it')
      .option('--update-baseline', "write --baseline's file from this run (commit it beside your tests)")
      .option(
        '--repeat <n>',
        'run each cell n times, each attempt in fresh contexts; cells whose attempts disagree are flaky',
        parseRepeat,
        1,
      )
      .option(
        '--shard <i/n>',
        "run only shard i of n (cells assigned by a hash of scenario id and engine); put the shards' results together with cors-lab merge",
        (value: string) => {
          const shard = parseShard(value);
          if (typeof shard === 'string') throw new InvalidArgumentError(shard);
          return shard;
        },
      )
      .option(
        '--middleware <list>',
        'real CORS middlewares for the middleware scenarios: cors, @fastify/cors, hono, @koa/cors, or ./my-adapter.ts (comma-separated); one column group each',
        (value: string) =>
          value
            .split(',')
            .map((name) => name.trim())
            .filter(Boolean),
      ),
  ).action(async (paths: string[], flags: RunFlags, command: Command) => {
    exitCode.value = await runCommand(paths, fromCommandLine(flags, command));
  });

  addCheckCommand(program, exitCode);
  addDiffCommand(program, exitCode);
  addMergeCommand(program, exitCode);
  addResearchCommand(program, exitCode);
  addBisectCommand(program, exitCode);
  addUiCommand(program, exitCode);

  program;
  addRemoteOptions(program.command('browsers'))
    .description(
      "list the engines found (id, browser, version, driver, executable), how to get missing ones, and the builds in cors-lab's build cache with their size; with --remote or --remote-config, whether each remote endpoint answers",
    )
    .option('--prune', "remove every build from cors-lab's build cache (the system's browsers are not touched)")
    .action(async (flags: RemoteFlags & { prune?: boolean }) => {
      exitCode.value = flags.prune ? await pruneCommand() : await browsersCommand(flags);
    });

  program
    .command('install-browsers')
    .description(
      "without names: install Debian's chromium, firefox-esr, webkit2gtk-driver, xvfb, libnss3-tools, gcc and libc6-dev (as root with apt; the C compiler builds the research clock shim), or explain the choices. With build names (chromium@143, chromium-headless-shell@150, firefox@140, chromium@103..153): download those builds through npm and apt into cors-lab's build cache, check that each reports the version asked for, and install nothing system-wide",
    )
    .argument(
      '[builds...]',
      'builds to install: chromium@MAJOR, chromium-headless-shell@MAJOR, firefox@MAJOR, or a range such as chromium@110..143',
    )
    .action(async (builds: string[]) => {
      exitCode.value = builds.length > 0 ? await installBuilds(builds) : await installBrowsers();
    });

  return program;
}

/**
 * A reader that goes away (`cors-lab check ... | head`) closes stdout under
 * the run: the rest of the terminal output is dropped, and the run goes on
 * to write its reports and exit with its own code, never a stack trace.
 */
function dropOutputWhenTheReaderLeaves(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
}

export async function main(argv: string[]): Promise<number> {
  dropOutputWhenTheReaderLeaves(process.stdout);
  dropOutputWhenTheReaderLeaves(process.stderr);
  const exitCode = { value: EXIT.ok as number };
  const program = buildProgram(exitCode);
  // No command at all: the help, with where to start, is the answer (not a usage error).
  if (argv.length <= 2) {
    process.stdout.write(program.helpInformation());
    process.stdout.write(`${START_HERE}\n`);
    return EXIT.ok;
  }
  try {
    await program.parseAsync(argv);
    return exitCode.value;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; usage errors are bad input.
      return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    if (error instanceof AdapterError) {
      warnFitted(`cors-lab: ${error.message}\n`);
      return EXIT.badInput;
    }
    warnFitted(
      `cors-lab: harness failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT.badInput;
  }
}
