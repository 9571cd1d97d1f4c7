import { formatNumber } from '../../core/number-format.js';
import type { ModelInfo } from '../../serving/api-schema.js';
import { axis, baseOptions, chartBox, cssColor, drawChart, queueChart, withAlpha } from './charts.js';
import { el, table } from './dom.js';

/** The task's diagnostics under the metrics: confusion matrix, reliability diagram, residuals. */

type Evaluation = ModelInfo['evaluation'];

/** The confusion matrix as a table shaded by count, each cell with its share of the true class. */
export function confusionNodes(confusion: NonNullable<Evaluation['confusion']>): Node[] {
  const max = Math.max(0, ...confusion.matrix.flat());
  const rows = confusion.matrix.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return [
      el('strong', { text: confusion.labels[i] ?? '' }),
      ...row.map((n) => {
        const level = max === 0 ? 0 : Math.min(5, Math.round((n / max) * 5));
        return { node: document.createTextNode(`${n}${total > 0 ? ` (${formatNumber(n / total, { percent: true })})` : ''}`), className: `heat-${level}` };
      }),
    ];
  });
  return [
    el('h3', { text: 'Confusion matrix' }),
    table(['true ↓ / predicted →', ...confusion.labels], rows, {
      caption: 'Rows: true class; columns: predicted class; shares are of the true class',
      id: 'confusion-matrix',
    }),
  ];
}

/** A reliability diagram: observed positive rate against mean predicted probability per bin. */
export function calibrationNodes(bins: NonNullable<Evaluation['calibration']>): Node[] {
  const used = bins.filter((bin) => bin.rows > 0);
  queueChart(() => {
    const options = baseOptions('observed positive rate', { min: 0, max: 1 });
    options.scales = { ...options.scales, x: axis('mean predicted probability', { min: 0, max: 1 }, { type: 'linear' }) };
    drawChart('calibration-chart', {
      type: 'scatter',
      data: {
        datasets: [
          {
            label: 'model',
            data: used.map((bin) => ({ x: bin.mean_predicted, y: bin.fraction_positive })),
            showLine: true,
            clip: 8,
            borderColor: cssColor('--accent'),
            backgroundColor: cssColor('--accent'),
            pointRadius: 4,
          },
          {
            label: 'perfectly calibrated',
            data: [
              { x: 0, y: 0 },
              { x: 1, y: 1 },
            ],
            showLine: true,
            borderColor: cssColor('--muted'),
            borderDash: [5, 4],
            pointRadius: 0,
          },
        ],
      },
      options,
    });
  });
  return [
    el('h3', { text: 'Calibration (reliability)' }),
    chartBox('calibration-chart', 'Reliability diagram: observed positive rate against mean predicted probability per bin', true),
  ];
}

/** Residuals (observed − predicted) against predicted values for the report's sample of test rows. */
export function residualNodes(residuals: NonNullable<Evaluation['residuals']>): Node[] {
  queueChart(() => {
    const options = baseOptions('observed − predicted', undefined, false);
    options.scales = { ...options.scales, x: axis('predicted', undefined, { type: 'linear' }) };
    drawChart('residual-chart', {
      type: 'scatter',
      data: {
        datasets: [
          {
            label: 'residual',
            data: residuals.map((r) => ({ x: r.predicted, y: r.residual })),
            backgroundColor: withAlpha(cssColor('--accent'), 0.5),
            pointRadius: 2.5,
          },
        ],
      },
      options,
    });
  });
  return [
    el('h3', { text: 'Residuals' }),
    chartBox('residual-chart', 'Residuals (observed minus predicted) against predicted values for a sample of test rows', true),
  ];
}
