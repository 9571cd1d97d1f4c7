import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PreprocessingSpec } from '../../src/model/preprocessing.js';
import type { ExperimentRecord } from '../../src/registry/registry.js';
import { ModelRegistry } from '../../src/registry/registry.js';
import { buildRunInputs, writeTinyModel, type RunOptions } from '../registry/fixtures/model-inputs.js';

/**
 * Real registries for report and dashboard tests without training: versions registered through
 * ModelRegistry.register from the realistic run inputs of tests/registry/fixtures, with a tiny
 * model folder whose preprocessing.json is a valid spec for those inputs' features.
 */

/** A valid preprocessing spec for buildRunInputs' features (tenure, monthly_charges, contract, internet_service). */
export const fixturePreprocessing: PreprocessingSpec = {
  format: 'mlops-preprocessing/v1',
  features: [
    { name: 'tenure', type: 'numeric', mean: 32.37, std: 24.56, impute: 29, missing_indicator: false, offset: 0 },
    { name: 'monthly_charges', type: 'numeric', mean: 64.76, std: 30.09, impute: 70.35, missing_indicator: true, offset: 1 },
    { name: 'contract', type: 'categorical', vocabulary: ['Month-to-month', 'One year', 'Two year'], offset: 3 },
    { name: 'internet_service', type: 'categorical', vocabulary: ['DSL', 'Fiber optic', 'No'], offset: 7 },
  ],
  input_width: 11,
  target: { type: 'binary', negative_label: 'No', positive_label: 'Yes', threshold: 0.5 },
};

/** Registers one run's version (a new data version makes each a new version) and returns it. */
export async function registerFixtureVersion(registry: ModelRegistry, workDir: string, options: RunOptions & { promote?: boolean } = {}): Promise<string> {
  const inputs = buildRunInputs(options);
  const modelDir = await writeTinyModel(join(workDir, inputs.lineage.run_id));
  await writeFile(join(modelDir, 'preprocessing.json'), JSON.stringify(fixturePreprocessing));
  const registered = await registry.register({ modelDir, ...inputs, promote: options.promote ?? true });
  return registered.entry.version;
}

/** An experiment record as the pipeline writes it. */
export function experimentRecord(runId: string, startedAt: string, status: ExperimentRecord['status'], extra: Partial<ExperimentRecord> = {}): ExperimentRecord {
  const failed = status === 'failed';
  return {
    run_id: runId,
    started_at: startedAt,
    finished_at: startedAt,
    duration_ms: 9120,
    status,
    version: null,
    champion_version: null,
    params: { hidden_units: [32, 16], learning_rate: 0.003, early_stopping: { patience: 6, min_delta: 0.0001 }, seed: 42 },
    metrics: failed ? {} : { auc: 0.84, accuracy: 0.8, log_loss: 0.42 },
    primary_metric: 'auc',
    primary_value: failed ? null : 0.84,
    data_sha256: 'a'.repeat(64),
    data_path: 'data/telco-churn.csv',
    commit: 'a456246c0ffee0123456789abcdef0123456789a',
    dirty: false,
    config_sha256: 'b'.repeat(64),
    gate_summary: status === 'rejected' ? 'Rejected: auc on contract=Two year fell 0.031 (max 0.02)' : failed ? null : 'Passed: 3 checks passed, 1 skipped',
    error: failed ? 'training diverged' : null,
    backend: 'cpu',
    ...extra,
  };
}

/**
 * A registry with history: 1.0.0 (archived), 1.1.0 (champion, trained on new data) and the
 * experiments behind them plus a rejected and a failed run.
 */
export async function fixtureRegistryWithHistory(root: string, workDir: string): Promise<ModelRegistry> {
  const registry = await ModelRegistry.open(root);
  const first = await registerFixtureVersion(registry, workDir, { runId: 'run-20240501-0001', dataVersion: 'telco-churn v1' });
  const second = await registerFixtureVersion(registry, workDir, { runId: 'run-20240503-0003', dataVersion: 'telco-churn v2' });
  await registry.recordExperiment(experimentRecord('run-20240501-0001', '2024-05-01T10:00:00.000Z', 'promoted', { version: first }));
  await registry.recordExperiment(
    experimentRecord('run-20240502-0002', '2024-05-02T10:00:00.000Z', 'rejected', { champion_version: first, primary_value: 0.79, metrics: { auc: 0.79, accuracy: 0.78, log_loss: 0.47 } }),
  );
  await registry.recordExperiment(
    experimentRecord('run-20240503-0003', '2024-05-03T10:00:00.000Z', 'promoted', {
      version: second,
      champion_version: first,
      primary_value: 0.86,
      metrics: { auc: 0.86, accuracy: 0.81, log_loss: 0.4 },
      params: { hidden_units: [64], learning_rate: 0.003, early_stopping: { patience: 8, min_delta: 0.0001 }, seed: 42 },
      data_sha256: 'c'.repeat(64),
    }),
  );
  await registry.recordExperiment(experimentRecord('run-20240504-0004', '2024-05-04T10:00:00.000Z', 'failed', { champion_version: second }));
  return registry;
}
