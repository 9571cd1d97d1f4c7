import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { DataError, describeError } from '../core/errors.js';
import { parseJsonText, type JsonFileProblem } from '../core/json-file.js';

/**
 * The request sample log: one JSON line per sampled request, holding only what drift and skew
 * analysis need — the feature values and the predictions served, the model version and the time.
 * No headers, no client addresses, no request ids. The server writes it (src/serving/sample-log-writer.ts);
 * `mlops monitor --log FILE` replays it through the same {@link DriftWindow} the server uses.
 */

const featureValueSchema = z.union([z.number(), z.string(), z.null()]);

const predictionSchema = z.union([
  z.strictObject({ label: z.string(), probability: z.number() }),
  z.strictObject({ label: z.string(), probabilities: z.record(z.string(), z.number()) }),
  z.strictObject({ value: z.number() }),
]);

/** One line of the sample log. */
export const sampleRecordSchema = z
  .strictObject({
    /** When the request was answered (ISO 8601). */
    time: z.iso.datetime({ offset: true }),
    /** The version that answered it. */
    model_version: z.string().min(1),
    /** Feature name → value, as validated by the server (categorical numbers already converted to strings). */
    instances: z.array(z.record(z.string(), featureValueSchema)).min(1),
    /** One per instance, as the response carried them. */
    predictions: z.array(predictionSchema),
  })
  .refine((record) => record.instances.length === record.predictions.length, {
    message: 'instances and predictions must have the same length',
    path: ['predictions'],
  });
export type SampleRecord = z.infer<typeof sampleRecordSchema>;

/** Formats one sampled request as its log line (with the newline). */
export function formatSampleRecord(record: SampleRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/**
 * Reads a sample log line by line (memory stays flat whatever its size), calling `onRecord` for
 * each record in order. Blank lines are skipped. A line that is not valid JSON or not a sample
 * record is a DataError naming the file and line: the log is data the user gave.
 */
export async function readSampleLog(path: string, onRecord: (record: SampleRecord, line: number) => void): Promise<{ records: number }> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  let records = 0;
  try {
    for await (const text of lines) {
      line++;
      if (text.trim() === '') continue;
      onRecord(parseJsonText(text, path, sampleRecordSchema, (problem) => sampleLogError(path, line, problem)), line);
      records++;
    }
  } catch (error) {
    if (error instanceof DataError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(`Sample log not found: ${path}. Enable monitoring.sample_log in the config and serve some traffic first.`, [], path);
    throw new DataError(`Cannot read the sample log ${path}: ${describeError(error)}`, [], path);
  } finally {
    lines.close();
    stream.destroy();
  }
  return { records };
}

function sampleLogError(path: string, line: number, problem: JsonFileProblem): DataError {
  // parseJsonText reports only text that is not JSON or not a record: there is no file to miss.
  const what = problem.kind === 'invalid' ? `not a sample record:\n${problem.detail}` : `not valid JSON (${'detail' in problem ? problem.detail : problem.kind})`;
  const message = `${path}, line ${line}: ${what}`;
  return new DataError(message, [{ code: 'invalid-sample-record', message, line, severity: 'error' }], path);
}
