// `cors-lab check <url>`: will real browsers accept my API's CORS, and does it
// refuse the origins it should? Exit codes: 0 every engine as expected and no
// finding, 1 one is not (or error answers lack CORS headers, or Vary: Origin
// is missing), 2 bad input or harness failure, 3 the target could not be
// reached or trusted (no browser was run), 4 a security finding.
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  CHECK_KINDS,
  CheckInputError,
  DEFAULT_ORIGIN,
  ENDPOINT_FLAGS,
  planForEndpoints,
  planFromCli,
  planFromConfig,
  withCommandLine,
  type CheckPlan,
  type CliCheckInput,
} from '../check/plan.ts';
import { endpointsFromHar } from '../check/har.ts';
import { endpointsFromOpenApi } from '../check/openapi.ts';
import { runCheck } from '../check/runner.ts';
import { MISSING_PATH, planProbes } from '../check/rows.ts';
import { TargetUnreachable } from '../check/replay.ts';
import {
  addRemoteOptions,
  addRunOptions,
  commandInputs,
  EXIT,
  fromCommandLine,
  repeatable,
  report,
  warnProblems,
  type OutputFlags,
  type RemoteFlags,
  addTerminalOptions,
  warnFitted,
} from './common.ts';
import { ProgressLine } from './progress.ts';
import { reportInterruptions } from '../engines/cleanup.ts';

interface CheckFlags extends CliCheckInput, OutputFlags, RemoteFlags {
  config?: string;
  har?: string;
  harExcludeHost: string[];
  openapi?: string;
  baseUrl?: string;
  maxRows: number;
}

/** A plan with more rows than this is refused before anything starts (each row is a browser context per engine). */
const DEFAULT_MAX_ROWS = 500;

/** Check's repeatable options (lists, [] when not given). */
const REPEATABLE = [
  'origin',
  'expect',
  'header',
  'resolve',
  'ca',
  'reporter',
  'allowOriginPattern',
  'errorPath',
  'harExcludeHost',
] as const;

export function addCheckCommand(program: Command, exitCode: { value: number }): void {
  addTerminalOptions(
    addRunOptions(
      addRemoteOptions(
        program
          .command('check')
          .description(
            'real browsers against your own server: pose as front-end origins, say per engine whether the response is allowed, and sweep hostile origins',
          )
          .argument('[url]', 'the endpoint to check, e.g. https://api.example.com/users (or use --config)'),
      )
        .option(
          '--origin <origin>',
          `page origin to pose as, exactly (repeatable; default ${DEFAULT_ORIGIN})`,
          repeatable,
        )
        .option(
          '--expect <outcome>',
          'allowed|blocked: once for all origins, once per --origin in order, or ORIGIN=OUTCOME (default: allowed)',
          repeatable,
        )
        .option('--method <method>', 'request method', 'GET')
        .option('--header <line>', "request header 'Name: value' (repeatable)", repeatable)
        .option(
          '--body <text>',
          'request body, sent as a page sends a string (text/plain unless a --header sets Content-Type)',
        )
        .addOption(
          new Option('--credentials <mode>', 'fetch credentials mode')
            .choices(['omit', 'same-origin', 'include'])
            .default('same-origin'),
        )
        .addOption(new Option('--kind <kind>', 'request kind').choices([...CHECK_KINDS]).default('fetch'))
        .option(
          '--resolve <host:port:addr:port>',
          "point a hostname at another address, as curl's --connect-to host:port:address:port, or --resolve host:port:address (repeatable)",
          repeatable,
        )
        .option(
          '--ca <file.pem>',
          "trust this CA for the target (its own CA, e.g. mkcert's root); trusted by the lab's proxy only (repeatable)",
          repeatable,
        )
        .option('--no-sweep', 'skip the security sweep of hostile origins')
        .option(
          '--allow-origin-pattern <pattern>',
          'origins you mean to allow, as a glob (https://*.example.com) or an anchored regex (^https://[a-z0-9-]+\\.example\\.com$): the sweep never poses one it admits, and tries look-alikes of it (repeatable)',
          repeatable,
        )
        .option(
          '--error-path <path>',
          'a path (or URL) known to fail, e.g. /api/boom: its error answer must carry CORS headers too (repeatable)',
          repeatable,
        )
        .option(
          '--no-missing-path',
          `skip the request to a path that does not exist beside each endpoint (…/${MISSING_PATH}), which checks that error answers carry CORS headers`,
        )
        .option('--baseline <file>', 'a recorded baseline (JSON): fail only on cells that differ from it')
        .option('--update-baseline', "write --baseline's file from this check (commit it beside your tests)")
        .option(
          '--config <file>',
          'a suite: cors-lab.config.ts (defineConfig) or YAML with endpoints, origins and expected outcomes',
        )
        .option(
          '--har <file>',
          "the front end's own traffic: every cross-origin CORS request in a HAR exported from DevTools, posed from the origin it came from (--origin replaces it)",
        )
        .option(
          '--har-exclude-host <host>',
          'with --har: leave out requests to this host, or *.example.com for it and its subdomains (third parties you do not own; repeatable)',
          repeatable,
        )
        .option(
          '--openapi <file>',
          "the API's own description (OpenAPI 3.0/3.1, JSON or YAML): every operation, from each --origin",
        )
        .option('--base-url <url>', "with --openapi: where the API runs, instead of the document's first server")
        .option(
          '--max-rows <n>',
          "refuse a plan of more rows than this before anything runs (a row is one request from one origin, error paths and the sweep's hostile origins included)",
          parseMaxRows,
          DEFAULT_MAX_ROWS,
        ),
    ),
  ).action(async (url: string | undefined, flags: CheckFlags, command: Command) => {
    exitCode.value = await checkCommand(url, fromCommandLine(flags, command, REPEATABLE));
  });
}

