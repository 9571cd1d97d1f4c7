import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';

/**
 * The prediction log `mlops serve` keeps (src/serving/prediction-log.ts writes it): a folder of
 * append-only JSON Lines files, `segment-000001.jsonl`, `segment-000002.jsonl`, … Each file is
 * self-contained: before the first record of a model version it holds that version's model line
 * (features in the order rows are written, target, slices, offline metrics), so deleting the
 * oldest files to stay within the disk budget never orphans the rest. Three kinds of lines:
 *
 *   {"k":"m","v":"1.0.0","features":[…],"target":{…},"slices":[…],"offline":{…},"primary_metric":"auc"}
 *   {"k":"p","t":…,"v":"1.0.0","i":"<instance>","s":12,"x":[[…],…],"y":[…]}       one /predict request
 *   {"k":"l","t":…,"id":"…","v":"1.0.0","pt":…,"x":[…],"y":…,"label":"Yes"}      one label, self-contained
 *
 * A prediction's id is `<instance>-<sequence in base 36>`: the instance names one server start
 * (its time in base 36, then random hex), the sequence counts its predictions, so a request's
 * ids are `s`, `s+1`, … A label line repeats the prediction it labels (features, output,
 * version, time), so labelled data survives the deletion of the file its prediction was in.
 */

/** File names of log segments, numbered in write order. */
export const segmentPattern = /^segment-(\d{6,})\.jsonl$/;

/** The file name of segment `n`. */
export function segmentName(n: number): string {
  return `segment-${String(n).padStart(6, '0')}.jsonl`;
}

const featureValueSchema = z.union([z.number(), z.string(), z.null()]);
const targetSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('binary'), negative_label: z.string(), positive_label: z.string(), threshold: z.number() }),
  z.object({ type: z.literal('multiclass'), classes: z.array(z.string()).min(2) }),
  z.object({ type: z.literal('regression'), mean: z.number(), std: z.number() }),
]);

/** A model version's line: how to read its records. */
export const modelLineSchema = z.object({
  k: z.literal('m'),
  /** The model version. */
  v: z.string(),
  /** Feature names, in the order of each row's values. */
  features: z.array(z.string()),
  /** The target (preprocessing's target transform): classes or regression. */
  target: targetSchema,
  /** Slice columns among the features, for live quality per slice. */
  slices: z.array(z.string()),
  /** The version's offline test metrics. */
  offline: z.record(z.string(), z.number()),
  /** The metric that leads the version's reports (the gate's primary metric). */
  primary_metric: z.string(),
});
export type ModelLine = z.infer<typeof modelLineSchema>;

/** One `/predict` request's predictions. */
export const predictionLineSchema = z.object({
  k: z.literal('p'),
  /** When the predictions were made (epoch ms). */
  t: z.number(),
  v: z.string(),
  /** The server instance that issued the ids. */
  i: z.string(),
  /** Sequence number of the first prediction; the others follow one by one. */
  s: z.number().int().min(0),
  /** Feature values per instance, in the model line's order. */
  x: z.array(z.array(featureValueSchema)),
  /** Binary: P(positive) per instance; multiclass: probabilities per instance; regression: values. */
  y: z.array(z.union([z.number(), z.array(z.number())])),
});
export type PredictionLine = z.infer<typeof predictionLineSchema>;

/** One label with the prediction it labels. */
export const labelLineSchema = z.object({
  k: z.literal('l'),
  /** When the label arrived (epoch ms). */
  t: z.number(),
  id: z.string(),
  v: z.string(),
  /** When the prediction was made (epoch ms). */
  pt: z.number(),
  x: z.array(featureValueSchema),
  y: z.union([z.number(), z.array(z.number())]),
  /** The class name, or a regression target's number. */
  label: z.union([z.string(), z.number()]),
});
export type LabelLine = z.infer<typeof labelLineSchema>;

/** The id of a server instance's `seq`-th prediction. */
export function predictionId(instance: string, seq: number): string {
  return `${instance}-${seq.toString(36)}`;
}

