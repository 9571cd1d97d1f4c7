import type * as tfl from '@tensorflow/tfjs-layers';
import type { MlopsConfig } from '../config/schema.js';
import type { DatasetRow } from '../data/load-dataset.js';
import type { BaselinePredictions } from '../evaluation/evaluate-candidate.js';
import type { EvaluatePredictionsInput } from '../evaluation/evaluate.js';
import { predictBaseline, type Baselines } from '../model/baseline/baseline.js';
import { predictEncoded } from '../model/predict.js';
import { encodeFeatures, outputWidth, type PreprocessingSpec } from '../model/preprocessing.js';
import { keyOrder } from './baseline-sample.js';
import type { ChampionScorer } from './champion-scoring.js';
import { baselineNames, metricTargets, reportModel } from './test-rows.js';

/**
 * The test split as the gate needs it, in compact typed arrays: per test row its true value, the
 * candidate's, the champion's and the baselines' predictions, and its slice values — never the rows
 * themselves. Rows are scored chunk by chunk as a pass over the data hands them over, then put in
 * the order of their keys, the order the in-memory split gives (split.ts), so a streamed evaluate
 * scores exactly what an in-memory one would, and the bootstrap draws the same rows.
 */

/** Test rows encoded and scored at a time: the batch size of `predictRaw`, so chunks are its batches. */
export const testChunkRows = 8192;

/** Every test row's scores, in key order. */
export interface ScoredTest {
  rows: number;
  /** Metric targets: 0/1, class index, or value. */
  yTrue: Float64Array;
  /** The candidate's predictions (rows × outputs). */
  candidate: Float32Array;
  /** The champion's raw outputs in its own representation (rows × outputs; 0 on rows it was not scored on), or null when it was not scored. */
  champion: Float32Array | null;
  /** The in-run baselines' predictions, linear first. */
  baselines: BaselinePredictions[];
  /** Slice column → each row's value (one shared string per distinct value). */
  slices: Record<string, (string | null)[]>;
  /** 1 where the champion trained on the row (left out of the comparison), or null when none is. */
  excluded: Uint8Array | null;
}

