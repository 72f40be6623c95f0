// --allow-origin-pattern: globs and anchored regular expressions, what they
// admit, and the look-alikes the sweep derives from them.
import { describe, expect, it } from 'vitest';
import { admittedBy, parseOriginPattern, type OriginPattern } from '../../harness/check/origin-pattern.ts';
import { patternLookAlikes } from '../../harness/check/hostile.ts';

const parsed = (text: string) => parseOriginPattern(text) as OriginPattern;

describe('origin patterns', () => {
  it('a glob: * stands for one or more labels, the scheme and port are exact', () => {
    const glob = parsed('https://*.example.com');
    expect(
      ['https://app.example.com', 'https://a.b.example.com'].map((origin) => admittedBy([glob], origin) !== undefined),
    ).toEqual([true, true]);
    expect(
      [
        'https://example.com',
        'http://app.example.com',
        'https://evilexample.com',
        'https://app.example.com.evil.test',
        'https://app.example.com:8443',
      ].map((origin) => admittedBy([glob], origin) !== undefined),
    ).toEqual([false, false, false, false, false]);
    expect(admittedBy([parsed('https://*.example.com:*')], 'https://app.example.com:8443')).toBeDefined();
    expect(glob.base).toEqual({ scheme: 'https:', domain: 'example.com' });
  });

  it('an anchored regex is used as written, and its literal domain gives the look-alikes', () => {
    const regex = parsed('^https://[a-z0-9-]+\\.example\\.com$');
    expect(admittedBy([regex], 'https://app.example.com')).toBeDefined();
    expect(admittedBy([regex], 'https://a.b.example.com')).toBeUndefined();
    expect(regex.base).toEqual({ scheme: 'https:', domain: 'example.com' });
    expect(patternLookAlikes(regex).map((hostile) => [hostile.attack, hostile.origin])).toEqual([
      ['prefix', 'https://example.com.cors-lab-attacker.test'],
      ['suffix', 'https://evilexample.com'],
      ['http-downgrade', 'http://cors-lab-sibling.example.com'],
    ]);
    // None of them is admitted by the pattern they come from.
    expect(patternLookAlikes(regex).filter((hostile) => admittedBy([regex], hostile.origin))).toEqual([]);
  });

  it('refuses what it cannot use, with the fix', () => {
    expect(parseOriginPattern('^https://.*\\.example\\.com')).toMatch(
      /anchored at one end only.*Fix: anchor it with \^ and \$/,
    );
    expect(parseOriginPattern('^https://[a-z$')).toMatch(/is not a valid regular expression/);
    expect(parseOriginPattern('*.example.com')).toMatch(/neither a glob.*Fix: write scheme:\/\/host\[:port\]/);
    expect(parseOriginPattern('https://app.example.com/path')).toMatch(/neither a glob/);
    // An exact origin is a pattern too; it has no wildcard, so no look-alikes of its own.
    expect(patternLookAlikes(parsed('https://app.example.com'))).toEqual([]);
  });
});
