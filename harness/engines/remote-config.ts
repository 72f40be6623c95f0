// Remote engines: each a WebDriver endpoint (a Selenium Grid, safaridriver on
// a Mac, a cloud grid) with the capabilities that pick its browser. They come
// from a file (`--remote-config remote.yaml`) or the flag form
// (`--remote ID=BROWSER@URL`); both are checked here, and a problem names the
// file, the field and the fix.
import { isIP } from 'node:net';
import { z } from 'zod';
import { formatProblem, zodProblems, type ScenarioProblem } from '../scenario/loader.ts';
import { yamlFileValue } from '../scenario/yaml-value.ts';
import { isBuildName } from './builds/names.ts';
import { ENGINE_FAMILIES, ENGINE_IDS, type EngineFamily } from './types.ts';

export interface RemoteEngineConfig {
  id: string;
  /** The endpoint, e.g. http://grid.internal:4444 (a Grid 3 style hub: .../wd/hub). */
  url: string;
  /** The new-session capabilities (alwaysMatch): browserName and anything the endpoint needs. */
  capabilities: Record<string, unknown>;
  family: EngineFamily;
  /** Basic authentication from these environment variables (a cloud grid's user and key). */
  credentials?: { usernameEnv: string; passwordEnv: string };
  /**
   * Ask for BiDi (webSocketUrl). Default: yes, but not for WebKit: WebKitGTK
   * and safaridriver refuse it, and a Selenium Grid relay that refused it
   * once was seen to keep its slot reserved, so that no session came again.
   */
  bidi: boolean;
  /** The address the remote browser reaches this machine at: the lab's proxy for it listens there. */
  labAddress: string;
  /** The lab proxy's port, where a browser's proxy is set outside WebDriver (Safari: the Mac's own settings); default any free port. */
  proxyPort?: number;
  /** Where it was configured, for messages. */
  source: string;
}

export class RemoteConfigError extends Error {
  readonly problems: ScenarioProblem[];
  constructor(problems: ScenarioProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.problems = problems;
  }
}

/** browserName (lowercase) → the engine it is, so the right deviations and behaviours apply. */
const FAMILY_OF_BROWSER: Record<string, EngineFamily> = {
  chrome: 'chromium',
  chromium: 'chromium',
  'chrome-headless-shell': 'chromium',
  msedge: 'chromium',
  microsoftedge: 'chromium',
  firefox: 'firefox',
  safari: 'webkit',
  minibrowser: 'webkit',
  webkitgtk: 'webkit',
  wpewebkit: 'webkit',
};

const ID = /^[a-z][a-z0-9-]{0,39}$/;

const engineSchema = z
  .object({
    id: z
      .string()
      .regex(ID, 'a short lowercase name (letters, digits, dashes), e.g. grid-chrome')
      .describe('the column this engine gets in the matrix'),
    url: z
      .url({
        protocol: /^https?$/,
        error: 'not an http(s) URL. Fix: the WebDriver endpoint, e.g. http://127.0.0.1:4444',
      })
      .describe('the WebDriver endpoint, e.g. http://127.0.0.1:4444'),
    capabilities: z.record(z.string(), z.unknown()).describe('new-session capabilities; browserName at least'),
    family: z
      .enum(ENGINE_FAMILIES as [EngineFamily, ...EngineFamily[]])
      .optional()
      .describe('which engine it is; default: from browserName'),
    credentials: z
      .object({ usernameEnv: z.string().min(1), passwordEnv: z.string().min(1) })
      .strict()
      .optional(),
    bidi: z.boolean().optional().describe('ask for WebDriver BiDi (webSocketUrl); default: yes, except for WebKit'),
    proxyPort: z
      .number()
      .int()
      .min(1024)
      .max(65535)
      .optional()
      .describe("the lab proxy's port, for a browser whose proxy is set outside WebDriver (Safari)"),
  })
  .strict();

const fileSchema = z
  .object({
    labAddress: z
      .string()
      .optional()
      .describe('the address the remote browsers reach this machine at; default 127.0.0.1'),
    engines: z.array(engineSchema).min(1),
  })
  .strict();