function parseMaxRows(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError('a whole number of rows, at least 1');
  return count;
}

/** Where the endpoints come from: exactly one of a URL, --config, --har and --openapi. */
async function planOf(url: string | undefined, flags: CheckFlags & { given: Set<string> }): Promise<CheckPlan> {
  const sources = [
    url ? '<url>' : undefined,
    flags.config ? '--config' : undefined,
    flags.har ? '--har' : undefined,
    flags.openapi ? '--openapi' : undefined,
  ].filter((source) => source !== undefined);
  if (sources.length > 1)
    throw new CheckInputError([
      { file: 'command line', field: sources.join(', '), message: 'give one of a URL, --config, --har or --openapi' },
    ]);
  if (sources.length === 0) {
    throw new CheckInputError([
      {
        file: 'command line',
        field: '<url>',
        message:
          'missing. Fix: cors-lab check https://api.example.com/users --origin https://app.example.com, or --config cors-lab.config.ts, --har app.har, --openapi openapi.yaml',
      },
    ]);
  }
  const source = sources[0]!;
  // A file that describes its endpoints: a flag that describes one would be silently lost beside it (--har and --openapi take --origin and --expect).
  const refused = ENDPOINT_FLAGS.filter(
    (name) => flags.given.has(name) && !(source !== '--config' && (name === 'origin' || name === 'expect')),
  );
  if (source !== '<url>' && refused.length > 0) {
    const file = flags.config ?? flags.har ?? flags.openapi;
    throw new CheckInputError(
      refused.map((name) => ({
        file: 'command line',
        field: `--${name}`,
        message: `not with ${source}, whose endpoints say this themselves${source === '--config' ? `. Fix: put it in ${file} (or drop --config and give a URL)` : ''}`,
      })),
    );
  }
  const onlyWith = (flag: string, name: keyof CheckFlags, owner: string) => {
    if (flags.given.has(name) && source !== owner)
      throw new CheckInputError([{ file: 'command line', field: flag, message: `only with ${owner}` }]);
  };
  onlyWith('--har-exclude-host', 'harExcludeHost', '--har');
  onlyWith('--base-url', 'baseUrl', '--openapi');
  if (flags.config) return withCommandLine(await planFromConfig(flags.config), flags);
  if (flags.har) {
    const { endpoints, source: read } = endpointsFromHar(flags.har, { excludeHosts: flags.harExcludeHost });
    return planForEndpoints(endpoints, read, flags);
  }
  if (flags.openapi) {
    const { endpoints, source: read } = await endpointsFromOpenApi(flags.openapi, {
      ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
    });
    return planForEndpoints(
      endpoints,
      read,
      flags,
      'an OpenAPI document does not say which front-end origins call the API',
    );
  }
  return planFromCli(url!, flags);
}

async function checkCommand(url: string | undefined, flags: CheckFlags & { given: Set<string> }): Promise<number> {
  const inputs = commandInputs(flags);
  if (!inputs) return EXIT.badInput;
  const { reporters, remote } = inputs;
  let plan: CheckPlan;
  try {
    plan = await planOf(url, flags);
  } catch (error) {
    if (!(error instanceof CheckInputError)) throw error;
    warnProblems(error.problems);
    return EXIT.badInput;
  }
  if (!flags.sweep) plan = { ...plan, sweep: false };
  if (!flags.missingPath) plan = { ...plan, missingPath: false };
  const rows = planProbes(plan).length;
  if (rows > flags.maxRows) {
    warnFitted(
      `cors-lab: the check would run ${rows} rows (${plan.endpoints.length} endpoint(s), each from its origins, with error paths${plan.sweep ? " and the sweep's hostile origins" : ''}), more than --max-rows ${flags.maxRows}; nothing was run. Fix: raise --max-rows, leave third parties out (--har-exclude-host), or check fewer endpoints${plan.sweep ? ' (or --no-sweep)' : ''}\n`,
    );
    return EXIT.badInput;
  }

  // A signal from here on: keep what completed, write it marked interrupted, exit with the signal's code.
  reportInterruptions();
  const progress = new ProgressLine(process.stderr, !process.env.CI && process.stderr.isTTY === true);
  progress.start(`checking ${plan.endpoints.length} endpoint(s)`);
  const browsers = flags.browsers ?? plan.browsers;
  let result;
  try {
    result = await runCheck({
      plan,
      ...(browsers ? { engines: browsers } : {}),
      remote,
      // The command line wins over the config; the config over the default.
      timeoutMs: flags.given.has('timeout') ? flags.timeout : (plan.timeoutMs ?? flags.timeout),
      onProgress: (update) => progress.update(update.engine, update.done, update.total),
    }).finally(() => progress.stop());
  } catch (error) {
    if (!(error instanceof TargetUnreachable)) throw error;
    warnFitted(`cors-lab: ${error.message}\n`);
    return EXIT.unreachable;
  }
  return report(result, reporters, flags, browsers !== undefined);
}
