import { join } from 'node:path';
import { readJsonFile } from '../core/json-file.js';
import { evaluationReportSchema } from '../evaluation/report-schema.js';
import type { ModelRegistry } from '../registry/registry.js';
import type { VersionHistory } from './api-schema.js';

/**
 * The registry's history for `/api/versions.json`: every version with its overall test metrics
 * (from its metrics.json), every move of the champion alias and every experiment. A version
 * whose metrics.json cannot be read is listed with no metrics rather than failing the page.
 */
export async function buildVersionHistory(registry: ModelRegistry, served: string | null, now: Date = new Date()): Promise<VersionHistory> {
  const versions = await registry.versions();
  const champion = versions.find((entry) => entry.status === 'champion') ?? null;
  const summaries = await Promise.all(
    versions.map(async (entry) => ({ ...entry, metrics: await overallMetrics(join(registry.versionDir(entry.version), 'metrics.json')) })),
  );
  return {
    champion: champion?.version ?? null,
    served,
    primary_metric: champion?.primary_metric ?? versions[versions.length - 1]?.primary_metric ?? '',
    versions: summaries,
    alias_history: await registry.aliasHistory(),
    experiments: await registry.experiments(),
    generated_at: now.toISOString(),
  };
}

/** A version's overall test metrics; none when its metrics.json is missing or invalid (the page still shows the version). */
async function overallMetrics(path: string): Promise<Record<string, number>> {
  const unreadable = new Error('unreadable metrics');
  try {
    return (await readJsonFile(path, evaluationReportSchema, () => unreadable)).overall.metrics;
  } catch (error) {
    if (error === unreadable) return {};
    throw error;
  }
}
