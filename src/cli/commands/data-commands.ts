import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import { downloadFile } from '../../data/fetch-http.js';
import { exportFeedbackCsv } from '../../pipeline/feedback-csv.js';
import { fetchStep, sourceCacheDirName } from '../../pipeline/fetch-step.js';
import { commonOptions, commonUsage, defineCommand, loadCommandConfig } from '../command.js';
import { text } from '../options.js';

export const fetchCommand = defineCommand({
  name: 'fetch',
  summary: 'fetch data.source (files, HTTP, a command, labelled predictions) into data.path',
  usage: `mlops fetch [--config FILE]

Materialises the config's data.source into data.path, for \`mlops validate\`: each source's CSV
rows in order (a base file, then new rows), matched by column name, keeping the data.window.
Sources: file (a path), http (a URL; headers from environment variables; ETag and Last-Modified
revalidate the cached copy), command (a program writing CSV to its output, run without a shell),
feedback (labelled predictions from the prediction log or a running service). Writes
<data.path>.sources.json: each source with when it was fetched, its bytes, sha256 and rows,
which the lineage and the model card record. Without data.source there is nothing to fetch.
${commonUsage}`,
  options: z.strictObject({ ...commonOptions }),
  async run(context) {
    const loaded = await loadCommandConfig(context);
    const record = await fetchStep({ loaded, logger: context.logger, env: context.io.env });
    if (record) {
      context.io.stdout.write(
        `fetched: ${record.data.path}: ${record.data.rows} rows from ${record.sources.length} source${record.sources.length === 1 ? '' : 's'} (${record.sources.map((s) => `${s.type} ${s.rows}`).join(', ')}), sha256 ${record.data.sha256}\n`,
      );
    }
    return 0;
  },
});

export const feedbackCommand = defineCommand({
  name: 'feedback',
  summary: 'export labelled predictions as rows of the training CSV',
  usage: `mlops feedback export --out FILE [--dir DIR | --url SERVICE_URL]

Writes the predictions that received a true label (POST /feedback) as rows of the training CSV:
the config's feature columns and its target, which \`mlops validate --data FILE\` accepts. Reads
the prediction log folder (--dir, default feedback.log_dir beside the config), or a running
service (--url; GET /admin/feedback with Authorization: Bearer $MLOPS_ADMIN_TOKEN).
  --out FILE          the CSV to write (replaced whole)
  --dir DIR           a prediction log folder
  --url SERVICE_URL   a running mlops serve
${commonUsage}`,
  maxPositionals: 1,
  options: z.strictObject({ ...commonOptions, out: text(), dir: text(), url: text() }),
  async run(context) {
    const [action] = context.positionals;
    if (action !== 'export') throw new ConfigError(`mlops feedback needs an action: \`mlops feedback export --out FILE\`${action ? `, not '${action}'` : ''}.`);
    const { out, dir, url } = context.options;
    if (out === undefined) throw new ConfigError('mlops feedback export needs --out FILE: the CSV to write.');
    if (dir !== undefined && url !== undefined) throw new ConfigError('Give --dir or --url, not both.');
    const loaded = await loadCommandConfig(context);
    const outPath = resolve(context.io.cwd, out);
    let from: { dir: string } | { linesPath: string };
    if (url !== undefined) {
      if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new ConfigError(`Invalid --url '${url}': expected the service's http:// or https:// URL.`);
      const token = context.io.env.MLOPS_ADMIN_TOKEN;
      if (!token) throw new ConfigError('--url needs MLOPS_ADMIN_TOKEN in the environment: GET /admin/feedback takes the admin token.');
      const download = await downloadFile({
        url: new URL('admin/feedback', url.endsWith('/') ? url : `${url}/`).href,
        headers: { authorization: `Bearer ${token}` },
        maxBytes: Number.MAX_SAFE_INTEGER,
        timeoutMs: 600_000,
        cacheDir: resolve(loaded.baseDir, sourceCacheDirName),
        name: '--url',
        accept: 'application/x-ndjson',
      });
      from = { linesPath: download.path };
    } else {
      from = { dir: resolve(dir === undefined ? loaded.baseDir : context.io.cwd, dir ?? loaded.config.feedback.log_dir) };
    }
    const summary = await exportFeedbackCsv(from, loaded, outPath);
    if (summary.unreadable > 0) context.logger.warn(`${summary.unreadable} unreadable line${summary.unreadable === 1 ? '' : 's'} in the prediction log were skipped.`);
    context.io.stdout.write(
      `exported: ${summary.rows} labelled prediction${summary.rows === 1 ? '' : 's'} to ${out}${summary.versions.length > 0 ? ` (model versions ${summary.versions.join(', ')})` : ''}\n`,
    );
    return 0;
  },
});
