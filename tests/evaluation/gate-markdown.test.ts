import { describe, expect, test } from 'vitest';
import { gateSchema } from '../../src/config/schema.js';
import { evaluatePredictions } from '../../src/evaluation/evaluate.js';
import { evaluateGate } from '../../src/evaluation/gate.js';
import { escapeMarkdownText, renderEvaluationMarkdown, renderGateMarkdown } from '../../src/evaluation/gate-markdown.js';
import { evaluationReportSchema, gateVerdictSchema, type EvaluationReport, type GateVerdict } from '../../src/evaluation/report-schema.js';
import { readFileSync } from 'node:fs';
import { createRandom } from '../../src/core/rng.js';
import { evaluateCandidate } from '../../src/evaluation/evaluate-candidate.js';
import { maxCommentLength } from '../../src/github/pr-comment.js';
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
      // Hand-made reports carry no paired evidence: the point rule (gate-paired tests below use real predictions).
      gate: gateSchema.parse({ comparison: 'point', ...(gate as object) }),
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
    ['auc floor with interval, champion and delta', '| auc | 0.8460 [0.8200, 0.8700] | 0.8410 | +0.005000 | — | min 0.8000 | ✅ pass |'],
    ['auc regression with the bound it implies', '| auc | 0.8460 [0.8200, 0.8700] | 0.8410 | +0.005000 | — | max regression 0.02000 (≥ 0.8210) | ✅ pass |'],
    ['lower-is-better max', '| log_loss | 0.4100 | 0.4200 | −0.01000 | — | max 0.5000 | ✅ pass |'],
    ['a metric without a rule is reported only', '| accuracy | 0.8000 | 0.7900 | +0.01000 | — | reported only | — |'],
    ['a metric undefined for both models is skipped', '| precision | — | — | — | — | reported only | ⏭️ skipped: precision is undefined for this group: not gated |'],
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
    expect(text).toContain('| auc | 0.8000 | — | — | — | min 0.8200 | ❌ fail: auc on contract=Month\\|to\\|month 0.8000 \\< min 0.8200 |');
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

describe('renderGateMarkdown: paired evidence and the in-run baseline', () => {
  /** A real verdict: candidate, champion and baselines scored on the same rows. */
  function pairedVerdict(rows: number, slice: (i: number) => string, gateInput: Record<string, unknown>, candidateNoise = 1) {
    const random = createRandom(17);
    const yTrue = Float64Array.from({ length: rows }, () => (random() < 0.3 ? 1 : 0));
    const signal = Float64Array.from(yTrue, (y) => (y ? 1 : -1) + (random() - 0.5) * 4);
    const model = (noise: number) => Float64Array.from(signal, (s) => 1 / (1 + Math.exp(-(s + (random() - 0.5) * noise))));
    const gate = gateSchema.parse({ bootstrap: { resamples: 200, confidence: 0.95, seed: 1 }, ...gateInput });
    const evaluation = evaluateCandidate({
      task: 'binary',
      yTrue,
      slices: { segment: Array.from({ length: rows }, (_, i) => slice(i)) },
      gate,
      candidate: model(candidateNoise),
      champion: model(1),
      baselines: [{ kind: 'linear', model: 'logistic_regression', name: 'logistic regression', predictions: model(1.5) }],
    });
    return evaluateGate({
      gate,
      task: 'binary',
      candidate: evaluation.candidate,
      candidateId: 'run-7',
      champion: { version: '1.0.0', report: evaluation.champion! },
      comparisons: evaluation.comparisons,
      now: new Date('2024-05-01T00:00:00Z'),
    });
  }

  test('every check shows champion, baseline, Δ with its 90% interval and p; the rule and the baseline are stated', () => {
    const verdict = pairedVerdict(1200, (i) => (i % 2 ? 'a' : 'b'), { overall: { auc: { min: 0.6, max_regression: 0.02 } }, per_slice: { auc: { max_regression: 0.05 } } });
    const text = renderGateMarkdown(verdict);
    expect(text).toContain('| Metric | Candidate [interval] | Champion | Baseline | Δ [90%] | p | Rule | Result |');
    expect(text).toMatch(/^\| auc \| 0\.\d{4} \[0\.\d{4}, 0\.\d{4}\] \| 0\.\d{4} \| 0\.\d{4} \| [+−]?0\.\d+ \[[+−]?0\.\d+, [+−]?0\.\d+\] \| [\d.]+ \(Holm [\d.]+\) \| max regression 0\.02000 \(≥ 0\.\d{4}\) \| ✅ pass/m);
    expect(text).toMatch(/^\| auc \| .* vs baseline \| [\d.]+( \(Holm [\d.]+\))? \| vs logistic regression: max regression 0\.02000 \(≥ 0\.\d{4}\) \| ✅ pass \|$/m);
    expect(text).toContain('In-run baseline: logistic regression, trained on the same rows and inputs (gated: auc may be at most 0.02000 worse than the baseline\'s).');
    expect(text).toContain('**Rule** (`gate.comparison: paired`): Candidate and champion are scored on the same test rows. A max_regression check fails only when');
    expectWellFormedTables(text);
  });

  test('a drop beyond the threshold that is within noise passes, and the row says so', () => {
    const verdict = pairedVerdict(400, (i) => (i < 60 ? 'small' : 'large'), { per_slice: { auc: { max_regression: 0 } }, min_slice_class_rows: 5 }, 1.2);
    const noisy = verdict.checks.filter((c) => c.evidence?.basis === 'drop_not_significant');
    expect(noisy.length).toBeGreaterThan(0);
    expect(renderGateMarkdown(verdict)).toContain('✅ pass, within noise: auc on segment=');
  });

  test('thousands of slice values: only the notable slices are listed and the comment fits GitHub', () => {
    const verdict = pairedVerdict(9000, (i) => `v${i % 3000}`, { per_slice: { auc: { max_regression: 0.05 }, accuracy: { min: 0.9 } }, min_slice_rows: 3, bootstrap: { resamples: 20, confidence: 0.95, seed: 1 } });
    const text = renderGateMarkdown(verdict);
    expect(text).toMatch(/^3000 values, \d+ with a failed check; listed: the 50 that failed or could not be judged \(and \d+ more\)\. Every check of every slice is in gate\.json\.$/m);
    expect(text.match(/^#### segment = /gm)).toHaveLength(50);
    expect(text.length).toBeLessThan(maxCommentLength);
    expectWellFormedTables(text);
  });

  test('a verdict from before paired comparisons (a real stored gate.json) still renders, without baseline or p columns', () => {
    const stored = gateVerdictSchema.parse(JSON.parse(readFileSync(new URL('../fixtures/reports/before-paired-gate/gate.json', import.meta.url), 'utf8')));
    const text = renderGateMarkdown(stored);
    expect(text).toContain('| Metric | Candidate [interval] | Champion | Δ | Rule | Result |');
    expect(text).toContain('❌ fail: auc on contract=One year fell 0.05163 (max_regression 0.05000): 0.5054 vs champion 0.5571');
    expect(text).not.toContain('**Rule**');
    expectWellFormedTables(text);
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
