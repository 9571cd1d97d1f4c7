import { columnFormat, formatInterval, formatNumber, formatPValue, missingValue } from '../../core/number-format.js';
import type { GateCheck } from '../../evaluation/report-schema.js';
import type { ModelInfo } from '../../serving/api-schema.js';
import { el, replaceBody, table } from './dom.js';

/** The gate's verdict and its checks; rules that can reject first, report-only comparisons folded away. */
export function renderGate(model: ModelInfo): void {
  const { gate } = model;
  const nodes: Node[] = [
    el('p', {}, [el('strong', { className: gate.passed ? 'ok' : 'drifted', text: gate.passed ? 'Passed' : 'Rejected' }), ` — ${gate.summary}`]),
    el('p', {
      className: 'muted',
      text: gate.champion_version ? `Compared with champion ${gate.champion_version}.` : 'Compared with: no champion (floors only).',
    }),
  ];
  if (gate.champion_note) nodes.push(el('p', { className: 'muted', text: gate.champion_note }));
  if (gate.baseline) {
    const how = gate.baseline.gated ? `gated: ${gate.baseline.metric} may be at most ${formatNumber(gate.baseline.max_regression)} worse` : 'reported, not gated';
    nodes.push(el('p', { className: 'muted', id: 'gate-baseline', text: `In-run baseline: ${gate.baseline.name}, trained on the same rows and inputs (${how}).` }));
  }
  if (gate.method) nodes.push(el('p', { className: 'muted', id: 'gate-rule', text: `Rule (gate.comparison: ${gate.method.comparison}): ${gate.method.rule}` }));
  const gated = gate.checks.filter((check) => check.rule !== 'report_only' || check.outcome === 'fail');
  const reported = gate.checks.filter((check) => !gated.includes(check));
  if (gated.length > 0) nodes.push(checksTable(gated, 'gate-checks'));
  if (reported.length > 0) {
    nodes.push(
      el('details', { id: 'gate-reported' }, [
        el('summary', { text: `${reported.length} more comparisons, reported only` }),
        checksTable(reported, 'gate-reported-checks'),
      ]),
    );
  }
  replaceBody('gate-body', nodes);
}

/** Δ against the model the check compares with, with its interval (verdicts since paired comparisons). */
function deltaText(check: GateCheck): string {
  const evidence = check.evidence;
  if (!evidence) return formatNumber(check.delta, { ...columnFormat, signed: true });
  const interval = formatInterval(evidence.interval, { ...columnFormat, signed: true });
  return `${formatNumber(evidence.delta, { ...columnFormat, signed: true })}${interval ? ` ${interval}` : ''}${evidence.against === 'baseline' ? ' vs baseline' : ''}`;
}

/** The one-sided p-value and, when Holm changed it, the adjusted one. */
function pText(check: GateCheck): string {
  const evidence = check.evidence;
  if (!evidence || evidence.p_value === null) return missingValue;
  const adjusted = evidence.p_adjusted;
  return adjusted !== null && adjusted !== evidence.p_value ? `${formatPValue(evidence.p_value)} (Holm ${formatPValue(adjusted)})` : formatPValue(evidence.p_value);
}

function checksTable(checks: readonly GateCheck[], id: string): HTMLElement {
  return table(
    ['Scope', 'Rows', 'Metric', 'Rule', 'Candidate', 'Champion', 'Baseline', 'Threshold', 'Δ [interval]', 'p', 'Outcome'],
    checks.map((check) => ({
      cells: [
        check.scope,
        String(check.rows),
        check.metric,
        check.rule,
        formatNumber(check.candidate, columnFormat),
        formatNumber(check.champion, columnFormat),
        formatNumber(check.baseline, columnFormat),
        formatNumber(check.threshold, columnFormat),
        deltaText(check),
        pText(check),
        {
          node: document.createTextNode(`${check.outcome}${check.evidence?.basis === 'drop_not_significant' ? ' (within noise)' : ''}${check.note ? `: ${check.note}` : ''}`),
          className: check.outcome === 'fail' ? 'drifted' : check.outcome === 'pass' ? 'ok' : 'muted',
        },
      ],
      attrs: { 'data-check': `${check.scope}|${check.metric}|${check.rule}` },
    })),
    { id, numeric: [false, true, false, false, true, true, true, true, true, true, false] },
  );
}
