import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../core/atomic-fs.js';
import { RegistryError } from '../core/errors.js';
import { describeJsonFileProblem, readJsonFile, type JsonFileProblem } from '../core/json-file.js';
import { formatZodIssues } from '../core/zod-issues.js';
import { experimentRecordSchema, type ExperimentRecord } from './registry-schema.js';

/**
 * The experiment log: `<registry>/experiments/<run_id>.json`, one record per pipeline run,
 * whatever its outcome. Each record is its own file, written atomically, so runs never contend.
 */

/** Path of a run's record. */
export function experimentPath(root: string, runId: string): string {
  return join(root, 'experiments', `${runId}.json`);
}

/**
 * Writes one record (atomically; a second record for the same run replaces the first, so a run
 * that is retried keeps its last outcome).
 */
export async function writeExperimentRecord(root: string, record: ExperimentRecord): Promise<void> {
  const parsed = experimentRecordSchema.safeParse(record);
  if (!parsed.success) throw new RegistryError(`Invalid experiment record:\n${formatZodIssues(parsed.error.issues)}`);
  await writeJsonAtomic(experimentPath(root, parsed.data.run_id), parsed.data);
}

/** Reads one stored record; a bad file is a RegistryError naming it and how to drop it. */
export async function readExperimentRecord(path: string): Promise<ExperimentRecord> {
  return readJsonFile(path, experimentRecordSchema, experimentRecordError);
}

/** Every record, newest first (by start time, then run id). */
export async function readExperimentRecords(root: string): Promise<ExperimentRecord[]> {
  const dir = join(root, 'experiments');
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const records: ExperimentRecord[] = [];
  // Dot-files are temporary files of writes in progress (or of a crash).
  for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
    records.push(await readExperimentRecord(join(dir, name)));
  }
  const time = (record: ExperimentRecord): number => Date.parse(record.started_at) || 0;
  return records.sort((a, b) => time(b) - time(a) || b.run_id.localeCompare(a.run_id));
}

function experimentRecordError(problem: JsonFileProblem): RegistryError {
  if (problem.kind === 'invalid') return new RegistryError(`${problem.path} is not a valid experiment record:\n${problem.detail}`);
  return new RegistryError(`${describeJsonFileProblem(problem)}; delete it to drop that experiment.`);
}
