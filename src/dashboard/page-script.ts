/**
 * The dashboard's script, served as `assets/dashboard.js`: plain browser JavaScript (no build
 * step, no CDN) that fetches the JSON the server publishes (relative URLs: `api/model.json`,
 * `api/versions.json`, and when served live `api/stats.json` and `api/monitoring.json` every 5 s),
 * or reads `window.MLOPS_REPORT` in a static report, and draws the sections with Chart.js (served
 * from the chart.js package as `assets/chart.umd.min.js`). Every value from JSON reaches the page
 * through textContent or SVG attributes, never as HTML. Kept as a string so that it ships inside
 * dist/ with the server; tests check its syntax and run it in a real Chromium.
 *
 * Written without template literals, so it can live in this String.raw literal unchanged.
 */
export const dashboardScript = String.raw`(function () {
  'use strict';

  /* Paths are relative so the page works at a server's / and inside a static site at any path. */
  var PATHS = { model: 'api/model.json', versions: 'api/versions.json', monitoring: 'api/monitoring.json', stats: 'api/stats.json' };
  /* The GitHub workflow that deploys a release tag (workflow_dispatch input "version"). */
  var DEPLOY_WORKFLOW = 'deploy.yml';
  var LIVE_REFRESH_MS = 5000;
  var UNIT_METRICS = ['auc', 'accuracy', 'precision', 'recall', 'f1', 'macro_f1', 'brier'];
  var LOWER_IS_BETTER = ['log_loss', 'brier', 'mae', 'rmse'];
  var MAX_RUNS_LISTED = 30;
  var charts = {};
  var violations = [];

  /* Records CSP violations where tests (and people with devtools closed) can see them. */
  document.addEventListener('securitypolicyviolation', function (event) {
    violations.push(event.violatedDirective + ' ' + (event.blockedURI || 'inline'));
    document.documentElement.setAttribute('data-csp-violations', violations.join(' | '));
  });

  /* ---------- DOM helpers: text goes in through textContent only, never as HTML. ---------- */

  function el(tag, options, children) {
    var node = document.createElement(tag);
    options = options || {};
    if (options.className) node.className = options.className;
    if (options.id) node.id = options.id;
    if (options.text !== undefined && options.text !== null) node.textContent = String(options.text);
    if (options.title) node.title = String(options.title);
    if (options.attrs) {
      Object.keys(options.attrs).forEach(function (name) {
        node.setAttribute(name, String(options.attrs[name]));
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }

  function svgEl(tag, attrs) {
    var node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, String(attrs[name]));
    });
    return node;
  }

  function code(text) {
    return el('code', { text: text });
  }

  function replaceBody(id, nodes) {
    var body = document.getElementById(id);
    while (body.firstChild) body.removeChild(body.firstChild);
    nodes.forEach(function (node) {
      if (node) body.appendChild(node);
    });
  }

  function showError(message) {
    document.getElementById('errors').appendChild(el('p', { className: 'notice error', text: message }));
  }

  function table(headers, rows, options) {
    options = options || {};
    var head = el('thead', {}, [
      el('tr', {}, headers.map(function (header, i) {
        return el('th', { text: header, className: options.numeric && options.numeric[i] ? 'num' : '', attrs: { scope: 'col' } });
      })),
    ]);
    var body = el('tbody', {}, rows.map(function (row) {
      var cells = row.cells || row;
      var tr = el('tr', { className: row.className || '' }, cells.map(function (cell, i) {
        var td = el('td', { className: options.numeric && options.numeric[i] ? 'num' : '' });
        if (cell && typeof cell === 'object' && cell.nodeType) td.appendChild(cell);
        else if (cell && typeof cell === 'object' && cell.node) {
          td.appendChild(cell.node);
          if (cell.className) td.className = (td.className + ' ' + cell.className).trim();
        } else td.textContent = cell === null || cell === undefined ? '–' : String(cell);
        return td;
      }));
      if (row.attrs) Object.keys(row.attrs).forEach(function (name) { tr.setAttribute(name, row.attrs[name]); });
      return tr;
    }));
    var tableNode = el('table', { id: options.id, className: options.className }, [options.caption ? el('caption', { text: options.caption }) : null, head, body]);
    return el('div', { className: 'table-wrap' }, [tableNode]);
  }

  /* ---------- Numbers ---------- */

  function fmt(value, digits) {
    if (value === null || value === undefined || typeof value !== 'number' || !isFinite(value)) return '–';
    if (digits !== undefined) return value.toFixed(digits);
    var abs = Math.abs(value);
    if (abs !== 0 && (abs < 0.001 || abs >= 100000)) return value.toPrecision(3);
    if (abs >= 100) return value.toFixed(1);
    return value.toFixed(4);
  }

  /* A number as written: integers whole, others with up to 4 significant digits. */
  function fmtPlain(value) {
    if (typeof value !== 'number' || !isFinite(value)) return '–';
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  }

  function pct(value) {
    return typeof value === 'number' && isFinite(value) ? (value * 100).toFixed(1) + '%' : '–';
  }

  function shortHash(value, length) {
    return value ? String(value).slice(0, length || 12) : '–';
  }

  function when(iso) {
    if (!iso) return '–';
    var date = new Date(iso);
    return isNaN(date.getTime()) ? String(iso) : date.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
  }

  function niceRange(values, metric) {
    var finite = values.filter(function (v) { return typeof v === 'number' && isFinite(v); });
    if (finite.length === 0) return { min: 0, max: 1 };
    var low = Math.min.apply(null, finite);
    var high = Math.max.apply(null, finite);
    /* A minimum visible span keeps tiny differences from filling the whole axis. */
    var minSpan = UNIT_METRICS.indexOf(metric) >= 0 ? 0.1 : Math.max(Math.abs(high) * 0.1, 1e-9);
    if (high - low < minSpan) {
      var middle = (high + low) / 2;
      low = middle - minSpan / 2;
      high = middle + minSpan / 2;
    }
    var span = high - low;
    var pad = span * 0.15;
    var raw = (span + 2 * pad) / 5;
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var f = raw / power;
    var step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
    var min = Math.floor((low - pad) / step) * step;
    var max = Math.ceil((high + pad) / step) * step;
    if (UNIT_METRICS.indexOf(metric) >= 0 || LOWER_IS_BETTER.indexOf(metric) >= 0) min = Math.max(min, 0);
    if (UNIT_METRICS.indexOf(metric) >= 0 || metric === 'r2') max = Math.min(max, 1);
    if (max <= min) max = min + step;
    return { min: min, max: max };
  }

  /* An interval as a small SVG bar: the interval's range, the value, on a shared scale. */
  function intervalNode(value, interval, scale, options) {
    options = options || {};
    var wrap = el('span', { className: 'interval' });
    var width = options.width || 110;
    var height = 12;
    var x = function (v) {
      var t = (v - scale.min) / (scale.max - scale.min || 1);
      return Math.max(0, Math.min(width, t * width));
    };
    var label = fmt(value, options.digits) + (interval ? ' [' + fmt(interval.low) + ', ' + fmt(interval.high) + ']' : '');
    if (typeof value === 'number' && isFinite(value)) {
      var svg = svgEl('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': label });
      svg.appendChild(svgEl('line', { x1: 0, x2: width, y1: height / 2, y2: height / 2, class: 'track' }));
      if (interval) {
        var left = x(interval.low);
        svg.appendChild(svgEl('rect', { x: left, y: 2, width: Math.max(x(interval.high) - left, 1), height: height - 4, rx: 2, class: 'range' }));
      }
      if (typeof options.limit === 'number') {
        svg.appendChild(svgEl('line', { x1: x(options.limit), x2: x(options.limit), y1: 0, y2: height, class: 'limit' }));
        svg.setAttribute('aria-label', label + ' (threshold ' + options.limit + ')');
      }
      svg.appendChild(svgEl('circle', { cx: x(value), cy: height / 2, r: 3, class: 'point' }));
      wrap.appendChild(svg);
    }
    wrap.appendChild(el('span', { text: label }));
    return wrap;
  }

  /* ---------- Charts (Chart.js, shipped with the package) ---------- */

  function cssColor(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
  }

  function withAlpha(color, alpha) {
    var m = /^#([0-9a-f]{6})$/i.exec(color);
    if (!m) return color;
    var n = parseInt(m[1], 16);
    return 'rgba(' + ((n >> 16) & 255) + ', ' + ((n >> 8) & 255) + ', ' + (n & 255) + ', ' + alpha + ')';
  }

  function chartBox(id, description, small) {
    var canvas = el('canvas', { id: id, attrs: { role: 'img', 'aria-label': description } });
    return el('div', { className: small ? 'chart small' : 'chart' }, [canvas]);
  }

  function baseOptions(yTitle, range) {
    var text = cssColor('--text');
    var grid = cssColor('--grid');
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { labels: { color: text } }, tooltip: { enabled: true } },
      scales: {
        x: { ticks: { color: text }, grid: { color: grid } },
        y: { title: { display: !!yTitle, text: yTitle || '', color: text }, ticks: { color: text }, grid: { color: grid }, min: range ? range.min : undefined, max: range ? range.max : undefined },
      },
    };
  }

  /* Draws each bar's interval as an error bar (Chart.js has none built in). */
  var errorBarsPlugin = {
    id: 'mlopsErrorBars',
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      chart.data.datasets.forEach(function (dataset) {
        if (typeof dataset.reference !== 'number') return;
        var y = chart.scales.y.getPixelForValue(dataset.reference);
        var area = chart.chartArea;
        ctx.save();
        ctx.strokeStyle = cssColor('--champion');
        ctx.fillStyle = cssColor('--champion');
        ctx.setLineDash([6, 4]);
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.moveTo(area.left, y);
        ctx.lineTo(area.right, y);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.font = '12px system-ui, sans-serif';
        ctx.textAlign = 'right';
        ctx.fillText('overall ' + fmt(dataset.reference), area.right - 4, y - 4);
        ctx.restore();
      });
      chart.data.datasets.forEach(function (dataset, i) {
        if (!dataset.intervals) return;
        var meta = chart.getDatasetMeta(i);
        if (meta.hidden) return;
        meta.data.forEach(function (bar, j) {
          var interval = dataset.intervals[j];
          if (!interval) return;
          var y1 = chart.scales.y.getPixelForValue(interval.low);
          var y2 = chart.scales.y.getPixelForValue(interval.high);
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
      });
    },
  };

  function drawChart(id, config) {
    if (typeof Chart === 'undefined') return;
    var canvas = document.getElementById(id);
    if (!canvas) return;
    if (charts[id]) charts[id].destroy();
    charts[id] = new Chart(canvas, config);
  }

  /* ---------- Sections ---------- */

  function renderHeader(model, history, isStatic) {
    document.title = model.name + ' ' + model.version + ' · model dashboard';
    var title = document.getElementById('title');
    while (title.firstChild) title.removeChild(title.firstChild);
    title.appendChild(document.createTextNode(model.name + ' '));
    title.appendChild(el('span', { id: 'served-version', text: model.version }));
    var badges = el('span', { className: 'badges' });
    if (model.champion) badges.appendChild(el('span', { className: 'badge champion', text: 'champion' }));
    else badges.appendChild(el('span', { className: 'badge warn', text: 'not the champion' + (history.champion ? ' (champion is ' + history.champion + ')' : '') }));
    badges.appendChild(el('span', { className: 'badge', text: model.evaluation.task }));
    badges.appendChild(el('span', { className: model.gate.passed ? 'badge good' : 'badge bad', text: model.gate.passed ? 'gate passed' : 'gate rejected' }));
    title.appendChild(badges);
    var subtitle = document.getElementById('subtitle');
    subtitle.textContent = isStatic
      ? 'Static report of the registry: ' + (model.champion ? 'the champion' : 'the newest version') + ', generated ' + when(history.generated_at) + '.'
      : 'Served by this server since ' + when(model.loaded_at) + '.';
  }

  function renderServed(model, history) {
    var lineage = model.lineage;
    var facts = el('dl', { className: 'facts', id: 'lineage' });
    function fact(name, value) {
      facts.appendChild(el('dt', { text: name }));
      facts.appendChild(el('dd', {}, [typeof value === 'string' ? document.createTextNode(value) : value]));
    }
    fact('Version', el('span', {}, [code(model.version), ' (' + (lineage.parent_version ? 'parent ' + lineage.parent_version : 'first version') + ')']));
    fact('Run', code(lineage.run_id));
    fact('Trained', when(lineage.created_at));
    fact('Dataset', el('span', {}, [code(lineage.dataset.path), ' · ' + lineage.dataset.rows + ' rows (' + lineage.dataset.valid_rows + ' valid) · ' +
      lineage.dataset.train_rows + ' train / ' + lineage.dataset.validation_rows + ' validation / ' + lineage.dataset.test_rows + ' test']));
    fact('Data sha256', el('code', { id: 'data-sha256', text: lineage.dataset.sha256 }));
    var commit = lineage.code.commit === null ? document.createTextNode('unknown (not a git checkout)') :
      el('span', {}, [code(lineage.code.commit), lineage.code.dirty ? ' (uncommitted changes)' : lineage.code.dirty === false ? ' (clean)' : '', lineage.code.branch ? ' on ' + lineage.code.branch : '']);
    fact('Commit', commit);
    fact('Config', el('span', {}, [code(lineage.config.path), ' sha256 ', code(shortHash(lineage.config.sha256, 16))]));
    fact('Backend', lineage.training.backend + ' (tfjs ' + lineage.training.tfjs_version + ', Node.js ' + lineage.training.node_version + ', ' + lineage.training.platform + ')');
    fact('Training', lineage.training.epochs_run + ' epochs, best ' + lineage.training.best_epoch + ', ' + Math.round(lineage.training.duration_ms) + ' ms');
    fact('Parent version', lineage.parent_version || '— (first version)');
    if (lineage.run_url && /^https?:\/\//.test(lineage.run_url)) {
      fact('CI run', el('a', { text: lineage.run_url, attrs: { href: lineage.run_url, rel: 'noopener noreferrer' } }));
    }
    var features = table(['Feature', 'Type', 'Accepts missing', 'Domain'], model.features.map(function (feature) {
      var domain = feature.type === 'categorical' ? (feature.vocabulary || []).join(', ') :
        (feature.min !== undefined || feature.max !== undefined ? fmtPlain(feature.min) + ' … ' + fmtPlain(feature.max) : '');
      return [code(feature.name), feature.type, feature.nullable ? 'yes' : 'no', domain];
    }), { caption: 'Inputs (POST /predict takes {"instances": [{…}]})', id: 'features-table' });
    var inputs = el('details', { id: 'inputs' }, [el('summary', { text: 'Inputs: ' + model.features.length + ' features (the request contract)' }), features]);
    replaceBody('served-body', [el('div', { className: 'grid-2' }, [el('div', {}, [facts, inputs]), glanceNode(model, history)])]);
  }

  /* The first screen's summary: the primary metric with its interval, and its trend across versions. */
  function glanceNode(model, history) {
    var primary = model.gate.primary_metric;
    var overall = model.evaluation.overall;
    var interval = overall.intervals[primary];
    var champion = history.versions.filter(function (v) { return v.version === history.champion; })[0];
    var tiles = el('div', { className: 'tiles' }, [
      tile(primary + ' (test)', fmt(overall.metrics[primary]), 'glance-metric'),
      tile(Math.round(model.evaluation.confidence * 100) + '% interval', interval ? fmt(interval.low) + ' – ' + fmt(interval.high) : '–', 'glance-interval'),
      tile('Versions', String(history.versions.length) + (champion ? ' · champion ' + champion.version : ''), 'glance-versions'),
    ]);
    var points = history.versions.filter(function (v) { return typeof v.metrics[primary] === 'number'; });
    if (points.length > 0) {
      pendingCharts.push(function () {
        var values = points.map(function (v) { return v.metrics[primary]; });
        var options = baseOptions(primary, niceRange(values, primary));
        options.plugins.legend.display = false;
        drawChart('glance-chart', {
          type: 'line',
          data: {
            labels: points.map(function (v) { return v.version; }),
            datasets: [{
              label: primary,
              data: values,
              borderColor: cssColor('--accent'),
              backgroundColor: points.map(function (v) { return v.version === model.version ? cssColor('--champion') : cssColor('--accent'); }),
              pointRadius: points.map(function (v) { return v.version === model.version ? 7 : 4; }),
            }],
          },
          options: options,
        });
      });
    }
    return el('div', { id: 'glance' }, [
      el('h3', { text: 'At a glance' }),
      tiles,
      points.length > 0 ? chartBox('glance-chart', primary + ' across registered versions; this version is the larger point', true) : null,
    ]);
  }

  /* The scale of interval bars: [0, 1] for rates, from 0 for losses, else around the values. */
  function metricScale(metric, values) {
    if (UNIT_METRICS.indexOf(metric) >= 0) return { min: 0, max: 1 };
    if (LOWER_IS_BETTER.indexOf(metric) >= 0) return { min: 0, max: niceRange(values.concat([0]), metric).max };
    return niceRange(values, metric);
  }

  function renderMetrics(model) {
    var evaluation = model.evaluation;
    var primary = model.gate.primary_metric;
    var nodes = [];
    var intro = 'On ' + evaluation.overall.rows + ' held-out test rows. ' + (evaluation.resamples > 0
      ? 'Intervals: ' + Math.round(evaluation.confidence * 100) + '% bootstrap, ' + evaluation.resamples + ' resamples.'
      : 'No intervals (no bootstrap resamples).');
    nodes.push(el('p', { className: 'muted', text: intro }));
    var overallMetrics = Object.keys(evaluation.overall.metrics);
    nodes.push(table(['Metric', 'Value and interval'], overallMetrics.map(function (metric) {
      var value = evaluation.overall.metrics[metric];
      var interval = evaluation.overall.intervals[metric];
      var scale = metricScale(metric, [value, interval ? interval.low : value, interval ? interval.high : value]);
      return { cells: [metric === primary ? metric + ' (primary)' : metric, intervalNode(value, interval, scale)], attrs: { 'data-metric': metric } };
    }), { caption: 'Overall', id: 'overall-metrics' }));

    Object.keys(evaluation.slices).forEach(function (column, columnIndex) {
      var groups = evaluation.slices[column];
      var values = Object.keys(groups);
      var metrics = [];
      values.forEach(function (value) {
        Object.keys(groups[value].metrics).forEach(function (metric) { if (metrics.indexOf(metric) < 0) metrics.push(metric); });
      });
      nodes.push(el('h3', { text: 'By ' + column }));
      var chartId = 'slice-chart-' + columnIndex;
      var plotted = values.filter(function (value) { return typeof groups[value].metrics[primary] === 'number'; });
      if (plotted.length > 0) {
        nodes.push(chartBox(chartId, primary + ' by ' + column + ' with ' + Math.round(evaluation.confidence * 100) + '% intervals and the overall value as a dashed line; values are in the table below'));
      }
      var scales = {};
      metrics.forEach(function (metric) {
        var all = [];
        values.forEach(function (value) {
          var g = groups[value];
          if (typeof g.metrics[metric] === 'number') all.push(g.metrics[metric]);
          if (g.intervals[metric]) all.push(g.intervals[metric].low, g.intervals[metric].high);
        });
        scales[metric] = metricScale(metric, all);
      });
      /* The primary metric with its interval drawn; the others as numbers, their interval on hover. */
      var others = metrics.filter(function (metric) { return metric !== primary; });
      var headers = ['Slice', 'Rows'].concat(metrics.indexOf(primary) >= 0 ? [primary + ' and interval'] : [], others);
      nodes.push(table(headers, values.map(function (value) {
        var g = groups[value];
        var cells = [value, String(g.rows)];
        if (metrics.indexOf(primary) >= 0) {
          cells.push(typeof g.metrics[primary] === 'number' ? intervalNode(g.metrics[primary], g.intervals[primary], scales[primary]) : 'undefined');
        }
        others.forEach(function (metric) {
          var interval = g.intervals[metric];
          cells.push(typeof g.metrics[metric] === 'number'
            ? el('span', { text: fmt(g.metrics[metric]), title: interval ? Math.round(evaluation.confidence * 100) + '% interval ' + fmt(interval.low) + ' to ' + fmt(interval.high) : '' })
            : 'undefined');
        });
        return { cells: cells, attrs: { 'data-slice': column + '=' + value } };
      }), {
        caption: column + ': every metric per slice value (hover a number for its interval)',
        id: 'slice-table-' + columnIndex,
        className: 'slices',
        numeric: [false, true, false].concat(others.map(function () { return true; })),
      }));
      if (plotted.length > 0) {
        pendingCharts.push(function () {
          var data = plotted.map(function (value) { return groups[value].metrics[primary]; });
          var intervals = plotted.map(function (value) { return groups[value].intervals[primary] || null; });
          var all = data.slice();
          intervals.forEach(function (iv) { if (iv) all.push(iv.low, iv.high); });
          all.push(evaluation.overall.metrics[primary]);
          var accent = cssColor('--accent');
          var options = baseOptions(primary, niceRange(all, primary));
          options.plugins.legend.display = false;
          drawChart(chartId, {
            type: 'bar',
            data: {
              labels: plotted.map(function (value) { return value + ' (n=' + groups[value].rows + ')'; }),
              datasets: [{ label: primary, data: data, intervals: intervals, reference: evaluation.overall.metrics[primary], backgroundColor: withAlpha(accent, 0.55), borderColor: accent, borderWidth: 1 }],
            },
            options: options,
            plugins: [errorBarsPlugin],
          });
        });
      }
    });

    if (evaluation.confusion) nodes.push.apply(nodes, confusionNodes(evaluation.confusion));
    if (evaluation.calibration && evaluation.calibration.length > 0) nodes.push.apply(nodes, calibrationNodes(evaluation.calibration));
    if (evaluation.residuals && evaluation.residuals.length > 0) nodes.push.apply(nodes, residualNodes(evaluation.residuals));
    replaceBody('metrics-body', nodes);
  }

  function confusionNodes(confusion) {
    var max = 0;
    confusion.matrix.forEach(function (row) { row.forEach(function (n) { max = Math.max(max, n); }); });
    var rows = confusion.matrix.map(function (row, i) {
      var total = row.reduce(function (a, b) { return a + b; }, 0);
      return [el('strong', { text: confusion.labels[i] })].concat(row.map(function (n) {
        var level = max === 0 ? 0 : Math.min(5, Math.round((n / max) * 5));
        return { node: document.createTextNode(n + (total > 0 ? ' (' + pct(n / total) + ')' : '')), className: 'heat-' + level };
      }));
    });
    return [
      el('h3', { text: 'Confusion matrix' }),
      table(['true ↓ / predicted →'].concat(confusion.labels), rows, { caption: 'Rows: true class; columns: predicted class; shares are of the true class', id: 'confusion-matrix' }),
    ];
  }

  function calibrationNodes(bins) {
    var used = bins.filter(function (bin) { return bin.rows > 0; });
    pendingCharts.push(function () {
      var options = baseOptions('observed positive rate', { min: 0, max: 1 });
      options.scales.x = { type: 'linear', min: 0, max: 1, title: { display: true, text: 'mean predicted probability', color: cssColor('--text') }, ticks: { color: cssColor('--text') }, grid: { color: cssColor('--grid') } };
      drawChart('calibration-chart', {
        type: 'scatter',
        data: {
          datasets: [
            { label: 'model', data: used.map(function (bin) { return { x: bin.mean_predicted, y: bin.fraction_positive }; }), showLine: true, clip: 8, borderColor: cssColor('--accent'), backgroundColor: cssColor('--accent'), pointRadius: 4 },
            { label: 'perfectly calibrated', data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], showLine: true, borderColor: cssColor('--muted'), borderDash: [5, 4], pointRadius: 0 },
          ],
        },
        options: options,
      });
    });
    return [el('h3', { text: 'Calibration (reliability)' }), chartBox('calibration-chart', 'Reliability diagram: observed positive rate against mean predicted probability per bin', true)];
  }

  function residualNodes(residuals) {
    pendingCharts.push(function () {
      var options = baseOptions('observed − predicted');
      options.plugins.legend.display = false;
      options.scales.x = { type: 'linear', title: { display: true, text: 'predicted', color: cssColor('--text') }, ticks: { color: cssColor('--text') }, grid: { color: cssColor('--grid') } };
      drawChart('residual-chart', {
        type: 'scatter',
        data: { datasets: [{ label: 'residual', data: residuals.map(function (r) { return { x: r.predicted, y: r.residual }; }), backgroundColor: withAlpha(cssColor('--accent'), 0.5), pointRadius: 2.5 }] },
        options: options,
      });
    });
    return [el('h3', { text: 'Residuals' }), chartBox('residual-chart', 'Residuals (observed minus predicted) against predicted values for a sample of test rows', true)];
  }

  function renderGate(model) {
    var gate = model.gate;
    var nodes = [
      el('p', {}, [el('strong', { className: gate.passed ? 'ok' : 'drifted', text: gate.passed ? 'Passed' : 'Rejected' }), ' — ' + gate.summary]),
      el('p', { className: 'muted', text: gate.champion_version ? 'Compared with champion ' + gate.champion_version + '.' : 'Compared with: no champion (floors only).' }),
    ];
    if (gate.champion_note) nodes.push(el('p', { className: 'muted', text: gate.champion_note }));
    function checksTable(checks, id) {
      return table(['Scope', 'Rows', 'Metric', 'Rule', 'Candidate', 'Champion', 'Threshold', 'Outcome'], checks.map(function (check) {
        return { cells: [check.scope, String(check.rows), check.metric, check.rule, fmt(check.candidate), fmt(check.champion), fmt(check.threshold),
          { node: document.createTextNode(check.outcome + (check.note ? ': ' + check.note : '')), className: check.outcome === 'fail' ? 'drifted' : check.outcome === 'pass' ? 'ok' : 'muted' }] };
      }), { id: id, numeric: [false, true, false, false, true, true, true, false] });
    }
    /* Rules that can reject come first; report-only comparisons fold away. */
    var gated = gate.checks.filter(function (check) { return check.rule !== 'report_only' || check.outcome === 'fail'; });
    var reported = gate.checks.filter(function (check) { return gated.indexOf(check) < 0; });
    if (gated.length > 0) nodes.push(checksTable(gated, 'gate-checks'));
    if (reported.length > 0) {
      nodes.push(el('details', { id: 'gate-reported' }, [el('summary', { text: reported.length + ' more comparisons, reported only' }), checksTable(reported, 'gate-reported-checks')]));
    }
    replaceBody('gate-body', nodes);
  }

  function renderHistory(history) {
    var metric = history.primary_metric;
    var nodes = [];
    var versions = history.versions.slice();
    if (versions.length === 0) {
      replaceBody('history-body', [el('p', { className: 'muted', text: 'No versions registered yet.' })]);
      return;
    }
    nodes.push(el('p', { className: 'muted', text: versions.length + ' version' + (versions.length === 1 ? '' : 's') + ' registered; champion ' + (history.champion || 'none') + (history.served ? '; this server answers with ' + history.served : '') + '.' }));
    nodes.push(chartBox('trend-chart', metric + ' of every registered version, oldest first; the champion is the larger point'));
    nodes.push(table(['Version', 'Status', 'Registered', metric, 'Gate', 'Data sha256', 'Commit', 'Parent'], versions.slice().reverse().map(function (v) {
      var classes = [];
      if (v.version === history.champion) classes.push('is-champion');
      if (v.version === history.served) classes.push('is-served');
      var status = v.status + (v.version === history.served ? ' · served' : '');
      return {
        cells: [v.version, { node: document.createTextNode(status), className: 'status-' + v.status }, when(v.created_at), fmt(v.primary_value), v.gate_passed ? 'passed' : 'forced', shortHash(v.data_sha256), shortHash(v.commit, 8), v.parent_version || '–'],
        className: classes.join(' '),
        attrs: { 'data-version': v.version },
      };
    }), { caption: 'Registered versions, newest first', id: 'versions-table', numeric: [false, false, false, true] }));

    var runs = history.experiments.slice().sort(function (a, b) { return Date.parse(a.started_at) - Date.parse(b.started_at); });
    var counts = {};
    runs.forEach(function (run) { counts[run.status] = (counts[run.status] || 0) + 1; });
    nodes.push(el('h3', { text: 'Runs' }));
    nodes.push(el('p', { className: 'muted', text: runs.length + ' pipeline run' + (runs.length === 1 ? '' : 's') + ': ' + (Object.keys(counts).map(function (s) { return counts[s] + ' ' + s; }).join(', ') || 'none') + '.' }));
    if (runs.some(function (run) { return typeof run.primary_value === 'number'; })) {
      nodes.push(chartBox('runs-chart', metric + ' of every pipeline run in time order, coloured by outcome (promoted, registered, rejected)', true));
    }
    var listed = runs.slice(-MAX_RUNS_LISTED).reverse();
    nodes.push(table(['Run', 'Started', 'Status', 'Version', metric, 'Gate', 'Backend'], listed.map(function (run) {
      return {
        cells: [code(run.run_id), when(run.started_at), { node: document.createTextNode(run.status), className: 'status-' + run.status }, run.version || '–', fmt(run.primary_value), run.gate_summary || run.error || '–', run.backend || '–'],
        attrs: { 'data-run': run.run_id, 'data-status': run.status },
      };
    }), { caption: runs.length > MAX_RUNS_LISTED ? 'Newest ' + MAX_RUNS_LISTED + ' of ' + runs.length + ' runs (all: npx mlops experiments --limit ' + runs.length + ')' : 'Every run, newest first', id: 'runs-table', numeric: [false, false, false, false, true] }));

    if (history.alias_history.length > 0) {
      nodes.push(el('h3', { text: 'Champion moves' }));
      nodes.push(table(['When', 'From', 'To', 'Why'], history.alias_history.slice().reverse().map(function (move) {
        return [when(move.at), move.from || '–', move.to, move.reason];
      }), { id: 'alias-history' }));
    }
    replaceBody('history-body', nodes);

    pendingCharts.push(function () {
      var points = versions.map(function (v) { return typeof v.metrics[metric] === 'number' ? v.metrics[metric] : v.primary_value; });
      var accent = cssColor('--accent');
      var champion = cssColor('--champion');
      var options = baseOptions(metric, niceRange(points, metric));
      options.plugins.legend.display = false;
      drawChart('trend-chart', {
        type: 'line',
        data: {
          labels: versions.map(function (v) { return v.version + (v.version === history.champion ? ' ★' : ''); }),
          datasets: [{
            label: metric,
            data: points,
            borderColor: accent,
            backgroundColor: versions.map(function (v) { return v.version === history.champion ? champion : accent; }),
            pointRadius: versions.map(function (v) { return v.version === history.champion ? 8 : 4; }),
            pointStyle: versions.map(function (v) { return v.version === history.champion ? 'rectRot' : 'circle'; }),
            spanGaps: true,
          }],
        },
        options: options,
      });
      if (!document.getElementById('runs-chart')) return;
      var statusColors = { promoted: champion, registered: accent, unchanged: cssColor('--muted'), rejected: cssColor('--bad'), failed: cssColor('--warn') };
      var labels = runs.map(function (run) { return when(run.started_at).slice(5, 19); });
      var datasets = Object.keys(statusColors).filter(function (status) { return counts[status]; }).map(function (status) {
        return {
          label: status,
          data: runs.map(function (run) { return run.status === status && typeof run.primary_value === 'number' ? run.primary_value : null; }),
          showLine: false,
          pointRadius: 5,
          pointStyle: status === 'rejected' ? 'crossRot' : 'circle',
          borderColor: statusColors[status],
          backgroundColor: statusColors[status],
          borderWidth: status === 'rejected' ? 2 : 1,
        };
      });
      drawChart('runs-chart', {
        type: 'line',
        data: { labels: labels, datasets: datasets },
        options: baseOptions(metric, niceRange(runs.map(function (run) { return run.primary_value; }), metric)),
      });
    });
  }

  function renderRollback(model, history) {
    var target = null;
    for (var i = history.alias_history.length - 1; i >= 0 && target === null; i--) {
      var move = history.alias_history[i];
      if (move.to === history.champion && move.from) target = move.from;
    }
    if (target === null) {
      var earlier = history.versions.filter(function (v) { return v.version !== history.champion && v.status === 'archived'; });
      if (earlier.length > 0) target = earlier[earlier.length - 1].version;
    }
    var nodes = [];
    if (target === null) {
      nodes.push(el('p', { text: 'There is no earlier champion to roll back to yet. Once a second version has been promoted, this section names it.' }));
      nodes.push(el('p', { className: 'muted', text: 'The commands, for any registered version:' }));
      target = '<version>';
    } else {
      nodes.push(el('p', {}, ['The previous champion is ', el('strong', { id: 'rollback-target', text: target }), '. To serve it again:']));
    }
    nodes.push(el('p', { text: 'Locally, or on the machine that runs the server (the running server follows the registry’s champion):' }));
    nodes.push(el('pre', {}, [el('code', { id: 'rollback-command', text: 'npx mlops rollback ' + target })]));
    nodes.push(el('p', { text: 'On GitHub, re-deploy the release tag with the deploy workflow (Actions → Deploy → Run workflow), or with the GitHub CLI:' }));
    nodes.push(el('pre', {}, [el('code', { id: 'deploy-command', text: 'gh workflow run ' + DEPLOY_WORKFLOW + ' -f version=v' + target })]));
    var archived = history.versions.filter(function (v) { return v.version !== model.version; }).map(function (v) { return v.version; });
    if (archived.length > 0) nodes.push(el('p', { className: 'muted', text: 'Other registered versions: ' + archived.join(', ') + '.' }));
    replaceBody('rollback-body', nodes);
  }

  /* ---------- Live monitoring (only when served) ---------- */

  function tile(label, value, id) {
    return el('div', { className: 'tile' }, [el('div', { className: 'label', text: label }), el('div', { className: 'value', id: id, text: value })]);
  }

  function renderMonitoring(stats, monitoring, problems) {
    var nodes = [];
    problems.forEach(function (problem) { nodes.push(el('p', { className: 'notice error', text: problem })); });
    if (stats) {
      nodes.push(el('div', { className: 'tiles', id: 'live-tiles' }, [
        tile('Requests / s (last minute)', fmt(stats.request_rate, 2), 'request-rate'),
        tile('Requests since start', String(stats.requests_total), 'requests-total'),
        tile('Errors', String(stats.errors_total), 'errors-total'),
        tile('Latency p50', stats.latency_ms.p50 === null ? '–' : fmt(stats.latency_ms.p50, 1) + ' ms', 'latency-p50'),
        tile('Latency p90', stats.latency_ms.p90 === null ? '–' : fmt(stats.latency_ms.p90, 1) + ' ms', 'latency-p90'),
        tile('Latency p99', stats.latency_ms.p99 === null ? '–' : fmt(stats.latency_ms.p99, 1) + ' ms', 'latency-p99'),
      ]));
      if (stats.history.length > 0) nodes.push(chartBox('traffic-chart', 'Requests and p99 latency per minute', true));
    }
    if (monitoring) {
      var t = monitoring.thresholds;
      nodes.push(el('h3', { text: 'Drift against the training profile' }));
      nodes.push(el('p', { className: 'muted', text: 'Since ' + when(monitoring.window.started_at) + ': ' + monitoring.window.requests + ' requests, ' + monitoring.window.instances +
        ' instances. Thresholds (dashed lines): PSI ' + t.psi + ', Jensen–Shannon ' + t.js + ', L∞ ' + t.linf + '; a feature is judged from ' + t.min_samples + ' values on.' }));
      if (monitoring.alerts.length > 0) {
        nodes.push(el('ul', { className: 'alerts', id: 'drift-alerts' }, monitoring.alerts.map(function (alert) { return el('li', { text: alert }); })));
      }
      nodes.push(table(['Feature', 'Type', 'Values', 'Missing', 'PSI', 'JS', 'L∞', 'Unknown values', 'Drift'], monitoring.features.map(function (f) {
        function score(value, limit) {
          if (typeof value !== 'number') return '–';
          return { node: intervalNode(value, null, { min: 0, max: Math.max(limit * 2, value) }, { width: 70, limit: limit, digits: 4 }), className: value > limit ? 'drifted' : '' };
        }
        var verdict = f.count < t.min_samples ? 'too few values' : f.drifted ? 'drifted' : 'ok';
        return {
          cells: [code(f.name), f.type, String(f.count), pct(f.missing_rate), score(f.psi, t.psi), score(f.js, t.js), score(f.linf, t.linf),
            typeof f.out_of_vocabulary_rate === 'number' ? pct(f.out_of_vocabulary_rate) : '–',
            { node: document.createTextNode(verdict), className: f.drifted ? 'drifted' : verdict === 'ok' ? 'ok' : 'muted' }],
          attrs: { 'data-feature': f.name },
        };
      }), { id: 'drift-table', numeric: [false, false, true, true] }));
      var distribution = monitoring.predictions.distribution;
      var keys = Object.keys(distribution);
      if (keys.length > 0) {
        nodes.push(el('p', { className: 'muted', text: 'Predictions (' + monitoring.predictions.count + '): ' + keys.map(function (k) { return k + ' ' + fmt(distribution[k]); }).join(', ') }));
      }
    }
    replaceBody('monitoring-body', nodes);
    if (stats && stats.history.length > 0) {
      var options = baseOptions('requests / minute');
      options.scales.y2 = { position: 'right', title: { display: true, text: 'p99 ms', color: cssColor('--text') }, ticks: { color: cssColor('--text') }, grid: { drawOnChartArea: false } };
      drawChart('traffic-chart', {
        type: 'bar',
        data: {
          labels: stats.history.map(function (point) { return when(point.at).slice(11, 16); }),
          datasets: [
            { type: 'bar', label: 'requests', data: stats.history.map(function (p) { return p.requests; }), backgroundColor: withAlpha(cssColor('--accent'), 0.55) },
            { type: 'bar', label: 'errors', data: stats.history.map(function (p) { return p.errors; }), backgroundColor: withAlpha(cssColor('--bad'), 0.7) },
            { type: 'line', label: 'p99 ms', yAxisID: 'y2', data: stats.history.map(function (p) { return p.p99_ms; }), borderColor: cssColor('--warn'), backgroundColor: cssColor('--warn'), spanGaps: true },
          ],
        },
        options: options,
      });
    }
  }

  function fetchJson(path) {
    return fetch(path, { cache: 'no-store', headers: { accept: 'application/json' } }).then(function (response) {
      if (!response.ok) throw new Error(path + ' answered HTTP ' + response.status);
      return response.json();
    });
  }

  function refreshLive() {
    var problems = [];
    return Promise.all([
      fetchJson(PATHS.stats).catch(function (error) { problems.push('Traffic numbers unavailable: ' + error.message); return null; }),
      fetchJson(PATHS.monitoring).catch(function (error) { problems.push('Drift numbers unavailable: ' + error.message); return null; }),
    ]).then(function (results) {
      renderMonitoring(results[0], results[1], problems);
      document.getElementById('monitoring').setAttribute('data-live', 'true');
    });
  }

  /* ---------- Start ---------- */

  var pendingCharts = [];

  function drawPendingCharts() {
    var queue = pendingCharts;
    pendingCharts = [];
    queue.forEach(function (draw) {
      try {
        draw();
      } catch (error) {
        showError('A chart could not be drawn: ' + error.message);
      }
    });
  }

  function load() {
    var embedded = window.MLOPS_REPORT;
    if (embedded && embedded.model && embedded.versions) return Promise.resolve([embedded.model, embedded.versions]);
    return Promise.all([fetchJson(PATHS.model), fetchJson(PATHS.versions)]);
  }

  function start() {
    load().then(function (data) {
      var model = data[0];
      var history = data[1];
      var isStatic = history.served === null;
      var steps = [
        function () { renderHeader(model, history, isStatic); },
        function () { renderServed(model, history); },
        function () { renderMetrics(model); },
        function () { renderGate(model); },
        function () { renderHistory(history); },
        function () { renderRollback(model, history); },
      ];
      steps.forEach(function (step) {
        try {
          step();
        } catch (error) {
          showError('Part of the dashboard could not be shown: ' + error.message);
        }
      });
      drawPendingCharts();
      document.getElementById('footer').textContent = (isStatic ? 'Static report generated by mlops report, ' : 'Served by mlops serve, data as of ') + when(history.generated_at) + '.';
      if (isStatic) {
        replaceBody('monitoring-body', [el('p', { className: 'notice', id: 'monitoring-static' }, ['Live monitoring appears when served by ', code('mlops serve'), '.'])]);
        return null;
      }
      return refreshLive().then(function () {
        window.setInterval(refreshLive, LIVE_REFRESH_MS);
      });
    }).catch(function (error) {
      showError('The dashboard could not load the model data: ' + error.message);
    }).then(function () {
      document.getElementById('main').setAttribute('aria-busy', 'false');
      document.documentElement.setAttribute('data-dashboard', 'ready');
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
`;