/** Joins chunks of typed arrays into one. */
function joined<T extends Float32Array | Float64Array>(chunks: readonly T[], make: (length: number) => T): T {
  const out = make(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** `values` (width per row) reordered: row i of the result is row `order[i]` of `values`. */
function reordered<T extends Float32Array | Float64Array | Uint8Array>(values: T, order: Uint32Array, width: number, make: (length: number) => T): T {
  const out = make(order.length * width);
  order.forEach((row, i) => out.set(values.subarray(row * width, (row + 1) * width), i * width));
  return out;
}

/**
 * Collects the scores of the test rows handed to it in pass order. `excluded` (pass order) marks
 * the rows the champion trained on: it is not scored on them.
 */
export class TestScoreCollector {
  private readonly pending: DatasetRow[] = [];
  private readonly chunks = { yTrue: [] as Float64Array[], candidate: [] as Float32Array[], champion: [] as Float32Array[], order: [] as Float64Array[] };
  private readonly baselineChunks: [Float64Array[], Float64Array[]] = [[], []];
  private readonly slices: Record<string, (string | null)[]>;
  private readonly sliceValues = new Map<string, string>();
  private seen = 0;

  constructor(
    private readonly config: MlopsConfig,
    private readonly spec: PreprocessingSpec,
    private readonly network: tfl.LayersModel,
    private readonly baselines: Baselines | null,
    private readonly champion: ChampionScorer | null,
    private readonly excluded: Uint8Array | null,
  ) {
    this.slices = Object.fromEntries(config.slices.map((column) => [column, []]));
  }

  /** One test row, in pass order. */
  add(row: DatasetRow): void {
    this.pending.push(row);
    if (this.pending.length >= testChunkRows) this.flush();
  }

  /** Every row's scores, in key order. */
  finish(): ScoredTest {
    this.flush();
    const rows = this.seen;
    const outputs = outputWidth(this.spec);
    const order = joined(this.chunks.order, (n) => new Float64Array(n));
    const sorted = Uint32Array.from({ length: rows }, (_, i) => i).sort((a, b) => order[a]! - order[b]! || a - b);
    const f32 = (n: number) => new Float32Array(n);
    const f64 = (n: number) => new Float64Array(n);
    const slices: Record<string, (string | null)[]> = {};
    for (const [column, values] of Object.entries(this.slices)) slices[column] = Array.from(sorted, (row) => values[row]!);
    const baselines: BaselinePredictions[] = [];
    if (this.baselines) {
      const { linear, constant } = this.baselines;
      const predictions = this.baselineChunks.map((chunks) => reordered(joined(chunks, f64), sorted, outputs, f64));
      baselines.push({ kind: 'linear', model: reportModel[linear.kind], name: baselineNames[linear.kind], predictions: predictions[0]! });
      baselines.push({ kind: 'constant', model: reportModel[constant.kind], name: baselineNames[constant.kind], predictions: predictions[1]! });
    }
    const championScored = this.champion !== null && this.champion.problem === undefined;
    return {
      rows,
      yTrue: reordered(joined(this.chunks.yTrue, f64), sorted, 1, f64),
      candidate: reordered(joined(this.chunks.candidate, f32), sorted, outputs, f32),
      champion: championScored ? reordered(joined(this.chunks.champion, f32), sorted, outputs, f32) : null,
      baselines,
      slices,
      excluded: this.excluded ? reordered(this.excluded, sorted, 1, (n) => new Uint8Array(n)) : null,
    };
  }

  private flush(): void {
    const rows = this.pending;
    if (rows.length === 0) return;
    const { spec } = this;
    const first = this.seen;
    const outputs = outputWidth(spec);
    const encoded = encodeFeatures(spec, rows.map((row) => row.features));
    this.chunks.candidate.push(predictEncoded(this.network, spec, encoded, rows.length));
    this.chunks.yTrue.push(metricTargets(spec, rows));
    this.chunks.order.push(Float64Array.from(rows, (row) => keyOrder(row.key)));
    if (this.baselines) {
      this.baselineChunks[0].push(predictBaseline(this.baselines.linear, encoded));
      this.baselineChunks[1].push(predictBaseline(this.baselines.constant, encoded));
    }
    if (this.champion) this.chunks.champion.push(this.scoreChampion(rows, first, outputs));
    for (const column of this.config.slices) {
      const values = this.slices[column]!;
      for (const row of rows) values.push(this.sliceValue(row.slices[column] ?? null));
    }
    this.seen += rows.length;
    this.pending.length = 0;
  }

  /** The champion's outputs for a chunk, skipping the rows it trained on (left 0). */
  private scoreChampion(rows: readonly DatasetRow[], first: number, outputs: number): Float32Array {
    const out = new Float32Array(rows.length * outputs);
    const kept = this.excluded ? rows.map((_, i) => i).filter((i) => this.excluded![first + i] === 0) : null;
    const scored = this.champion!.score(kept ? kept.map((i) => rows[i]!) : rows);
    if (scored === null) return out;
    if (!kept) return scored;
    kept.forEach((row, j) => out.set(scored.subarray(j * outputs, (j + 1) * outputs), row * outputs));
    return out;
  }

  /** One string per distinct slice value, so a million rows hold a pointer each, not a copy. */
  private sliceValue(value: string | null): string | null {
    if (value === null) return null;
    const shared = this.sliceValues.get(value);
    if (shared !== undefined) return shared;
    this.sliceValues.set(value, value);
    return value;
  }
}

/** The rows of `scored` where `keep` is true (or all), in the form the evaluation reads. */
export function selectScored(scored: ScoredTest, keep: ((row: number) => boolean) | null, outputs: number): Omit<ScoredTest, 'excluded'> {
  if (keep === null) return scored;
  const rows = Uint32Array.from({ length: scored.rows }, (_, i) => i).filter(keep);
  const pick = <T extends Float32Array | Float64Array>(values: T, make: (length: number) => T, width: number) => reordered(values, rows, width, make);
  const f32 = (n: number) => new Float32Array(n);
  const f64 = (n: number) => new Float64Array(n);
  return {
    rows: rows.length,
    yTrue: pick(scored.yTrue, f64, 1),
    candidate: pick(scored.candidate, f32, outputs),
    champion: scored.champion ? pick(scored.champion, f32, outputs) : null,
    baselines: scored.baselines.map((b) => ({ ...b, predictions: pick(b.predictions as Float64Array, f64, outputs) })),
    slices: Object.fromEntries(Object.entries(scored.slices).map(([column, values]) => [column, Array.from(rows, (row) => values[row]!)])),
  };
}

/** Scored test rows as `evaluatePredictions` reads them (true values, classes, threshold, slice values), without predictions. */
export function scoredInput(spec: PreprocessingSpec, scored: Pick<ScoredTest, 'yTrue' | 'slices'>): Omit<EvaluatePredictionsInput, 'predictions' | 'bootstrap'> {
  const target = spec.target;
  return {
    task: target.type,
    yTrue: scored.yTrue,
    classes: target.type === 'binary' ? [target.negative_label, target.positive_label] : target.type === 'multiclass' ? target.classes : undefined,
    threshold: target.type === 'binary' ? target.threshold : undefined,
    slices: scored.slices,
  };
}

/** Numbers appended one at a time into blocks, joined once: a typed array whose length is not known in advance. */
export class GrowingArray<T extends Float64Array | Uint8Array> {
  private readonly blocks: T[] = [];
  private block: T;
  private at = 0;

  constructor(private readonly make: new (length: number) => T) {
    this.block = new make(growingBlockLength);
  }

  push(value: number): void {
    if (this.at === this.block.length) {
      this.blocks.push(this.block);
      this.block = new this.make(growingBlockLength);
      this.at = 0;
    }
    this.block[this.at++] = value;
  }

  /** The values pushed, in order. */
  finish(): T {
    const out = new this.make(this.blocks.length * growingBlockLength + this.at);
    this.blocks.forEach((block, i) => out.set(block, i * growingBlockLength));
    out.set(this.block.subarray(0, this.at), this.blocks.length * growingBlockLength);
    return out;
  }
}

const growingBlockLength = 65_536;
