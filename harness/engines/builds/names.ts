// Build names: what a person writes to ask for one build of an engine.
//
//   chromium, firefox, webkit        the system's build (as before)
//   chromium-headless-shell          the system's headless shell
//   chromium@143, firefox@140        a major version, of whichever kind a source has (the full browser first)
//   chromium-headless-shell@143      a major version, headless shell only
//   chromium@103..153                a range: every build available in it (install-browsers, history, --browsers)
//
// A build's kind matters as much as its version: the headless shell and the
// full browser of one version differ on third-party cookies, so a name that
// asks for a kind only ever resolves to that kind.
import type { BuildKind, EngineFamily } from '../types.ts';

export type { BuildKind };

/** The names before the "@": each is one family, and maybe one kind. */
const PRODUCTS: Record<string, { family: EngineFamily; kind?: BuildKind }> = {
  chromium: { family: 'chromium' },
  'chromium-headless-shell': { family: 'chromium', kind: 'headless-shell' },
  firefox: { family: 'firefox', kind: 'full' },
  webkit: { family: 'webkit', kind: 'full' },
};
export const PRODUCT_NAMES = Object.keys(PRODUCTS);

export interface BuildName {
  /** As written, normalised ("chromium@143"). */
  name: string;
  /** The part before "@". */
  product: string;
  family: EngineFamily;
  /** Undefined: whichever kind a source has, the full browser first. */
  kind?: BuildKind;
  /** Undefined: the system's build. */
  major?: number;
}

export interface BuildRange {
  name: string;
  product: string;
  family: EngineFamily;
  kind?: BuildKind;
  from: number;
  to: number;
}

export type ParsedBuild = { build: BuildName } | { range: BuildRange } | { error: string };

const MAJOR = /^\d{1,4}$/;

/** A well-formed build name, as a pattern (for schemas, where parseBuildName cannot be called): what isBuildName accepts. */
export const BUILD_NAME = /^(?:chromium(?:-headless-shell)?(?:@\d{1,4})?|firefox(?:@\d{1,4})?|webkit)$/;

/** Parses "chromium@143", "chromium@103..153" or "firefox"; an error says what is accepted. */
export function parseBuildName(text: string): ParsedBuild {
  const written = text.trim();
  const at = written.indexOf('@');
  const product = at === -1 ? written : written.slice(0, at);
  const known = PRODUCTS[product];
  if (!known)
    return {
      error: `"${written}" names no engine build: write ${PRODUCT_NAMES.join(', ')}, optionally with @MAJOR (chromium@143) or @FROM..TO (chromium@110..143)`,
    };
  if (at === -1) return { build: { name: product, product, ...known } };
  const version = written.slice(at + 1);
  const range = /^(\d+)\.\.(\d+)$/.exec(version);
  if (range) {
    const [from, to] = [Number(range[1]), Number(range[2])];
    if (!MAJOR.test(range[1]!) || !MAJOR.test(range[2]!) || from > to)
      return {
        error: `"${written}": a range runs from a smaller major version to a larger one, e.g. ${product}@110..143`,
      };
    return { range: { name: `${product}@${from}..${to}`, product, ...known, from, to } };
  }
  if (!MAJOR.test(version))
    return {
      error: `"${written}": a build is named by its major version, e.g. ${product}@${known.family === 'firefox' ? 140 : 143} (the exact version is read from the browser itself)`,
    };
  if (known.family === 'webkit')
    return {
      error: `"${written}": only the system's WebKitGTK is available (no registry cors-lab reaches holds other WebKitGTK builds); write webkit`,
    };
  return { build: { name: `${product}@${Number(version)}`, product, ...known, major: Number(version) } };
}

/** True for a well-formed build name: a plain engine or the system's shell ("chromium", "chromium-headless-shell") or one with a major version ("chromium@143"); false for ranges and anything malformed. */
export function isBuildName(id: string): boolean {
  return 'build' in parseBuildName(id);
}

/** The name a build of this family, kind and major is cached and listed under. */
export function canonicalName(family: EngineFamily, kind: BuildKind, major: number): string {
  return `${family === 'chromium' && kind === 'headless-shell' ? 'chromium-headless-shell' : family}@${major}`;
}

/** The major version of a version string ("143.0.7499.169" → 143, "140.12.0esr" → 140). */
export function majorOf(version: string): number | undefined {
  const match = /(\d+)\./.exec(version);
  return match ? Number(match[1]) : undefined;
}
