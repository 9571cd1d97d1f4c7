import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { escapeUntrusted, renderModelCardMarkdown } from '../../src/cards/card-markdown.js';
import { buildModelCard, validateModelCard, writeModelCardFiles, type ModelCard } from '../../src/cards/model-card.js';
import { columnFormat, formatNumber } from '../../src/core/number-format.js';
import { ConfigError } from '../../src/core/errors.js';
import { buildRunInputs, type RunOptions } from '../registry/fixtures/model-inputs.js';

function cardFor(options: RunOptions = {}, version = '1.1.0'): { card: ModelCard; inputs: ReturnType<typeof buildRunInputs> } {
  const inputs = buildRunInputs(options);
  const lineage = { ...inputs.lineage, parent_version: '1.0.0' };
  const parent = { version: '1.0.0', lineage: buildRunInputs({ dataVersion: 'telco-churn v0' }).lineage };
  return { card: buildModelCard({ ...inputs, lineage, version, parent }), inputs: { ...inputs, lineage } };
}

describe('buildModelCard', () => {
  test.each([
    ['binary', {}],
    ['multiclass', { task: { type: 'multiclass', classes: ['low', 'mid', 'high'] } } as RunOptions],
    ['regression', { task: { type: 'regression' } } as RunOptions],
    ['no run URL, no commit, no intervals', { runUrl: null, commit: null, dirty: null, resamples: 0 } as RunOptions],
  ])('a %s card validates against the MCT v0.0.2 schema', (_name, options) => {
    const { card } = cardFor(options);
    expect(validateModelCard(card)).toEqual({ valid: true, errors: [] });
    // Only the schema's top-level keys.
    expect(Object.keys(card).sort()).toEqual(['considerations', 'model_details', 'model_parameters', 'quantitative_analysis', 'schema_version']);
  });

  test('reports every metric overall and per slice, as strings, with intervals', () => {
    const { card, inputs } = cardFor();
    const { evaluation } = inputs;
    const metrics = card.quantitative_analysis.performance_metrics;
    const expectedCount =
      Object.keys(evaluation.overall.metrics).length +
      Object.values(evaluation.slices).flatMap((values) => Object.values(values)).reduce((n, group) => n + Object.keys(group.metrics).length, 0);
    expect(metrics).toHaveLength(expectedCount);
    const auc = evaluation.overall.metrics['auc']!;
    expect(metrics).toContainEqual({
      type: 'auc',
      value: formatNumber(auc, columnFormat),
      confidence_interval: {
        lower_bound: formatNumber(evaluation.overall.intervals['auc']!.low, columnFormat),
        upper_bound: formatNumber(evaluation.overall.intervals['auc']!.high, columnFormat),
      },
    });
    const oneYear = evaluation.slices['contract']!['One year']!;
    expect(metrics).toContainEqual(expect.objectContaining({ type: 'f1', slice: 'contract=One year', value: formatNumber(oneYear.metrics['f1']!, columnFormat) }));
    expect(metrics.filter((m) => m.slice === 'contract=Two year').map((m) => m.type)).not.toContain('auc');
    for (const metric of metrics) expect(typeof metric.value).toBe('string');
  });

  test('carries the lineage in the schema’s free-text fields', () => {
    const { card, inputs } = cardFor({ dataVersion: 'telco-churn v2' });
    const { lineage } = inputs;
    expect(card.model_details.version).toEqual({ name: '1.1.0', date: '2024-05-01', diff: expect.stringContaining('minor change from 1.0.0: data changed') });
    expect(card.model_details.references).toEqual([{ reference: lineage.run_url }]);
    expect(card.model_details.documentation).toContain(lineage.code.commit!);
    expect(card.model_details.documentation).toContain(lineage.config.sha256);
    expect(card.model_details.documentation).toContain('"learning_rate":0.003');
    const train = card.model_parameters.data.find((d) => d.name.startsWith('train'))!;
    expect(train.description).toContain(lineage.dataset.sha256);
    expect(train.description).toContain(`${lineage.dataset.train_rows} train, ${lineage.dataset.validation_rows} validation, ${lineage.dataset.test_rows} test`);
    expect(train.description).toContain('Yes 26.5%');
    expect(train).not.toHaveProperty('link'); // a repository path is not a URI
    expect(card.model_parameters.input_format_map).toContainEqual({
      key: 'contract',
      value: 'string, one of: Month-to-month, One year, Two year; other values use the out-of-vocabulary slot',
    });
  });

  test('limitations name small slices, undefined metrics, a dirty tree and the gate verdict', () => {
    const { card, inputs } = cardFor({ dirty: true });
    const limitations = card.considerations.limitations.map((l) => l.description);
    expect(limitations).toContainEqual(expect.stringContaining('fewer than 30 test rows are reported but not gated'));
    expect(limitations).toContainEqual(expect.stringContaining('contract=Two year (24 rows)'));
    expect(limitations).toContainEqual(expect.stringContaining('auc on contract=Two year'));
    expect(limitations).toContainEqual(expect.stringContaining('uncommitted changes'));
    expect(limitations).toContainEqual(`Release gate passed (against no champion): ${inputs.gate.summary} (4 checks: 3 passed, 0 failed, 1 skipped).`);
  });

  test('no references when there is no run URL', () => {
    expect(cardFor({ runUrl: null }).card.model_details).not.toHaveProperty('references');
  });
});

