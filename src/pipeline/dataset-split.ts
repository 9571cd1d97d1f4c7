import { DataError } from '../core/errors.js';
import { loadDataset, type LoadedDataset } from '../data/load-dataset.js';
import { splitByKey, type SplitIndices } from '../data/split.js';
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
