// The BCD mapping (scenarios/compat.bcd.yaml): MDN browser-compat-data
// feature keys, each with the catalog scenarios whose cells decide it and the
// rule that reads them. Data, not code: a feature is added by a few lines.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { BUILTIN_CATALOG } from '../package/root.ts';
import { COMPAT_MAP_SUFFIX, formatProblem, zodProblems } from './loader.ts';

export const BUILTIN_COMPAT_MAP = join(BUILTIN_CATALOG, `compat${COMPAT_MAP_SUFFIX}`);

const featureSchema = z
  .object({
    key: z.string().regex(/^[\w-]+(\.[\w-]+)+$/, 'a BCD key, e.g. http.headers.Access-Control-Allow-Headers.wildcard'),
    title: z.string().min(1),
    supportedWhen: z.union([
      z
        .object({
          outcomes: z
            .record(z.string(), z.enum(['allowed', 'blocked']))
            .refine((outcomes) => Object.keys(outcomes).length > 0, 'name at least one scenario'),
        })
        .strict(),
      z
        .object({
          requestHeader: z
            .object({ scenario: z.string(), header: z.string().regex(/^[a-z0-9-]+$/, 'a lowercase header name') })
            .strict(),
        })
        .strict(),
    ]),
  })
  .strict();

const mapSchema = z.object({ features: z.array(featureSchema).min(1) }).strict();

export type CompatFeatureRule = z.infer<typeof featureSchema>;

/** The scenarios a feature's rule reads. */
export function scenariosOf(feature: CompatFeatureRule): string[] {
  return 'outcomes' in feature.supportedWhen
    ? Object.keys(feature.supportedWhen.outcomes)
    : [feature.supportedWhen.requestHeader.scenario];
}

export function loadCompatMap(file = BUILTIN_COMPAT_MAP): CompatFeatureRule[] {
  const parsed = mapSchema.safeParse(parseYaml(readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new Error(
      `the BCD mapping is broken: ${zodProblems(file, '', parsed.error, mapSchema).map(formatProblem).join('; ')}`,
    );
  return parsed.data.features;
}
