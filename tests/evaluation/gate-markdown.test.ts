import { describe, expect, test } from 'vitest';
import { gateSchema } from '../../src/config/schema.js';
import { evaluatePredictions } from '../../src/evaluation/evaluate.js';
import { evaluateGate } from '../../src/evaluation/gate.js';
import { escapeMarkdownText, renderEvaluationMarkdown, renderGateMarkdown } from '../../src/evaluation/gate-markdown.js';
import { evaluationReportSchema, gateVerdictSchema, type EvaluationReport, type GateVerdict } from '../../src/evaluation/report-schema.js';
import { syntheticBinary } from './synthetic.js';

/** Cells of a Markdown table row, split on pipes that are not escaped. */
function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

/** Every table in the Markdown: each row has as many cells as its header, and a delimiter row follows the header. */
function expectWellFormedTables(markdown: string): void {
  const lines = markdown.split('\n');
  let tables = 0;
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('|') || (i > 0 && lines[i - 1]!.startsWith('|'))) continue;
    tables += 1;
    const width = cells(lines[i]!).length;
    expect(cells(lines[i + 1]!).every((c) => /^-{3,}$/.test(c))).toBe(true);
    for (let j = i + 1; j < lines.length && lines[j]!.startsWith('|'); j++) expect(cells(lines[j]!)).toHaveLength(width);
  }
  expect(tables).toBeGreaterThan(0);
}

function group(rows: number, metrics: Record<string, number>, intervals: Record<string, { low: number; high: number }> = {}) {
  return { rows, metrics, intervals, target_summary: {} };
}

const candidate: EvaluationReport = evaluationReportSchema.parse({
  task: 'binary',
  confidence: 0.95,
  resamples: 1000,
  overall: group(1400, { auc: 0.846, accuracy: 0.8, log_loss: 0.41 }, { auc: { low: 0.82, high: 0.87 } }),
  slices: {
    contract: {
      'Month|to|month': group(700, { auc: 0.8, accuracy: 0.75, log_loss: 0.45 }),
      'Two year': group(12, { auc: 0.6, accuracy: 0.9, log_loss: 0.2 }),
    },
    payment: { '*card*': group(300, { auc: 0.81, accuracy: 0.8, log_loss: 0.4 }) },
  },
});
const champion: EvaluationReport = evaluationReportSchema.parse({
  ...candidate,
  overall: group(1400, { auc: 0.841, accuracy: 0.79, log_loss: 0.42 }),
});

function verdictFor(gate: unknown, champ: EvaluationReport | null): GateVerdict {
  return gateVerdictSchema.parse(
    evaluateGate({
      gate: gateSchema.parse(gate),
      task: 'binary',
      candidate,
      candidateId: 'run-42',
      champion: champ ? { version: 'v3', report: champ } : null,
      now: new Date('2024-05-01T00:00:00Z'),
    }),
  );
}

