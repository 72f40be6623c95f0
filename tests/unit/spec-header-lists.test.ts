// Header lists (Fetch § 2.2.2): get, get-decode-split, extract header list values.
import { describe, expect, it } from 'vitest';
import {
  contains,
  decodeAndSplit,
  deleteHeader,
  extractHeaderListValues,
  getAll,
  getDecodeSplit,
  getHeader,
  headerListFromWire,
  isHeaderValue,
  isToken,
  normalizeHeaderValue,
  sortedLowercaseSet,
} from '../../harness/spec/header-lists.ts';
import type { HeaderList } from '../../harness/spec/types.ts';

describe('get and contains', () => {
  const list: HeaderList = [
    ['A', 'nosniff,'],
    ['B', 'sniff'],
    ['a', ''],
  ];
  it('matches names case-insensitively and joins repeated values with ", "', () => {
    expect(contains(list, 'b')).toBe(true);
    expect(contains(list, 'C')).toBe(false);
    expect(getHeader(list, 'a')).toBe('nosniff,, ');
    expect(getHeader(list, 'c')).toBeNull();
    expect(getAll(list, 'A')).toEqual(['nosniff,', '']);
    expect(deleteHeader(list, 'A')).toEqual([['B', 'sniff']]);
  });
});

describe('get, decode, and split (the examples of Fetch § 2.2.2)', () => {
  const cases: [HeaderList, string[] | null][] = [
    [[['A', 'nosniff,']], ['nosniff', '']],
    [
      [
        ['A', 'nosniff'],
        ['B', 'sniff'],
        ['A', ''],
      ],
      ['nosniff', ''],
    ],
    [
      [
        ['A', ''],
        ['B', 'sniff'],
      ],
      [''],
    ],
    [[['B', 'sniff']], null],
    [[['A', 'text/html;", x/x']], ['text/html;", x/x']],
    [
      [
        ['A', 'text/html;"'],
        ['A', 'x/x'],
      ],
      ['text/html;", x/x'],
    ],
    [[['A', 'x/x;test="hi",y/y']], ['x/x;test="hi"', 'y/y']],
    [
      [
        ['A', 'x/x;test="hi"'],
        ['C', '**bingo**'],
        ['A', 'y/y'],
      ],
      ['x/x;test="hi"', 'y/y'],
    ],
    [[['A', 'x / x,,,1']], ['x / x', '', '', '1']],
    [
      [
        ['A', 'x / x'],
        ['A', ','],
        ['A', '1'],
      ],
      ['x / x', '', '', '1'],
    ],
    [[['A', '"1,2", 3']], ['"1,2"', '3']],
    [
      [
        ['A', '"1,2"'],
        ['D', '4'],
        ['A', '3'],
      ],
      ['"1,2"', '3'],
    ],
  ];
  it.each(cases)('%j → %j', (list, expected) => {
    expect(getDecodeSplit(list, 'a')).toEqual(expected);
  });

  it('keeps escapes inside quoted strings', () => {
    expect(decodeAndSplit('"a\\",b", c')).toEqual(['"a\\",b"', 'c']);
    expect(decodeAndSplit('"unterminated, x')).toEqual(['"unterminated, x']);
    expect(decodeAndSplit('"trailing\\')).toEqual(['"trailing\\']);
  });
});

describe('extract header list values', () => {
  it('splits #method and #field-name lists, trims spaces and ignores empty items', () => {
    expect(
      extractHeaderListValues('access-control-allow-methods', [['Access-Control-Allow-Methods', 'GET, PUT ,\tPATCH']]),
    ).toEqual(['GET', 'PUT', 'PATCH']);
    expect(
      extractHeaderListValues('access-control-allow-headers', [['access-control-allow-headers', 'x-a,,x-b, ,']]),
    ).toEqual(['x-a', 'x-b']);
    expect(extractHeaderListValues('access-control-allow-headers', [['access-control-allow-headers', '']])).toEqual([]);
  });

  it('concatenates repeated header lines in order', () => {
    const list: HeaderList = [
      ['Access-Control-Allow-Headers', 'x-a'],
      ['X-Other', 'y'],
      ['access-control-allow-headers', 'x-b, *'],
    ];
    expect(extractHeaderListValues('access-control-allow-headers', list)).toEqual(['x-a', 'x-b', '*']);
  });

  it('fails on an item that is not a token (WPT: "Bad method name", "header name with space")', () => {
    expect(
      extractHeaderListValues('access-control-allow-methods', [['Access-Control-Allow-Methods', 'Bad method name']]),
    ).toBe('failure');
    expect(
      extractHeaderListValues('access-control-allow-headers', [
        ['Access-Control-Allow-Headers', 'x-force-preflight,header name with space'],
      ]),
    ).toBe('failure');
    expect(extractHeaderListValues('access-control-expose-headers', [['Access-Control-Expose-Headers', '"x-a"']])).toBe(
      'failure',
    );
    // One bad line spoils the whole list.
    expect(
      extractHeaderListValues('access-control-allow-methods', [
        ['Access-Control-Allow-Methods', 'PUT'],
        ['Access-Control-Allow-Methods', 'P/T'],
      ]),
    ).toBe('failure');
  });

  it('is null when the header is absent', () => {
    expect(extractHeaderListValues('access-control-allow-methods', [['Allow', 'PUT']])).toBeNull();
  });

  it('allows a single Max-Age of digits, and a single Location', () => {
    expect(extractHeaderListValues('access-control-max-age', [['Access-Control-Max-Age', '600']])).toEqual(['600']);
    expect(extractHeaderListValues('access-control-max-age', [['Access-Control-Max-Age', '-1']])).toBe('failure');
    expect(
      extractHeaderListValues('access-control-max-age', [
        ['Access-Control-Max-Age', '1'],
        ['Access-Control-Max-Age', '2'],
      ]),
    ).toBe('failure');
    expect(extractHeaderListValues('location', [['Location', '/a, /b']])).toEqual(['/a, /b']);
    expect(
      extractHeaderListValues('location', [
        ['Location', '/a'],
        ['Location', '/a'],
      ]),
    ).toBe('failure');
  });
});

describe('values and names', () => {
  it('strips the optional whitespace around a field value, as HTTP parsing does', () => {
    expect(headerListFromWire([['ACAO', ' \t* \t']])).toEqual([['ACAO', '*']]);
    expect(headerListFromWire([['ACAO', 'a b']])).toEqual([['ACAO', 'a b']]);
  });

  it('normalizes author values and validates them', () => {
    expect(normalizeHeaderValue('\r\n\t x \n')).toBe('x');
    expect(isHeaderValue('a b')).toBe(true);
    expect(isHeaderValue(' a')).toBe(false);
    expect(isHeaderValue('a\0b')).toBe(false);
    expect(isHeaderValue('a\nb')).toBe(false);
    expect(isHeaderValue('é')).toBe(true);
    expect(isHeaderValue('€')).toBe(false);
  });

  it('recognises tokens', () => {
    expect(isToken("X-Test!#$%&'*+-.^_`|~9")).toBe(true);
    expect(isToken('x test')).toBe(false);
    expect(isToken('')).toBe(false);
    expect(isToken('x:y')).toBe(false);
  });

  it('sorts a lowercase set by bytes', () => {
    expect(sortedLowercaseSet(['X-b', 'x-a', 'X-A', 'accept', 'Z'])).toEqual(['accept', 'x-a', 'x-b', 'z']);
  });
});
