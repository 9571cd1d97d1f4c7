import { z } from 'zod';

/**
 * `data.source` and `data.window`: where the training data comes from before `validate`.
 * Without a source, `data.path` is the data as it is (a file in the repository). With sources,
 * `mlops fetch` materialises them into `data.path`: each source's CSV rows in order (a base file,
 * then new rows), keeping only the window's rows when there is one.
 */

const mebibyte = 1_048_576;

/** An environment variable's name (a secret a workflow passes in `env:`). */
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name (letters, digits, _)');

const httpUrl = z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' });

/** A CSV file (relative to the config file): a base file in the repository, an export copied in. */
export const fileSourceSchema = z.strictObject({
  type: z.literal('file'),
  path: z.string().min(1),
});

/**
 * A CSV over HTTP(S), streamed to disk. A cached copy is revalidated with the ETag and
 * Last-Modified the server gave (`If-None-Match`, `If-Modified-Since`): a 304 reuses it.
 */
export const httpSourceSchema = z.strictObject({
  type: z.literal('http'),
  /** The URL; or `url_env`, the environment variable holding it. */
  url: httpUrl.optional(),
  url_env: envName.optional(),
  /** Request headers by name, each the environment variable holding its value: `{Authorization: WAREHOUSE_AUTH}`. */
  headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'expected an HTTP header name'), envName).default({}),
  /** The download stops with an error past this many bytes. */
  max_bytes: z.number().int().min(1).default(1024 * mebibyte),
  /** The download stops with an error after this many seconds. */
  timeout_s: z.number().gt(0).max(86_400).default(600),
});

/**
 * A program that writes the CSV to its standard output (a warehouse export). `run` is the
 * program and its arguments, run without a shell in the config's folder.
 */
export const commandSourceSchema = z.strictObject({
  type: z.literal('command'),
  run: z.array(z.string().min(1)).min(1),
  max_bytes: z.number().int().min(1).default(1024 * mebibyte),
  timeout_s: z.number().gt(0).max(86_400).default(600),
});

/**
 * Labelled predictions from serving, as rows of the training CSV (`mlops feedback export`): from
 * a prediction log folder (`dir`, default `feedback.log_dir`), or from a running service
 * (`url` or `url_env`; `GET /admin/feedback` with the bearer token in `token_env`).
 */
export const feedbackSourceSchema = z.strictObject({
  type: z.literal('feedback'),
  dir: z.string().min(1).optional(),
  url: httpUrl.optional(),
  url_env: envName.optional(),
  token_env: envName.default('MLOPS_ADMIN_TOKEN'),
  max_bytes: z.number().int().min(1).default(1024 * mebibyte),
  timeout_s: z.number().gt(0).max(86_400).default(600),
});

export const dataSourceSchema = z.discriminatedUnion('type', [fileSourceSchema, httpSourceSchema, commandSourceSchema, feedbackSourceSchema]);
export type DataSource = z.infer<typeof dataSourceSchema>;
export type HttpSource = z.infer<typeof httpSourceSchema>;
export type CommandSource = z.infer<typeof commandSourceSchema>;
export type FeedbackSource = z.infer<typeof feedbackSourceSchema>;

/** One source or a list of them, in the order their rows are written. */
export const dataSourcesSchema = z.union([dataSourceSchema, z.array(dataSourceSchema).min(1)]).transform((value) => (Array.isArray(value) ? value : [value]));

/** Which rows of the combined sources are kept: the last `rows`, or those of the last `days` before the newest row. */
export const dataWindowSchema = z
  .strictObject({
    rows: z.number().int().min(1).optional(),
    days: z.number().gt(0).optional(),
    /** The column of each row's time (needed for `days`). */
    time_column: z.string().min(1).optional(),
  })
  .check((ctx) => {
    const { rows, days, time_column } = ctx.value;
    if ((rows === undefined) === (days === undefined)) {
      ctx.issues.push({ code: 'custom', message: 'give exactly one of rows and days', input: ctx.value, path: [] });
    }
    if (days !== undefined && time_column === undefined) {
      ctx.issues.push({ code: 'custom', message: 'days needs time_column: the column that holds each row\'s time', input: ctx.value, path: ['time_column'] });
    }
  });
export type DataWindow = z.infer<typeof dataWindowSchema>;

/** Checks of a source that zod's shapes cannot say: exactly one of url and url_env; a feedback source reads one place. */
export function sourceProblems(source: DataSource, index: number): string[] {
  const where = `data.source[${index}]`;
  if (source.type === 'http' && (source.url === undefined) === (source.url_env === undefined)) return [`${where}: give exactly one of url and url_env`];
  if (source.type === 'feedback') {
    const places = [source.dir, source.url, source.url_env].filter((place) => place !== undefined).length;
    if (places > 1) return [`${where}: give at most one of dir, url and url_env`];
  }
  return [];
}
