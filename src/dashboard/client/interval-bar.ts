import type { ChartRange } from '../../evaluation/chart-range.js';
import { formatWithInterval, type NumberFormat } from '../../core/number-format.js';
import { el, svgEl } from './dom.js';

/** How an interval bar is drawn. */
export interface IntervalBarOptions {
  /** Width in pixels (default 110). */
  width?: number;
  /** A threshold drawn as a dashed line. */
  limit?: number;
  /** How the value is written. */
  format?: NumberFormat;
}

/**
 * A value and its interval as a small SVG bar on a shared scale, followed by the numbers: the
 * interval's range, the value as a point, and an optional threshold.
 */
export function intervalBar(
  value: number | null | undefined,
  interval: { low: number; high: number } | null | undefined,
  scale: ChartRange,
  options: IntervalBarOptions = {},
): HTMLElement {
  const wrap = el('span', { className: 'interval' });
  const width = options.width ?? 110;
  const height = 12;
  const x = (v: number): number => {
    const t = (v - scale.min) / (scale.max - scale.min || 1);
    return Math.max(0, Math.min(width, t * width));
  };
  const label = formatWithInterval(value, interval, options.format);
  if (typeof value === 'number' && Number.isFinite(value)) {
    const svg = svgEl('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label });
    svg.appendChild(svgEl('line', { x1: 0, x2: width, y1: height / 2, y2: height / 2, class: 'track' }));
    if (interval) {
      const left = x(interval.low);
      svg.appendChild(svgEl('rect', { x: left, y: 2, width: Math.max(x(interval.high) - left, 1), height: height - 4, rx: 2, class: 'range' }));
    }
    if (typeof options.limit === 'number') {
      svg.appendChild(svgEl('line', { x1: x(options.limit), x2: x(options.limit), y1: 0, y2: height, class: 'limit' }));
      svg.setAttribute('aria-label', `${label} (threshold ${options.limit})`);
    }
    svg.appendChild(svgEl('circle', { cx: x(value), cy: height / 2, r: 3, class: 'point' }));
    wrap.appendChild(svg);
  }
  wrap.appendChild(el('span', { text: label }));
  return wrap;
}