const idPattern = /^([0-9a-z]{8,9})([0-9a-f]{6})-([0-9a-z]{1,11})$/;

/** The parts of a prediction id, or null when the text is not one. */
export function parsePredictionId(id: string): { instance: string; startedAt: number; seq: number } | null {
  const match = idPattern.exec(id);
  if (!match) return null;
  return { instance: `${match[1]}${match[2]}`, startedAt: parseInt(match[1]!, 36), seq: parseInt(match[3]!, 36) };
}

/** A new instance name: the start time in base 36 and 24 random bits in hex. */
export function newInstanceName(now: number, randomHex: string): string {
  return `${now.toString(36)}${randomHex.slice(0, 6).padStart(6, '0')}`;
}

/**
 * Writes a row's feature values in a model line's order, as JSON: `[1,"DSL",null]`. Values the
 * request parser produced are numbers, strings or null; anything else is written as null.
 */
export function compileRowWriter(features: readonly string[]): (row: Readonly<Record<string, unknown>>) => string {
  return (row) => {
    let text = '[';
    for (let f = 0; f < features.length; f++) {
      const value = row[features[f]!];
      if (f > 0) text += ',';
      text += typeof value === 'number' ? (Number.isFinite(value) ? String(value) : 'null') : typeof value === 'string' ? JSON.stringify(value) : 'null';
    }
    return `${text}]`;
  };
}

/** The log's segments, oldest first, with their sizes. */
export async function listSegments(dir: string): Promise<{ name: string; number: number; path: string; bytes: number }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const segments = [];
  for (const name of names) {
    const match = segmentPattern.exec(name);
    if (!match) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (info?.isFile()) segments.push({ name, number: Number(match[1]), path, bytes: info.size });
  }
  return segments.sort((a, b) => a.number - b.number);
}

/** What a segment holds, read line by line. */
export interface SegmentVisitor {
  model?(line: ModelLine): void;
  /** Prediction lines are parsed only when this is given. */
  predictions?(line: PredictionLine, model: ModelLine | undefined): void;
  label?(line: LabelLine, model: ModelLine | undefined): void;
}

/** Lines of a segment that could not be read (a write cut short by a crash, a damaged disk). */
export interface SegmentReadSummary {
  lines: number;
  unreadable: number;
}

/**
 * Reads one segment in order, calling the visitor for each line with the model line of its
 * version in this segment. Unreadable lines are counted and skipped: the last line of a file
 * whose writer crashed may be cut short.
 */
export async function readSegment(path: string, visitor: SegmentVisitor): Promise<SegmentReadSummary> {
  return readLogLines(createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity }), visitor);
}

/** Reads log lines (a segment, or what `GET /admin/feedback` sends) in order; see {@link readSegment}. */
export async function readLogLines(lines: AsyncIterable<string>, visitor: SegmentVisitor): Promise<SegmentReadSummary> {
  const models = new Map<string, ModelLine>();
  const summary: SegmentReadSummary = { lines: 0, unreadable: 0 };
  for await (const text of lines) {
    if (text === '') continue;
    summary.lines++;
    // Prediction lines are most of the log: skipped unread when the visitor does not want them.
    if (!visitor.predictions && text.startsWith('{"k":"p"')) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      summary.unreadable++;
      continue;
    }
    const kind = (value as { k?: unknown } | null)?.k;
    if (kind === 'm') {
      const parsed = modelLineSchema.safeParse(value);
      if (!parsed.success) summary.unreadable++;
      else {
        models.set(parsed.data.v, parsed.data);
        visitor.model?.(parsed.data);
      }
    } else if (kind === 'p' && visitor.predictions) {
      const parsed = predictionLineSchema.safeParse(value);
      if (!parsed.success) summary.unreadable++;
      else visitor.predictions(parsed.data, models.get(parsed.data.v));
    } else if (kind === 'l') {
      const parsed = labelLineSchema.safeParse(value);
      if (!parsed.success) summary.unreadable++;
      else visitor.label?.(parsed.data, models.get(parsed.data.v));
    } else if (kind !== 'p') {
      summary.unreadable++;
    }
  }
  return summary;
}
