// `run --middleware`'s section of the result: the middlewares compared, and
// the hygiene findings judged from their answers in the journal.

export type HygieneRule =
  | 'vary-origin'
  | 'preflight-204-content-length'
  | 'options-not-preflight'
  | 'refused-origin-acao'
  | 'handler-on-refused-preflight';

export interface HygieneFinding {
  rule: HygieneRule;
  /** The first scenario that shows it. */
  scenario: string;
  /** Every scenario that shows it. */
  scenarios: string[];
  /** The journal entry that shows it, as "#seq METHOD url → status". */
  evidence: string;
  detail: string;
}

/** `run --middleware`: the middlewares compared, in column order. */
export interface MiddlewareSection {
  variants: {
    /** The adapter name, as in CellResult.variant. */
    id: string;
    /** Middleware and framework versions, read from the installed packages. */
    version: string;
    /** What the middleware sends, judged from the journal (harness/middleware/hygiene.ts). */
    hygiene: HygieneFinding[];
    /** Its answer to a Private Network preflight (asked from Node: browsers do not send one on loopback). */
    privateNetwork: string;
  }[];
}

/** A middleware that scenarios named themselves (`middleware.use`, run without --middleware): what was measured. */
export interface ScenarioMiddleware {
  /** The adapter name. */
  id: string;
  /** Middleware and framework versions, read from the installed packages. */
  version: string;
  /** The scenarios it served. */
  scenarios: string[];
}
