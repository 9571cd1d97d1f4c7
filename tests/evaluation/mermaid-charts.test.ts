import { describe, expect, test } from 'vitest';
import { renderModelCheckComment } from '../../src/actions/summaries.js';
import { renderModelCardMarkdown } from '../../src/cards/card-markdown.js';
import { buildModelCard } from '../../src/cards/model-card.js';
import type { EvaluationReport, GroupMetrics } from '../../src/evaluation/report-schema.js';
import {
  binResiduals,
  extractMermaidBlocks,
  maxChartCategories,
  maxTrendPoints,
  mermaidLabel,
  mermaidNumber,
  renderCalibrationChart,
  renderMetricTrendChart,
  renderResidualChart,
  renderSliceMetricChart,
} from '../../src/evaluation/mermaid-charts.js';
import { checkMermaid } from '../dashboard/chromium.js';
import { buildRunInputs, type RunOptions } from '../registry/fixtures/model-inputs.js';

function group(rows: number, metrics: Record<string, number>): GroupMetrics {
  const intervals = Object.fromEntries(Object.entries(metrics).map(([name, value]) => [name, { low: value - 0.02, high: value + 0.02 }]));
  return { rows, metrics, intervals, target_summary: {} };
}

/** Slice values that break naive charts: quotes, brackets, commas, Mermaid syntax, HTML, unicode, fences. */
const hostileValues = [
  'say "hi"',
  '[bracketed], with commas',
  'a --> b %% not a comment',
  '#35; entity',
  '<script>alert(1)</script>',
  'naïve — 日本語 ✓',
  'line\nbreak',
  '```fence',
  'x'.repeat(80),
  '',
];

function hostileReport(): EvaluationReport {
  const { evaluation } = buildRunInputs();
  const values = Object.fromEntries(hostileValues.map((value, i) => [value, group(40 + i, { auc: 0.7 + i * 0.02, accuracy: 0.8 })]));
  return { ...evaluation, slices: { 'plan "tier"': values, contract: evaluation.slices['contract']! } };
}

describe('mermaidNumber', () => {
  test.each([
    [0.84567, '0.8457'],
    [0.8, '0.8'],
    [1, '1'],
    [-0.000123456, '-0.0001235'],
    [0.00001, '0.00001'],
    [1e-7, '0.0000001'],
    [-1e-11, '0'],
    [123456.7, '123457'],
    [310.44, '310.4'],
    [-42, '-42'],
  ])('%s → %s', (value, expected) => {
    expect(mermaidNumber(value)).toBe(expected);
    expect(mermaidNumber(value)).not.toMatch(/e/i);
  });

  test.each([[Number.NaN], [Number.POSITIVE_INFINITY]])('refuses %s', (value) => {
    expect(() => mermaidNumber(value)).toThrow(/not a finite number/);
  });
});

describe('mermaidLabel', () => {
  test.each([
    ['One year', '"One year"'],
    ['say "hi"', `"say 'hi'"`],
    ['a\nb\r\nc', '"a b c"'],
    ['`code`', `"'code'"`],
    ['#35;', '"＃35;"'],
    ['<b>', '"‹b›"'],
    ['', '"(empty)"'],
    ['x'.repeat(40), `"${'x'.repeat(31)}…"`],
  ])('%j → %s', (text, expected) => {
    expect(mermaidLabel(text)).toBe(expected);
  });
});

