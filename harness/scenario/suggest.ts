// "Did you mean" for scenario files: the field or value an author most
// likely meant, found by edit distance (fastest-levenshtein) among the names
// the schema allows at that place.
import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';

/** The candidate an author most likely meant by `word`: the same but for case, or a near spelling; undefined when none is near. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const sameButCase = candidates.find((candidate) => candidate.toLowerCase() === word.toLowerCase());
  if (sameButCase) return sameButCase;
  const lower = candidates.map((candidate) => candidate.toLowerCase());
  const best = closest(word.toLowerCase(), lower);
  // A third of the word may be wrong (at least one letter): "imge" → "img-canvas" is too far, "crossorgin" → "crossOrigin" is not.
  return distance(word.toLowerCase(), best) <= Math.max(1, Math.floor(word.length / 3))
    ? candidates[lower.indexOf(best)]
    : undefined;
}

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  innerType?: z.ZodType;
  in?: z.ZodType;
};
const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The object schemas `path` can lead to inside `schema` (several where a union allows several shapes). */
function schemasAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType[] {
  const def = defOf(schema);
  if (def.innerType) return schemasAt(def.innerType, path);
  if (def.type === 'pipe' && def.in) return schemasAt(def.in, path);
  if (def.type === 'union') return (def.options ?? []).flatMap((option) => schemasAt(option, path));
  if (path.length === 0) return [schema];
  const [key, ...rest] = path;
  if (def.type === 'object') {
    const field = def.shape?.[String(key)];
    return field ? schemasAt(field, rest) : [];
  }
  if (def.type === 'record' && def.valueType) return schemasAt(def.valueType, rest);
  if (def.type === 'array' && def.element) return schemasAt(def.element, rest);
  return [];
}

/** The field names an object at `path` inside `schema` may have. */
export function fieldsAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  return [
    ...new Set(
      schemasAt(schema, path).flatMap((found) =>
        Object.keys(defOf(found).type === 'object' ? (defOf(found).shape ?? {}) : {}),
      ),
    ),
  ];
}

/** What the schema says the field at `path` is for (its description), where it says. */
export function descriptionAt(schema: z.ZodType, path: readonly PropertyKey[]): string | undefined {
  if (path.length === 0) return undefined;
  for (const parent of schemasAt(schema, path.slice(0, -1))) {
    const field = defOf(parent).shape?.[String(path.at(-1))];
    if (field?.description) return field.description;
  }
  return undefined;
}
