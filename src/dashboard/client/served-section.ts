import { formatNumber, missingValue, shortHash } from '../../core/number-format.js';
import { chartRange } from '../../evaluation/chart-range.js';
import type { ModelInfo, VersionHistory } from '../../serving/api-schema.js';
import { baseOptions, chartBox, cssColor, drawChart, queueChart } from './charts.js';
import { byId, code, el, formatWhen, replaceBody, table, tile } from './dom.js';

/** The page title and header: model, version, champion and gate badges, where the data comes from. */
export function renderHeader(model: ModelInfo, history: VersionHistory, isStatic: boolean): void {
  document.title = `${model.name} ${model.version} · model dashboard`;
  const badges = el('span', { className: 'badges' }, [
    model.champion
      ? el('span', { className: 'badge champion', text: 'champion' })
      : el('span', { className: 'badge warn', text: `not the champion${history.champion ? ` (champion is ${history.champion})` : ''}` }),
    el('span', { className: 'badge', text: model.evaluation.task }),
    el('span', { className: model.gate.passed ? 'badge good' : 'badge bad', text: model.gate.passed ? 'gate passed' : 'gate rejected' }),
  ]);
  byId('title').replaceChildren(`${model.name} `, el('span', { id: 'served-version', text: model.version }), badges);
  byId('subtitle').textContent = isStatic
    ? `Static report of the registry: ${model.champion ? 'the champion' : 'the newest version'}, generated ${formatWhen(history.generated_at)}.`
    : `Served by this server since ${formatWhen(model.loaded_at)}.`;
}

/** Lineage facts, the request contract and the at-a-glance tiles and trend. */
export function renderServed(model: ModelInfo, history: VersionHistory): void {
  const { lineage } = model;
  const facts = el('dl', { className: 'facts', id: 'lineage' });
  const fact = (name: string, value: Node | string): void => {
    facts.append(el('dt', { text: name }), el('dd', {}, [value]));
  };
  const { dataset, training } = lineage;
  fact('Version', el('span', {}, [code(model.version), ` (${lineage.parent_version ? `parent ${lineage.parent_version}` : 'first version'})`]));
  fact('Run', code(lineage.run_id));
  fact('Trained', formatWhen(lineage.created_at));
  // The run's reason is untrusted text: it goes in as text, never as markup.
  if (lineage.trigger) fact('Trained because', el('span', { id: 'trained-because', text: `${lineage.trigger.reason}${lineage.trigger.event ? ` (GitHub event: ${lineage.trigger.event})` : ''}` }));
  fact(
    'Dataset',
    el('span', {}, [
      code(dataset.path),
      ` · ${dataset.rows} rows (${dataset.valid_rows} valid) · ${dataset.train_rows} train / ${dataset.validation_rows} validation / ${dataset.test_rows} test`,
    ]),
  );
  fact('Data sha256', el('code', { id: 'data-sha256', text: dataset.sha256 }));
  const source = lineage.code;
  const state = source.dirty === true ? ' (uncommitted changes)' : source.dirty === false ? ' (clean)' : '';
  fact('Commit', source.commit === null ? 'unknown (not a git checkout)' : el('span', {}, [code(source.commit), state, source.branch ? ` on ${source.branch}` : '']));
  fact('Config', el('span', {}, [code(lineage.config.path), ' sha256 ', code(shortHash(lineage.config.sha256, 16))]));
  fact('Backend', `${training.backend} (tfjs ${training.tfjs_version}, Node.js ${training.node_version}, ${training.platform})`);
  fact('Training', `${training.epochs_run} epochs, best ${training.best_epoch}, ${Math.round(training.duration_ms)} ms`);
  fact('Parent version', lineage.parent_version ?? `${missingValue} (first version)`);
  if (lineage.run_url && /^https?:\/\//.test(lineage.run_url)) {
    fact('CI run', el('a', { text: lineage.run_url, attrs: { href: lineage.run_url, rel: 'noopener noreferrer' } }));
  }
  const features = table(
    ['Feature', 'Type', 'Accepts missing', 'Domain'],
    model.features.map((feature) => {
      const plain = { trimZeros: true };
      const domain =
        feature.type === 'categorical'
          ? (feature.vocabulary ?? []).join(', ')
          : feature.min !== undefined || feature.max !== undefined
            ? `${formatNumber(feature.min, plain)} … ${formatNumber(feature.max, plain)}`
            : '';
      return [code(feature.name), feature.type, feature.nullable ? 'yes' : 'no', domain];
    }),
    { caption: 'Inputs (POST /predict takes {"instances": [{…}]})', id: 'features-table' },
  );
  const inputs = el('details', { id: 'inputs' }, [el('summary', { text: `Inputs: ${model.features.length} features (the request contract)` }), features]);
  replaceBody('served-body', [el('div', { className: 'grid-2' }, [el('div', {}, [facts, inputs]), glance(model, history)])]);
}

/** The first screen's summary: the primary metric with its interval, and its trend across versions. */
function glance(model: ModelInfo, history: VersionHistory): HTMLElement {
  const primary = model.gate.primary_metric;
  const { overall, confidence } = model.evaluation;
  const interval = overall.intervals[primary];
  const champion = history.versions.find((v) => v.version === history.champion);
  const tiles = el('div', { className: 'tiles' }, [
    tile(`${primary} (test)`, formatNumber(overall.metrics[primary]), 'glance-metric'),
    tile(`${Math.round(confidence * 100)}% interval`, interval ? `${formatNumber(interval.low)} – ${formatNumber(interval.high)}` : missingValue, 'glance-interval'),
    tile('Versions', `${history.versions.length}${champion ? ` · champion ${champion.version}` : ''}`, 'glance-versions'),
  ]);
  const points = history.versions.filter((v) => typeof v.metrics[primary] === 'number');
  if (points.length > 0) {
    queueChart(() => {
      const values = points.map((v) => v.metrics[primary]!);
      drawChart('glance-chart', {
        type: 'line',
        data: {
          labels: points.map((v) => v.version),
          datasets: [
            {
              label: primary,
              data: values,
              borderColor: cssColor('--accent'),
              backgroundColor: points.map((v) => (v.version === model.version ? cssColor('--champion') : cssColor('--accent'))),
              pointRadius: points.map((v) => (v.version === model.version ? 7 : 4)),
            },
          ],
        },
        options: baseOptions(primary, chartRange(values, primary), false),
      });
    });
  }
  return el('div', { id: 'glance' }, [
    el('h3', { text: 'At a glance' }),
    tiles,
    points.length > 0 ? chartBox('glance-chart', `${primary} across registered versions; this version is the larger point`, true) : null,
  ]);
}