describe('renderSliceMetricChart', () => {
  test('one fenced xychart per slice column: overall first, every slice with its rows, undefined metrics named', () => {
    const { evaluation } = buildRunInputs();
    const chart = renderSliceMetricChart(evaluation, 'auc');
    const blocks = extractMermaidBlocks(chart);
    expect(blocks).toHaveLength(1);
    const block = blocks[0]!;
    expect(block.split('\n').slice(0, 2)).toEqual(['%%{init: {"themeVariables":{"xyChart":{"plotColorPalette":"#4e79a7, #f28e2b"}}}}%%', 'xychart-beta']);
    expect(block).toContain('title "auc by contract"');
    // Two year has no AUC (one class): left out of the bars and said so.
    expect(block).toContain('x-axis ["overall (n=1409)", "Month-to-month (n=1100)", "One year (n=285)"]');
    expect(block).toContain('%% auc undefined on contract=Two year (not shown)');
    const auc = evaluation.overall.metrics['auc']!;
    const monthly = evaluation.slices['contract']!['Month-to-month']!.metrics['auc']!;
    const oneYear = evaluation.slices['contract']!['One year']!.metrics['auc']!;
    expect(block).toContain(`bar [${[auc, monthly, oneYear].map(mermaidNumber).join(', ')}]`);
    expect(block).not.toContain('line [');
  });

  test('with a champion, a line carries its values on the same groups', () => {
    const candidate = buildRunInputs().evaluation;
    const champion = buildRunInputs({ learningRate: 0.01 }).evaluation;
    const scaled = (g: GroupMetrics): GroupMetrics => ({ ...g, metrics: { ...g.metrics, f1: g.metrics['f1']! * 0.9 } });
    const championReport: EvaluationReport = {
      ...champion,
      overall: scaled(champion.overall),
      slices: { contract: Object.fromEntries(Object.entries(champion.slices['contract']!).map(([k, g]) => [k, scaled(g)])) },
    };
    const block = extractMermaidBlocks(renderSliceMetricChart(candidate, 'f1', championReport))[0]!;
    expect(block).toContain('title "f1 by contract (bars: candidate, line: champion)"');
    const expectedLine = [championReport.overall, ...Object.values(championReport.slices['contract']!)].map((g) => mermaidNumber(g.metrics['f1']!));
    expect(block).toContain(`line [${expectedLine.join(', ')}]`);
  });

  test('a champion without the metric on a shown group gets no line, and the chart says why', () => {
    const candidate = buildRunInputs().evaluation;
    const champion: EvaluationReport = { ...candidate, slices: { contract: { 'Month-to-month': candidate.slices['contract']!['Month-to-month']! } } };
    const block = extractMermaidBlocks(renderSliceMetricChart(candidate, 'f1', champion))[0]!;
    expect(block).not.toContain('line [');
    expect(block).toContain('%% champion line omitted');
  });

  test('keeps the largest slices when there are too many for one chart', () => {
    const { evaluation } = buildRunInputs();
    const many = Object.fromEntries(Array.from({ length: maxChartCategories + 5 }, (_, i) => [`v${i}`, group(100 + i, { auc: 0.8 })]));
    const block = extractMermaidBlocks(renderSliceMetricChart({ ...evaluation, slices: { region: many } }, 'auc'))[0]!;
    expect(block).toContain(`%% showing the ${maxChartCategories} largest of ${maxChartCategories + 5} slices`);
    expect(block).not.toContain('"v0 (n=100)"');
    expect(block).toContain(`"v${maxChartCategories + 4} (n=${100 + maxChartCategories + 4})"`);
  });

  test('escapes every slice value into a quoted label on one line', () => {
    const block = extractMermaidBlocks(renderSliceMetricChart(hostileReport(), 'auc'))[0]!;
    const xAxis = block.split('\n').find((line) => line.trim().startsWith('x-axis'))!;
    expect(xAxis).toContain(`"say 'hi' (n=40)"`);
    expect(xAxis).toContain('"‹script›alert(1)‹/script› (n=44)"');
    expect(xAxis).toContain('"line break (n=46)"');
    expect(xAxis).not.toContain('```');
    expect(block).not.toMatch(/<script>/);
    // Comments carry slice values too, cleaned the same way.
    const undefinedOnly = { ...hostileReport(), slices: { plan: { '<b>\n```': group(50, { accuracy: 0.8 }), ok: group(60, { auc: 0.8 }) } } };
    const commented = extractMermaidBlocks(renderSliceMetricChart(undefinedOnly, 'auc'))[0]!;
    expect(commented).toContain("%% auc undefined on plan=‹b› ''' (not shown)");
    // Every label is a complete quoted string: an even number of quotes on the axis line.
    expect((xAxis.match(/"/g) ?? []).length % 2).toBe(0);
  });

  test('nothing to draw: no slices, or the metric defined on none', () => {
    const { evaluation } = buildRunInputs();
    expect(renderSliceMetricChart({ ...evaluation, slices: {} }, 'auc')).toBe('');
    expect(renderSliceMetricChart(evaluation, 'rmse')).toBe('');
  });
});

describe('renderMetricTrendChart', () => {
  test('a line of versions oldest first; one version is a bar too; none is nothing', () => {
    const two = extractMermaidBlocks(renderMetricTrendChart([{ version: '1.0.0', value: 0.84 }, { version: '1.1.0', value: 0.85 }], 'auc'))[0]!;
    expect(two).toContain('x-axis ["1.0.0", "1.1.0"]');
    expect(two).toContain('line [0.84, 0.85]');
    expect(two).not.toContain('bar [');
    const one = extractMermaidBlocks(renderMetricTrendChart([{ version: '1.0.0', value: 0.84 }], 'auc'))[0]!;
    expect(one).toContain('bar [0.84]');
    expect(renderMetricTrendChart([], 'auc')).toBe('');
    expect(renderMetricTrendChart([{ version: '1.0.0', value: Number.NaN }], 'auc')).toBe('');
  });

  test(`shows the newest ${maxTrendPoints} versions`, () => {
    const points = Array.from({ length: maxTrendPoints + 3 }, (_, i) => ({ version: `1.${i}.0`, value: 0.8 + i / 1000 }));
    const block = extractMermaidBlocks(renderMetricTrendChart(points, 'auc'))[0]!;
    expect(block).toContain(`title "auc by version (newest ${maxTrendPoints} of ${maxTrendPoints + 3})"`);
    expect(block).not.toContain('"1.2.0"');
    expect(block).toContain(`"1.${maxTrendPoints + 2}.0"`);
  });
});

describe('calibration and residual charts', () => {
  test('calibration: bins with rows become bars (observed) and a line (predicted)', () => {
    const bins = [
      { bin_low: 0, bin_high: 0.1, mean_predicted: 0.05, fraction_positive: 0.04, rows: 300 },
      { bin_low: 0.1, bin_high: 0.2, mean_predicted: 0.15, fraction_positive: 0.2, rows: 100 },
      { bin_low: 0.2, bin_high: 0.3, mean_predicted: 0, fraction_positive: 0, rows: 0 },
    ];
    const block = extractMermaidBlocks(renderCalibrationChart(bins))[0]!;
    expect(block).toContain('x-axis ["0.0–0.1", "0.1–0.2"]');
    expect(block).toContain('%% test rows per bin: 300, 100');
    expect(block).toContain('y-axis "rate" 0 --> 1');
    expect(block).toContain('bar [0.04, 0.2]');
    expect(block).toContain('line [0.05, 0.15]');
    expect(renderCalibrationChart([])).toBe('');
  });

  test.each([
    // predicted 1..10 with residual = predicted − 5.5: two equal bins of five.
    [Array.from({ length: 10 }, (_, i) => ({ predicted: i + 1, residual: i + 1 - 5.5 })), 2, [{ low: 1, high: 5, rows: 5, mean: -2.5, p10: -4.1, p90: -0.9 }, { low: 6, high: 10, rows: 5, mean: 2.5, p10: 0.9, p90: 4.1 }]],
    // Fewer rows than bins: one row each.
    [[{ predicted: 2, residual: 1 }, { predicted: 1, residual: -1 }], 10, [{ low: 1, high: 1, rows: 1, mean: -1, p10: -1, p90: -1 }, { low: 2, high: 2, rows: 1, mean: 1, p10: 1, p90: 1 }]],
  ])('binResiduals %#', (residuals, bins, expected) => {
    const result = binResiduals(residuals, bins);
    expect(result).toHaveLength(expected.length);
    result.forEach((bin, i) => {
      const want = expected[i]!;
      for (const key of Object.keys(want) as (keyof typeof want)[]) expect(bin[key]).toBeCloseTo(want[key], 10);
    });
  });

  test('residuals: three lines (90th percentile, mean, 10th percentile) over predicted-value bins', () => {
    const residuals = Array.from({ length: 200 }, (_, i) => ({ predicted: i * 10, residual: ((i * 37) % 41) - 20 }));
    const block = extractMermaidBlocks(renderResidualChart(residuals))[0]!;
    expect(block.match(/^ {4}line \[/gm)).toHaveLength(3);
    expect(block).not.toContain('bar [');
    expect(block).toContain('x-axis ["~95", "~295", "~495", "~695", "~895", "~1100", "~1300", "~1500", "~1700", "~1900"]');
    expect(block).toContain('%% bins of predicted values (rows): 0–190 (20), 200–390 (20)');
    expect(renderResidualChart([])).toBe('');
  });
});

describe('extractMermaidBlocks', () => {
  test('finds ``` and ~~~ mermaid fences and nothing else', () => {
    const markdown = ['# t', '```mermaid', 'xychart-beta', '    bar [1]', '```', '```ts', 'const x = 1;', '```', '~~~mermaid', 'pie', '~~~', ''].join('\n');
    expect(extractMermaidBlocks(markdown)).toEqual(['xychart-beta\n    bar [1]', 'pie']);
  });
});

function cardMarkdownFor(options: RunOptions, extra: Partial<EvaluationReport> = {}, history?: { version: string; value: number }[]): string {
  const inputs = buildRunInputs(options);
  const evaluation = { ...inputs.evaluation, ...extra };
  const card = buildModelCard({ ...inputs, evaluation, version: '1.1.0', parent: null });
  return renderModelCardMarkdown({ card, lineage: inputs.lineage, evaluation, gate: inputs.gate, ...(history ? { history } : {}) });
}

const calibration = Array.from({ length: 10 }, (_, i) => ({ bin_low: i / 10, bin_high: (i + 1) / 10, mean_predicted: i / 10 + 0.05, fraction_positive: Math.min(1, i / 10 + 0.03), rows: 50 + i }));
const residuals = Array.from({ length: 120 }, (_, i) => ({ predicted: 100 + i * 3.7, residual: Math.sin(i) * 40 }));

describe('model card charts', () => {
  test('a binary card: slice bars, trend, confusion matrix table and calibration chart', () => {
    const markdown = cardMarkdownFor({}, { confusion: { labels: ['No', 'Yes'], matrix: [[950, 85], [180, 194]] }, calibration }, [{ version: '1.0.0', value: 0.81 }]);
    expect(markdown).toMatch(/### auc per slice\n\n```mermaid\n%%\{init: .*\}%%\nxychart-beta\n/);
    expect(markdown).toContain('### auc across versions');
    expect(markdown).toContain('x-axis ["1.0.0", "1.1.0"]');
    expect(markdown).toContain('| **No** | 950 (91.8%) | 85 (8.2%) |');
    expect(markdown).toContain('| **Yes** | 180 (48.1%) | 194 (51.9%) |');
    expect(markdown).toContain('### Calibration');
    expect(markdown).not.toContain('### Residuals');
    expect(extractMermaidBlocks(markdown)).toHaveLength(3);
  });

  test('a regression card: residual chart, no confusion matrix; no history, no trend', () => {
    const markdown = cardMarkdownFor({ task: { type: 'regression' } }, { residuals });
    expect(markdown).toContain('### rmse per slice');
    expect(markdown).toContain('### Residuals');
    expect(markdown).not.toContain('across versions');
    expect(markdown).not.toContain('### Confusion matrix');
    expect(extractMermaidBlocks(markdown)).toHaveLength(2);
  });
});

describe('every chart parses and renders with the real Mermaid library in Chromium', () => {
  test('charts, hostile labels, card and PR comment blocks; a broken block fails', async () => {
    const { evaluation } = buildRunInputs();
    const champion = buildRunInputs({ learningRate: 0.01 }).evaluation;
    const trend = Array.from({ length: 12 }, (_, i) => ({ version: `1.${i}.0`, value: 0.8 + Math.sin(i) / 50 }));
    const prComment = renderModelCheckComment({
      validation: null,
      verdict: buildRunInputs().gate,
      candidate: evaluation,
      champion,
      history: [{ version: '1.0.0', value: 0.83 }, { version: '1.1.0', value: 0.84 }],
      failure: null,
      runUrl: null,
      commit: 'a456246c0ffee0123456789abcdef0123456789a',
    });
    const prBlocks = extractMermaidBlocks(prComment);
    // The comment carries the per-slice bars and the trend (made by the functions under test).
    expect(prBlocks.length).toBeGreaterThanOrEqual(2);
    const blocks = [
      ...extractMermaidBlocks(renderSliceMetricChart(evaluation, 'auc', champion)),
      ...extractMermaidBlocks(renderSliceMetricChart(hostileReport(), 'auc')),
      ...extractMermaidBlocks(renderSliceMetricChart(buildRunInputs({ task: { type: 'regression' } }).evaluation, 'r2')),
      ...extractMermaidBlocks(renderMetricTrendChart(trend, 'auc')),
      ...extractMermaidBlocks(renderMetricTrendChart([{ version: '1.0.0', value: 310.4 }], 'rmse')),
      ...extractMermaidBlocks(renderCalibrationChart(calibration)),
      ...extractMermaidBlocks(renderResidualChart(residuals)),
      ...extractMermaidBlocks(cardMarkdownFor({}, { confusion: { labels: ['No', 'Yes'], matrix: [[1, 2], [3, 4]] }, calibration }, trend)),
      ...extractMermaidBlocks(cardMarkdownFor({ task: { type: 'regression' } }, { residuals })),
      ...prBlocks,
    ];
    const broken = 'xychart-beta\n    x-axis ["a", "b"]\n    bar [1e-5, 2]';
    const results = await checkMermaid([...blocks, broken]);
    expect(results).toHaveLength(blocks.length + 1);
    results.slice(0, blocks.length).forEach((result, i) => {
      expect(result, `block ${i}:\n${blocks[i]}`).toMatchObject({ ok: true, type: 'xychart' });
      expect(result.svgLength).toBeGreaterThan(1000);
    });
    // The check can fail: an exponent is not xychart syntax.
    expect(results[blocks.length]).toMatchObject({ ok: false });
    expect(results[blocks.length]!.error).toMatch(/Parse error/);
  });
});