describe('renderGateMarkdown', () => {
  const passed = verdictFor({ overall: { auc: { min: 0.8, max_regression: 0.02 }, log_loss: { max: 0.5 } } }, champion);
  const markdown = renderGateMarkdown(passed);

  test('a passing verdict: ✅ heading, the summary, candidate and champion', () => {
    expect(markdown.split('\n')[0]).toBe('## ✅ Evaluation gate: passed');
    expect(markdown).toContain(`**${passed.summary}**`);
    expect(markdown).toContain('Candidate `run-42` vs champion `v3`; primary metric `auc`.');
    expect(markdown).not.toContain('❌');
  });

  test.each([
    ['auc floor with interval, champion and delta', '| auc | 0.8460 [0.8200, 0.8700] | 0.8410 | +0.005000 | min 0.8000 | ✅ pass |'],
    ['auc regression with the bound it implies', '| auc | 0.8460 [0.8200, 0.8700] | 0.8410 | +0.005000 | max regression 0.02000 (≥ 0.8210) | ✅ pass |'],
    ['lower-is-better max', '| log_loss | 0.4100 | 0.4200 | −0.01000 | max 0.5000 | ✅ pass |'],
    ['a metric without a rule is reported only', '| accuracy | 0.8000 | 0.7900 | +0.01000 | reported only | — |'],
    ['a metric undefined for both models is skipped', '| precision | — | — | — | reported only | ⏭️ skipped: precision is undefined for this group: not gated |'],
  ])('overall row: %s', (_name, row) => {
    expect(markdown).toContain(row);
  });

  test('overall comes first, then slices grouped by column, one table per slice', () => {
    const headings = markdown.split('\n').filter((line) => line.startsWith('#'));
    expect(headings).toEqual([
      '## ✅ Evaluation gate: passed',
      '### Overall (1400 rows)',
      '### Slices by contract',
      '#### contract = Month\\|to\\|month (700 rows)',
      '#### contract = Two year (12 rows)',
      '### Slices by payment',
      '#### payment = \\*card\\* (300 rows)',
    ]);
    expectWellFormedTables(markdown);
  });

  test('a rejected verdict: ❌ heading, failing rows and the small-slice note', () => {
    const rejected = verdictFor({ per_slice: { auc: { min: 0.82 } } }, null);
    const text = renderGateMarkdown(rejected, { title: 'Churn model gate' });
    expect(rejected.passed).toBe(false);
    expect(text.split('\n')[0]).toBe('## ❌ Churn model gate: rejected');
    expect(text).toContain('**Rejected: 2 of 2 checks failed — auc on contract=Month\\|to\\|month 0.8000 \\< min 0.8200; auc on payment=\\*card\\* 0.8100 \\< min 0.8200**');
    expect(text).toContain('| auc | 0.8000 | — | — | min 0.8200 | ❌ fail: auc on contract=Month\\|to\\|month 0.8000 \\< min 0.8200 |');
    expect(text).toContain('⏭️ skipped: 12 rows \\< min_slice_rows 30: reported, not gated');
    expect(text).toContain('> No champion yet: only absolute bounds applied');
    expect(text).toContain('Candidate `run-42` vs no champion');
    expectWellFormedTables(text);
  });

  test.each([
    ['a|b', 'a\\|b'],
    ['line\nbreak', 'line break'],
    ['<script>', '\\<script\\>'],
    ['`code`', '\\`code\\`'],
    ['log_loss', 'log_loss'],
    ['_italic_', '\\_italic\\_'],
    ['[link](x)', '\\[link\\](x)'],
  ])('escapeMarkdownText(%j) = %j', (input, output) => {
    expect(escapeMarkdownText(input)).toBe(output);
  });
});

describe('renderEvaluationMarkdown', () => {
  test('overall metrics with intervals and a row per slice value', () => {
    const text = renderEvaluationMarkdown(candidate);
    expect(text).toContain('### Overall (1400 rows)');
    expect(text).toContain('Intervals: 95% percentile bootstrap, 1000 resamples.');
    expect(text).toContain('| auc | 0.8460 [0.8200, 0.8700] |');
    expect(text).toContain('| log_loss | 0.4100 |');
    expect(text).toContain('| contract | Rows | auc | accuracy | log_loss |');
    expect(text).toContain('| Month\\|to\\|month | 700 | 0.8000 | 0.7500 | 0.4500 |');
    expect(text).toContain('| \\*card\\* | 300 | 0.8100 | 0.8000 | 0.4000 |');
    expectWellFormedTables(text);
  });

  test('a real report renders every metric, with "—" where a slice has none', () => {
    const split = syntheticBinary(300, 4);
    const region = Array.from({ length: 300 }, (_, i) => (i < 5 ? 'tiny' : 'rest'));
    // The 5 'tiny' rows are made all-negative so that their AUC is undefined.
    const yTrue = split.yTrue.map((y, i) => (i < 5 ? 0 : y));
    const report = evaluatePredictions({ task: 'binary', yTrue, predictions: split.scores, slices: { region }, bootstrap: { resamples: 50, confidence: 0.9, seed: 1 } });
    const text = renderEvaluationMarkdown(report);
    expect(text).toContain('Intervals: 90% percentile bootstrap, 50 resamples.');
    for (const metric of ['auc', 'accuracy', 'precision', 'recall', 'f1', 'log_loss', 'brier']) expect(text).toMatch(new RegExp(`^\\| ${metric} \\| \\d`, 'm'));
    expect(text).toMatch(/^\| tiny \| 5 \| — \|/m);
    expectWellFormedTables(text);
  });
});
