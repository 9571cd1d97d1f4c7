import { z } from 'zod';

/**
 * What `mlops fetch` records beside the data it wrote (`<data.path>.sources.json`): each source
 * with when it was fetched, its bytes, sha256 and rows, and the window. Validation carries it into
 * the run, and the lineage and model card of the version trained on the data show it.
 */

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 as 64 lowercase hex characters');
const count = z.number().int().min(0);

/** One source as fetched. */
export const sourceRecordSchema = z.object({
  type: z.enum(['file', 'http', 'command', 'feedback']),
  /** A path relative to the config, a URL without its query string, a command line, or a log folder or service. */
  location: z.string(),
  /** When its bytes were read or downloaded (ISO 8601; for an HTTP 304, when the cached copy was downloaded). */
  fetched_at: z.string(),
  bytes: count,
  sha256: sha256Hex,
  /** Data rows (the header not counted). */
  rows: count,
  /** HTTP: the server said the cached copy is current (304). */
  not_modified: z.boolean().optional(),
  /** Feedback: the model versions whose labelled predictions these are. */
  versions: z.array(z.string()).optional(),
});
export type SourceRecord = z.infer<typeof sourceRecordSchema>;

/** The window applied to the combined rows. */
export const windowRecordSchema = z.object({
  rows: z.number().int().optional(),
  days: z.number().optional(),
  time_column: z.string().optional(),
  /** Rows of the sources the window left out. */
  dropped_rows: count,
  /** A `days` window's first and last instant (ISO 8601). */
  from: z.string().optional(),
  to: z.string().optional(),
});
export type WindowRecord = z.infer<typeof windowRecordSchema>;

/** `<data.path>.sources.json`. */
export const fetchRecordSchema = z.object({
  fetched_at: z.string(),
  /** The data written: `data.path` as in the config, and its identity. */
  data: z.object({ path: z.string(), sha256: sha256Hex, bytes: count, rows: count }),
  sources: z.array(sourceRecordSchema).min(1),
  window: windowRecordSchema.optional(),
});
export type FetchRecord = z.infer<typeof fetchRecordSchema>;

/** Where the fetch record of a data file is kept. */
export function fetchRecordPath(dataPath: string): string {
  return `${dataPath}.sources.json`;
}
