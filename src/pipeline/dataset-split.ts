import { DataError } from '../core/errors.js';
import { loadDataset, type DatasetRow, type LoadedDataset } from '../data/load-dataset.js';
import { assignSplit, splitByKey, type SplitIndices } from '../data/split.js';
import type { TestRows } from './champion-scoring.js';
import type { StepContext } from './step-context.js';

/** The dataset and its deterministic split: train and evaluate load the same rows the same way. */
export async function loadSplitDataset(ctx: StepContext): Promise<{ dataset: LoadedDataset; split: SplitIndices }> {
  const dataset = await loadDataset({ config: ctx.loaded, logger: ctx.logger });
  const split = splitByKey(dataset.rows, ctx.loaded.config.split);
  if (split.train.length === 0 || split.test.length === 0) {
    throw new DataError(
      `The split left ${split.train.length} training and ${split.test.length} test rows out of ${dataset.rows.length}; add rows or change split.test_fraction.`,
    );
  }
  return { dataset, split };
}

/** Test rows handed to scoring at a time. */
const testChunkRows = 4096;

/**
 * The test split streamed from the data file, chunk by chunk (each pass reads the file again):
 * rows land in the test split by the same seeded hash of their key as in {@link loadSplitDataset},
 * in file order. Scoring keeps predictions only, so memory does not grow with the rows.
 */
export function streamedTestRows(ctx: StepContext): TestRows {
  const settings = ctx.loaded.config.split;
  return {
    async forEachChunk(onChunk) {
      let chunk: DatasetRow[] = [];
      await loadDataset({
        config: ctx.loaded,
        logger: ctx.logger,
        onRow: (row) => {
          if (assignSplit(row.key, settings) !== 'test') return;
          chunk.push(row);
          if (chunk.length >= testChunkRows) {
            onChunk(chunk);
            chunk = [];
          }
        },
      });
      if (chunk.length > 0) onChunk(chunk);
    },
  };
}
