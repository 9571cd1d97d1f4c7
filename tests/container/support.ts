import { execFile } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse, stringify } from 'yaml';
import { createProject, defaultConfigText, repoRoot, runMlops } from '../helpers/project.js';

export const execFileAsync = promisify(execFile);

/** What a forker's checkout holds for an image build (the Dockerfile's inputs and the ignore file). */
const buildInputs = ['Dockerfile', '.dockerignore', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'bin', 'src'];

/** The first rows of the default dataset: enough for a model that passes a modest gate. */
export function telcoSample(rows: number): string {
  const lines = readFileSync(join(repoRoot, 'data', 'telco-churn.csv'), 'utf8').split('\n');
  return `${lines.slice(0, rows + 1).join('\n')}\n`;
}

/** The default config on `data/telco.csv`, 3 epochs, with only an AUC floor and a lenient baseline check in the gate; `seed` changes the model. */
export function smallConfig(seed: number): string {
  const config = parse(defaultConfigText()) as Record<string, any>;
  config.data.path = 'data/telco.csv';
  config.model.max_epochs = 3;
  config.model.seed = seed;
  // A fixture for images, not for the gate: a 3-epoch model may trail the in-run baseline.
  config.gate = { primary_metric: 'auc', overall: { auc: { min: 0.6 } }, baseline: { enabled: true, max_regression: 0.1 } };
  return stringify(config);
}

/**
 * A temporary project with two registered versions: 1.0.0 (archived) and 1.1.0 (champion), from
 * two real pipeline runs. With `buildInputs`, it also holds what an image build needs, as a
 * forker's checkout of this repository would.
 */
export async function projectWithTwoVersions(options: { buildInputs: boolean }): Promise<string> {
  const dir = createProject({
    'data/telco.csv': telcoSample(1500),
    'mlops.config.yaml': smallConfig(42),
    'second.yaml': smallConfig(43),
  });
  if (options.buildInputs) {
    for (const input of buildInputs) cpSync(join(repoRoot, input), join(dir, input), { recursive: true });
  }
  for (const args of [['pipeline'], ['pipeline', '--config', 'second.yaml']]) {
    const run = await runMlops(args, { cwd: dir });
    if (run.code !== 0) throw new Error(`mlops ${args.join(' ')} failed (${run.code}):\n${run.stderr}`);
  }
  return dir;
}

/** Rows of the sample as a client sends them: typed feature values, no target. */
export function sampleInstances(count: number): Record<string, string | number | null>[] {
  const config = parse(defaultConfigText()) as { features: { name: string; type: 'numeric' | 'categorical' }[] };
  const records = parseCsv(telcoSample(count), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  return records.map((record) => {
    const instance: Record<string, string | number | null> = {};
    for (const feature of config.features) {
      const text = record[feature.name] ?? '';
      instance[feature.name] = feature.type === 'numeric' ? (text.trim() === '' ? null : Number(text)) : text;
    }
    return instance;
  });
}

