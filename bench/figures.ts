// What every bench part shares: how it reports back to bench/main.ts, and how
// figures are printed.
export interface PartOutcome {
  /** The part did its work (cells came back, the study measured): the quick form checks this, never a timing. */
  ran: boolean;
  summary: string;
}

/** `quick`: the short form CI runs so the benchmark cannot rot; it measures little. */
export type BenchPart = (quick: boolean) => Promise<PartOutcome>;

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