/** The engines a remote config file declares. */
export function readRemoteConfig(file: string): RemoteEngineConfig[] {
  const read = yamlFileValue(file);
  if ('problems' in read) throw new RemoteConfigError(read.problems.map((problem) => ({ file, ...problem })));
  const parsed = fileSchema.safeParse(read.value);
  if (!parsed.success) throw new RemoteConfigError(zodProblems(file, '', parsed.error, fileSchema));
  const labAddress = parsed.data.labAddress ?? '127.0.0.1';
  const problems: ScenarioProblem[] = [];
  if (!isIP(labAddress))
    problems.push({
      file,
      field: 'labAddress',
      message: `"${labAddress}" is not an IP address. Fix: the address of this machine that the remote browsers can reach (127.0.0.1 when they run here)`,
    });
  const engines = parsed.data.engines.flatMap((entry, index) => {
    const family = entry.family ?? familyOf(entry.capabilities.browserName);
    if (!family) {
      problems.push({
        file,
        field: `engines[${index}].family`,
        message: `browserName ${JSON.stringify(entry.capabilities.browserName)} is not one cors-lab knows. Fix: add family: chromium, firefox or webkit`,
      });
      return [];
    }
    return [{ ...entry, family, bidi: entry.bidi ?? family !== 'webkit', labAddress, source: file }];
  });
  problems.push(...idProblems(engines, file));
  if (problems.length > 0) throw new RemoteConfigError(problems);
  return engines;
}

/** `--remote ID=BROWSER@URL`, e.g. grid-chrome=chrome@http://127.0.0.1:4444. */
export function parseRemoteFlag(value: string, labAddress = '127.0.0.1'): RemoteEngineConfig {
  const match = /^([^=]+)=([^@]+)@(.+)$/.exec(value);
  const problem = (message: string) => new RemoteConfigError([{ file: 'command line', field: '--remote', message }]);
  if (!match)
    throw problem(
      `"${value}": expected ID=BROWSER@URL. Fix: e.g. --remote grid-chrome=chrome@http://127.0.0.1:4444 (or --remote-config FILE for capabilities)`,
    );
  const [, id, browserName, url] = match as unknown as [string, string, string, string];
  if (!ID.test(id))
    throw problem(`"${id}": an id is a short lowercase name (letters, digits, dashes). Fix: e.g. grid-chrome`);
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
    throw problem(`"${url}" is not an http(s) URL. Fix: the WebDriver endpoint, e.g. http://127.0.0.1:4444`);
  if (!isIP(labAddress))
    throw new RemoteConfigError([
      {
        file: 'command line',
        field: '--lab-address',
        message: `"${labAddress}" is not an IP address. Fix: the address of this machine that the remote browsers can reach`,
      },
    ]);
  const family = familyOf(browserName);
  if (!family)
    throw problem(
      `browser "${browserName}" is not one cors-lab knows (${Object.keys(FAMILY_OF_BROWSER).join(', ')}). Fix: use --remote-config with family: set`,
    );
  return {
    id,
    url: url.replace(/\/+$/, ''),
    capabilities: { browserName },
    family,
    bidi: family !== 'webkit',
    labAddress,
    source: 'command line',
  };
}

/** Ids must be unique and not a local engine's. */
export function idProblems(
  engines: Pick<RemoteEngineConfig, 'id' | 'source'>[],
  file = 'command line',
): ScenarioProblem[] {
  const seen = new Set<string>();
  return engines.flatMap((engine) => {
    if ((ENGINE_IDS as readonly string[]).includes(engine.id) || isBuildName(engine.id))
      return [
        {
          file: engine.source ?? file,
          field: 'id',
          message: `"${engine.id}" is a local engine's or build's name. Fix: name the remote one otherwise, e.g. grid-${engine.id}`,
        },
      ];
    if (seen.has(engine.id))
      return [
        {
          file: engine.source ?? file,
          field: 'id',
          message: `"${engine.id}" is given twice. Fix: give each remote engine its own id`,
        },
      ];
    seen.add(engine.id);
    return [];
  });
}

function familyOf(browserName: unknown): EngineFamily | undefined {
  return typeof browserName === 'string' ? FAMILY_OF_BROWSER[browserName.toLowerCase()] : undefined;
}
