import type { Chart as ChartInstance, ChartConfiguration, ChartOptions, ChartType, Plugin } from 'chart.js';
import type { ChartRange } from '../../evaluation/chart-range.js';
import { formatNumber } from '../../core/number-format.js';
import { el, showError } from './dom.js';

/**
 * Charts with Chart.js, which the page loads as a classic script (`assets/chart.umd.min.js`, from
 * the chart.js package) before this code: it is the global `Chart`. Colours come from the page's
 * CSS variables, so charts follow the light or dark scheme.
 */

declare global {
  interface Window {
    /** The Chart.js UMD bundle's global; absent when the script could not load. */
    Chart?: typeof ChartInstance;
  }
}

const drawn = new Map<string, ChartInstance>();
let queued: (() => void)[] = [];

/** A CSS variable of the page (`--accent`), for chart colours. */
export function cssColor(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

/** `#rrggbb` with an alpha, as `rgba(...)`; other colours are returned unchanged. */
export function withAlpha(color: string, alpha: number): string {
  const match = /^#([0-9a-f]{6})$/i.exec(color);
  if (!match) return color;
  const n = parseInt(match[1]!, 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** The box a chart is drawn in, with its accessible description. */
export function chartBox(id: string, description: string, small = false): HTMLElement {
  const canvas = el('canvas', { id, attrs: { role: 'img', 'aria-label': description } });
  return el('div', { className: small ? 'chart small' : 'chart' }, [canvas]);
}

/** Axis options in the page's colours. */
export interface AxisOptions {
  type?: 'linear' | 'category';
  position?: 'left' | 'right';
  min?: number;
  max?: number;
  title?: { display: boolean; text: string; color: string };
  ticks?: { color: string };
  grid?: { color?: string; drawOnChartArea?: boolean };
}

/** An axis in the page's colours, with a title when given. */
export function axis(title?: string, range?: ChartRange, extra: AxisOptions = {}): AxisOptions {
  const text = cssColor('--text');
  return {
    ...(title ? { title: { display: true, text: title, color: text } } : {}),
    ticks: { color: text },
    grid: { color: cssColor('--grid') },
    ...(range ? { min: range.min, max: range.max } : {}),
    ...extra,
  };
}

/** Options every chart shares: no animation, sized by its box, legend and axes in the page's colours. */
export function baseOptions(yTitle?: string, range?: ChartRange, legend = true): ChartOptions {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    plugins: { legend: { display: legend, labels: { color: cssColor('--text') } }, tooltip: { enabled: true } },
    scales: { x: axis(), y: axis(yTitle, range) },
  };
}

/** An interval per bar, or null where a bar has none. */
export type BarIntervals = readonly ({ low: number; high: number } | null)[];

/**
 * Draws each bar's interval as an error bar and the overall value as a dashed line labelled
 * "overall …" (Chart.js has neither built in).
 */
export function errorBars(intervals: BarIntervals, reference: number | undefined): Plugin<'bar'> {
  return {
    id: 'mlopsErrorBars',
    afterDatasetsDraw(chart) {
      const { ctx, chartArea: area } = chart;
      const y = chart.scales['y'];
      if (!y) return;
      if (typeof reference === 'number') {
        const at = y.getPixelForValue(reference);
        ctx.save();
        ctx.strokeStyle = cssColor('--champion');
        ctx.fillStyle = cssColor('--champion');
        ctx.setLineDash([6, 4]);
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.moveTo(area.left, at);
        ctx.lineTo(area.right, at);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.font = '12px system-ui, sans-serif';
        ctx.textAlign = 'right';
        ctx.fillText(`overall ${formatNumber(reference)}`, area.right - 4, at - 4);
        ctx.restore();
      }
      const meta = chart.getDatasetMeta(0);
      if (meta.hidden) return;
      meta.data.forEach((bar, j) => {
        const interval = intervals[j];
        if (!interval) return;
        const y1 = y.getPixelForValue(interval.low);
        const y2 = y.getPixelForValue(interval.high);
        ctx.save();
        ctx.strokeStyle = cssColor('--text');
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.moveTo(bar.x, y1);
        ctx.lineTo(bar.x, y2);
        ctx.moveTo(bar.x - 6, y1);
        ctx.lineTo(bar.x + 6, y1);
        ctx.moveTo(bar.x - 6, y2);
        ctx.lineTo(bar.x + 6, y2);
        ctx.stroke();
        ctx.restore();
      });
    },
  };
}

/** Draws (or redraws) the chart on canvas `id`; nothing when Chart.js or the canvas is absent. */
export function drawChart<T extends ChartType>(id: string, config: ChartConfiguration<T>): void {
  const Chart = window.Chart;
  const canvas = document.getElementById(id);
  if (Chart === undefined || !(canvas instanceof HTMLCanvasElement)) return;
  drawn.get(id)?.destroy();
  drawn.set(id, new Chart(canvas, config as ChartConfiguration));
}

/** Queues a chart to draw once its section is on the page (a canvas needs its size). */
export function queueChart(draw: () => void): void {
  queued.push(draw);
}

/** Draws every queued chart; one that fails is reported and the others still draw. */
export function drawQueuedCharts(): void {
  const pending = queued;
  queued = [];
  for (const draw of pending) {
    try {
      draw();
    } catch (error) {
      showError(`A chart could not be drawn: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