describe('validateModelCard', () => {
  const mutations: [string, (card: Record<string, unknown>) => void, RegExp][] = [
    ['a metric value as a number', (card) => (((card['quantitative_analysis'] as { performance_metrics: Record<string, unknown>[] }).performance_metrics[0]!)['value'] = 0.84), /performance_metrics\/0\/value must be string/],
    ['an extra top-level key', (card) => (card['lineage'] = {}), /must NOT have additional properties 'lineage'/],
    ['a version date that is not a date', (card) => ((card['model_details'] as { version: { date: string } }).version.date = 'May 1st'), /version\/date must match format "date"/],
    ['a reference that is not a URI', (card) => ((card['model_details'] as Record<string, unknown>)['references'] = [{ reference: 'not a uri' }]), /references\/0\/reference must match format "uri"/],
    ['a license with neither identifier nor text', (card) => ((card['model_details'] as Record<string, unknown>)['licenses'] = [{}]), /licenses\/0 must have required property/],
    ['an interval bound as a number', (card) => ((card['quantitative_analysis'] as { performance_metrics: { confidence_interval: Record<string, unknown> }[] }).performance_metrics[0]!.confidence_interval['lower_bound'] = 0.8), /lower_bound must be string/],
  ];

  test.each(mutations)('rejects a card with %s', (_name, mutate, message) => {
    const card = structuredClone(cardFor().card) as unknown as Record<string, unknown>;
    mutate(card);
    const result = validateModelCard(card);
    expect(result.valid).toBe(false);
    expect(result.errors.join('\n')).toMatch(message);
  });
});

