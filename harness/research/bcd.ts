// What MDN's browser-compat-data (the npm package @mdn/browser-compat-data)
// claims of a feature in a browser at a version: supported since, only
// behind a flag, partial, not supported, or unknown, with its notes.
import { createRequire } from 'node:module';
import type { BcdClaim } from '../result/research.ts';
import type { EngineFamily } from '../engines/types.ts';
import { compareVersions } from '../scenario/behaviours.ts';

interface SupportStatement {
  version_added: string | boolean | null;
  version_removed?: string | boolean;
  flags?: { type: string; name: string; value_to_set?: string }[];
  partial_implementation?: boolean;
  prefix?: string;
  alternative_name?: string;
  notes?: string | string[];
}

interface Compat {
  mdn_url?: string;
  support: Record<string, SupportStatement | SupportStatement[]>;
}

interface BcdData {
  __meta: { version: string; timestamp?: string };
  browsers: Record<string, { releases: Record<string, { status: string }> }>;
  [area: string]: unknown;
}

let loaded: BcdData | undefined;
/** The installed BCD (a JSON file of some 15 MB: read once, when a study needs it). */
export function bcd(): BcdData {
  return (loaded ??= createRequire(import.meta.url)('@mdn/browser-compat-data') as BcdData);
}

/** The feature's compat data, or undefined when the key is not in this BCD release. */
export function compatOf(key: string): Compat | undefined {
  let node: unknown = bcd();
  for (const part of key.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  return (node as { __compat?: Compat } | undefined)?.__compat;
}

/** The BCD browser each engine family is compared with. */
export const BCD_BROWSER: Record<EngineFamily, string> = { chromium: 'chrome', firefox: 'firefox', webkit: 'safari' };

/** The current release of a BCD browser (what WebKitGTK, which BCD does not track, is compared at). */
export function currentRelease(browser: string): string | undefined {
  return Object.entries(bcd().browsers[browser]?.releases ?? {}).find(
    ([, release]) => release.status === 'current',
  )?.[0];
}

const asVersion = (value: string) => value.replace(/^≤/, '');

/** Whether a statement covers `version`: added at or before it, and not removed by then. */
function covers(statement: SupportStatement, version: string): boolean {
  const added = statement.version_added;
  if (added === false || added === null) return false;
  if (typeof added === 'string' && (added === 'preview' || compareVersions(asVersion(added), version) > 0))
    return false;
  const removed = statement.version_removed;
  if (removed === true) return false;
  return !(typeof removed === 'string' && removed !== 'preview' && compareVersions(asVersion(removed), version) <= 0);
}

/** BCD's claim for `key` in `browser` at `version`. */
export function claimAt(key: string, browser: string, version: string): BcdClaim {
  const compat = compatOf(key);
  const base = { browser, atVersion: version };
  const raw = compat?.support[browser];
  if (!raw) return { ...base, status: 'unknown', notes: [], text: `no ${browser} data in BCD` };
  const statements = Array.isArray(raw) ? raw : [raw];
  const notes = statements
    .flatMap((statement) =>
      statement.notes === undefined ? [] : Array.isArray(statement.notes) ? statement.notes : [statement.notes],
    )
    .map(plainNote);
  if (statements.every((statement) => statement.version_added === null))
    return { ...base, status: 'unknown', notes, text: 'BCD does not know' };
  const applying = statements.filter(
    (statement) => covers(statement, version) && !statement.prefix && !statement.alternative_name,
  );
  const unflagged = applying.find((statement) => !statement.flags);
  if (unflagged) {
    const since = String(unflagged.version_added === true ? 'yes' : unflagged.version_added);
    if (unflagged.partial_implementation)
      return { ...base, status: 'partial', since, notes, text: `partial since ${since}` };
    return { ...base, status: 'supported', since, notes, text: `supported since ${since}` };
  }
  const flagged = applying.find((statement) => statement.flags);
  if (flagged) {
    const flags = flagged.flags!.map((flag) => ({
      type: flag.type,
      name: flag.name,
      ...(flag.value_to_set !== undefined ? { valueToSet: flag.value_to_set } : {}),
    }));
    const since = String(flagged.version_added);
    return {
      ...base,
      status: 'flag',
      since,
      flags,
      notes,
      text: `only with ${flags.map((flag) => `the ${flag.type.replace('_', ' ')} ${flag.name}${flag.valueToSet !== undefined ? ` = ${flag.valueToSet}` : ''}`).join(' and ')} (since ${since}); not by default`,
    };
  }
  return { ...base, status: 'not-supported', notes, text: 'not supported' };
}

/** BCD notes are HTML; a terminal and a Markdown table want the text. */
function plainNote(note: string): string {
  return note
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
