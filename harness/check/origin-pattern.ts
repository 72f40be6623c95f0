// --allow-origin-pattern: the origins a server's owner means to allow, as a
// glob (https://*.example.com, where * stands for one or more DNS labels) or
// an anchored regular expression (^https://[a-z0-9-]+\.example\.com$). The
// sweep never poses an origin a pattern admits, and adds look-alikes of the
// pattern's own domain (a prefix and a suffix attack, plain http).

export interface OriginPattern {
  /** As the user wrote it. */
  source: string;
  regex: RegExp;
  /** A scheme and domain the pattern's wildcard sits under, for look-alikes; absent when none can be read from it. */
  base?: { scheme: 'http:' | 'https:'; domain: string };
}

const GLOB = /^(https?):\/\/([a-z0-9*.-]+)(:(\d{1,5}|\*))?$/i;
/** What * stands for in a host: one or more DNS labels. */
const LABELS = '[a-z0-9-]+(?:\\.[a-z0-9-]+)*';

/** The pattern, or why it is not one (with the fix). */
export function parseOriginPattern(text: string): OriginPattern | string {
  if (text.startsWith('^') || text.endsWith('$')) return regexPattern(text);
  const glob = GLOB.exec(text);
  if (!glob) {
    return `'${text}' is neither a glob such as https://*.example.com nor a regular expression anchored with ^ and $. Fix: write scheme://host[:port] with * for any labels, or ^...$`;
  }
  const [, scheme, host, , port] = glob;
  const escape = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const hostSource = host!.toLowerCase().split('*').map(escape).join(LABELS);
  const portSource = port === undefined ? '' : port === '*' ? '(?::\\d{1,5})?' : `:${port}`;
  const regex = new RegExp(`^${scheme!.toLowerCase()}://${hostSource}${portSource}$`);
  // The domain after the last wildcard label: https://*.example.com → example.com.
  const after = host!.toLowerCase().split('*').at(-1)!.replace(/^\./, '');
  const base =
    host!.includes('*') && after.includes('.')
      ? { scheme: `${scheme!.toLowerCase()}:` as 'http:' | 'https:', domain: after }
      : undefined;
  return { source: text, regex, ...(base ? { base } : {}) };
}

function regexPattern(text: string): OriginPattern | string {
  if (!text.startsWith('^') || !text.endsWith('$')) {
    return `'${text}' is a regular expression anchored at one end only: unanchored, it admits look-alikes (the very hole the sweep looks for). Fix: anchor it with ^ and $`;
  }
  let regex: RegExp;
  try {
    regex = new RegExp(text);
  } catch (error) {
    return `'${text}' is not a valid regular expression: ${(error as Error).message}`;
  }
  // The last literal domain in the expression (\.example\.com), if a host under it is admitted.
  const literal = [...text.matchAll(/(?:\\\.[a-z0-9-]+)+/gi)].at(-1)?.[0];
  const domain = literal?.replace(/\\\./g, '.').replace(/^\./, '').toLowerCase();
  const scheme = domain
    ? (['https:', 'http:'] as const).find((candidate) => regex.test(`${candidate}//cors-lab-sibling.${domain}`))
    : undefined;
  return { source: text, regex, ...(domain && scheme ? { base: { scheme, domain } } : {}) };
}

export function admittedBy(patterns: OriginPattern[], origin: string): OriginPattern | undefined {
  return patterns.find((pattern) => pattern.regex.test(origin));
}