describe('a card of a paired verdict with in-run baselines', () => {
  function pairedInputs() {
    const inputs = buildRunInputs();
    const overall = { rows: 1409, metrics: { auc: 0.8449, accuracy: 0.8 }, intervals: { auc: { low: 0.82, high: 0.87 } }, target_summary: {} };
    const evaluation = {
      ...inputs.evaluation,
      baselines: [
        { kind: 'linear' as const, model: 'logistic_regression' as const, name: 'logistic regression', overall, slices: {} },
        { kind: 'constant' as const, model: 'prior' as const, name: 'class prior', overall: { ...overall, metrics: { auc: 0.5, accuracy: 0.73 }, intervals: {} }, slices: {} },
      ],
    };
    const check = inputs.gate.checks[1]!;
    const gate = {
      ...inputs.gate,
      checks: [
        ...inputs.gate.checks.slice(0, 1),
        { ...check, baseline: 0.81, evidence: { against: 'champion' as const, delta: -0.031, interval: { low: -0.052, high: -0.01 }, confidence: 0.9, test: 'delong' as const, p_value: 0.21, p_adjusted: 0.42, family: 'slices' as const, basis: 'drop_not_significant' as const } },
      ],
      method: { comparison: 'paired' as const, alpha: 0.05, family_sizes: { overall: 1, slices: 2 }, rule: 'A max_regression check fails only when …' },
    };
    return { ...inputs, evaluation, gate };
  }

  test('the baselines\' metrics are in the card JSON beside the model\'s, typed so they are not mistaken for it', () => {
    const inputs = pairedInputs();
    const card = buildModelCard({ ...inputs, version: '1.1.0', parent: null });
    expect(validateModelCard(card)).toEqual({ valid: true, errors: [] });
    const metrics = card.quantitative_analysis.performance_metrics;
    expect(metrics).toContainEqual({ type: 'auc (logistic regression baseline)', value: '0.8449', confidence_interval: { lower_bound: '0.8200', upper_bound: '0.8700' } });
    expect(metrics).toContainEqual({ type: 'auc (class prior baseline)', value: '0.5000' });
    expect(metrics.filter((m) => m.type === 'auc' && m.slice === undefined)).toHaveLength(1);
    const limitations = card.considerations.limitations.map((l) => l.description);
    expect(limitations).toContainEqual('Simple models trained in the same run on the same rows and inputs score auc logistic regression 0.8449, class prior 0.5000 on the same test rows (this model: 0.8400).');
    expect(limitations.at(-1)).toContain('Regressions were judged by the paired rule at alpha 0.05.');
  });

  test('the Markdown shows the baselines beside the metrics, and Δ with its interval and p per check', () => {
    const inputs = pairedInputs();
    const card = buildModelCard({ ...inputs, version: '1.1.0', parent: null });
    const markdown = renderModelCardMarkdown({ card, lineage: inputs.lineage, evaluation: inputs.evaluation, gate: inputs.gate });
    expect(markdown).toContain('| Metric | Value | Interval | logistic regression baseline | class prior baseline |');
    expect(markdown).toContain('| auc | 0.8400 | [0.8148, 0.8652] | 0.8449 | 0.5000 |');
    expect(markdown).toContain('| contract=Month-to-month | 1100 | auc | max_regression | 0.7900 | 0.8210 | 0.8100 | 0.8010 | −0.0310 [−0.0520, −0.0100] | 0.2100 (0.4200) | pass |  |');
    expect(markdown).toContain('Rule (gate.comparison: paired): A max_regression check fails only when …');
  });
});

describe('renderModelCardMarkdown', () => {
  test('shows lineage, metrics per slice with rows and intervals, the gate checks and limitations', () => {
    const { card, inputs } = cardFor({ dirty: true });
    const markdown = renderModelCardMarkdown({ card, lineage: inputs.lineage, evaluation: inputs.evaluation, gate: inputs.gate });
    expect(markdown.startsWith('# Model card: telco-churn 1.1.0\n')).toBe(true);
    expect(markdown).toContain(`| Dataset sha256 | \`${inputs.lineage.dataset.sha256}\` |`);
    expect(markdown).toContain(`| Commit | \`${inputs.lineage.code.commit}\` (dirty: uncommitted changes) |`);
    expect(markdown).toContain(`| Config | \`mlops.config.yaml\` (sha256 \`${inputs.lineage.config.sha256}\`) |`);
    expect(markdown).toContain('| Parent version | 1.0.0 |');
    expect(markdown).toContain(`| Run URL | <${inputs.lineage.run_url}> |`);
    expect(markdown).toContain('| Backend | cpu (tfjs 4.22.0, Node.js v20.20.2, linux-x64) |');
    const twoYear = inputs.evaluation.slices['contract']!['Two year']!;
    const accuracy = twoYear.metrics['accuracy']!;
    const interval = twoYear.intervals['accuracy']!;
    // Columns: Slice | Rows | auc | accuracy | f1 | log_loss — auc is undefined on this slice.
    expect(markdown).toContain(
      `| contract=Two year | 24 | — | ${formatNumber(accuracy, columnFormat)} [${formatNumber(interval.low, columnFormat)}, ${formatNumber(interval.high, columnFormat)}] |`,
    );
    // A verdict written before paired comparisons: no baseline, Δ without interval, no p.
    expect(markdown).toContain('| contract=Month-to-month | 1100 | auc | max_regression | 0.7900 | 0.8210 | — | 0.8010 | −0.0310 | — | pass |  |');
    expect(markdown).toContain('| contract=Two year | 24 | auc | report_only | — | — | — | — | — | — | skipped | fewer than 30 test rows |');
    expect(markdown).toContain(`**Passed** — ${inputs.gate.summary}`);
    expect(markdown).toContain('- Slices with fewer than 30 test rows are reported but not gated');
  });

  test('escapes table breakers and HTML from data', () => {
    const { card, inputs } = cardFor();
    const slices = { contract: { 'a|b <script>': inputs.evaluation.slices['contract']!['One year']! } };
    const markdown = renderModelCardMarkdown({ card, lineage: inputs.lineage, evaluation: { ...inputs.evaluation, slices }, gate: inputs.gate });
    expect(markdown).toContain('| contract=a\\|b &lt;script&gt; | 285 |');
    expect(markdown).not.toContain('<script>');
  });
});

