import { columnFormat, formatNumber } from '../../core/number-format.js';
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

function checksTable(checks: readonly GateCheck[], id: string): HTMLElement {
  return table(
    ['Scope', 'Rows', 'Metric', 'Rule', 'Candidate', 'Champion', 'Threshold', 'Outcome'],
    checks.map((check) => ({
      cells: [
        check.scope,
        String(check.rows),
        check.metric,
        check.rule,
        formatNumber(check.candidate, columnFormat),
        formatNumber(check.champion, columnFormat),
        formatNumber(check.threshold, columnFormat),
        {
          node: document.createTextNode(`${check.outcome}${check.note ? `: ${check.note}` : ''}`),
          className: check.outcome === 'fail' ? 'drifted' : check.outcome === 'pass' ? 'ok' : 'muted',
        },
      ],
    })),
    { id, numeric: [false, true, false, false, true, true, true, false] },
  );
}