describe('why a version was trained', () => {
  test('the card says the reason in its Markdown (header line and lineage row) and its JSON; a lineage without one says nothing', () => {
    const { card, inputs } = cardFor();
    const trigger = { reason: 'drift: tenure PSI 0.3100 > 0.1', event: 'workflow_dispatch' };
    const lineage = { ...inputs.lineage, trigger };
    const withReason = buildModelCard({ ...inputs, lineage, version: '1.1.0' });
    expect(validateModelCard(withReason)).toEqual({ valid: true, errors: [] });
    expect(withReason.model_details.documentation).toContain('Trained because: drift: tenure PSI 0.3100 > 0.1 (GitHub event: workflow_dispatch).');
    const markdown = renderModelCardMarkdown({ card: withReason, lineage, evaluation: inputs.evaluation, gate: inputs.gate });
    expect(markdown).toContain('**Trained because** drift: tenure PSI 0.3100 &gt; 0.1 (GitHub event: workflow\\_dispatch)');
    expect(markdown).toContain('| Trained because | drift: tenure PSI 0.3100 &gt; 0.1 (GitHub event: workflow\\_dispatch) |');
    const without = renderModelCardMarkdown({ card, lineage: inputs.lineage, evaluation: inputs.evaluation, gate: inputs.gate });
    expect(without).not.toContain('Trained because');
  });

  test.each([
    ['HTML', '<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert\\(1\\)&gt;'],
    ['a link', '[click](https://evil.example)', '\\[click\\]\\(https://evil.example\\)'],
    ['a table pipe and code', 'a | b `c`', 'a &#124; b \\`c\\`'],
    ['a mention', 'ping @octocat', 'ping &#64;octocat'],
    ['an entity', '&lt; is fine', '&amp;lt; is fine'],
    ['emphasis and images', '**bold** ![x](y)', '\\*\\*bold\\*\\* \\!\\[x\\]\\(y\\)'],
  ])('escapes %s in a reason', (_name, reason, shown) => {
    expect(escapeUntrusted(reason)).toBe(shown);
    const { card, inputs } = cardFor();
    const lineage = { ...inputs.lineage, trigger: { reason } };
    const markdown = renderModelCardMarkdown({ card, lineage, evaluation: inputs.evaluation, gate: inputs.gate });
    expect(markdown).toContain(`| Trained because | ${shown} |`);
  });
});

describe('writeModelCardFiles', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mlops-cards-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('writes <version>.json and <version>.md', async () => {
    const { card, inputs } = cardFor();
    const markdown = renderModelCardMarkdown({ card, lineage: inputs.lineage, evaluation: inputs.evaluation, gate: inputs.gate });
    const written = await writeModelCardFiles(join(dir, 'model-cards'), '1.1.0', card, markdown);
    expect(written).toEqual({ json: join(dir, 'model-cards', '1.1.0.json'), markdown: join(dir, 'model-cards', '1.1.0.md') });
    expect(JSON.parse(await readFile(written.json, 'utf8'))).toEqual(card);
    expect(await readFile(written.markdown, 'utf8')).toBe(markdown);
  });

  test('refuses a version that is not MAJOR.MINOR.PATCH and an invalid card, writing nothing', async () => {
    const { card } = cardFor();
    await expect(writeModelCardFiles(dir, '../1.1.0', card, '# x')).rejects.toThrow(ConfigError);
    await expect(writeModelCardFiles(dir, '1.1.0', { ...card, extra: true }, '# x')).rejects.toThrow(/does not match the MCT v0\.0\.2 schema/);
    expect(await readdir(dir)).toEqual([]);
  });
});
