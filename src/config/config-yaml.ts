import { Document, isMap, isScalar, isSeq, type Node, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import type { MlopsConfigInput } from './schema.js';

/**
 * A config as commented YAML: what `mlops init` writes (src/data/infer-config.ts infers the
 * values; this module only renders them with the notes that explain them).
 */

/** What inference decided and why, for the comments of the written file. */
export interface InferenceNotes {
  /** The data file as written in `data.path`. */
  source: string;
  rows: number;
  columns: number;
  /** When the file was read (ISO 8601). */
  inferredAt: string;
  /** Ignored column → why it is ignored. */
  ignored: Record<string, string>;
  /** How the task and its labels were chosen. */
  task: string;
  /** How the slices were chosen. */
  slices: string;
  /** What the gate rules mean. */
  gate: string;
  /** Things the user should look at (they become comments at the top of the file). */
  warnings: string[];
  /** How the file's decimal mark (`data.decimal`) was decided. */
  decimal?: string;
  /** Feature → how its type, format or vocabulary was decided (dates, number formats, top K). */
  features?: Record<string, string>;
  /** Why `split.key_columns` is what it is (or absent). */
  keyColumns?: string;
  /** Why `split.time_column` is what it is (or absent). */
  timeColumn?: string;
}

/** Strings YAML 1.1 tools would read as booleans; quoted so that every reader sees text. */
const yaml11Booleans = /^(y|yes|n|no|true|false|on|off)$/i;

function quoteAmbiguous(node: unknown): void {
  if (isScalar(node)) {
    if (typeof node.value === 'string' && yaml11Booleans.test(node.value)) node.type = 'QUOTE_DOUBLE';
  } else if (isSeq(node)) {
    for (const item of node.items) quoteAmbiguous(item);
  } else if (isMap(node)) {
    for (const pair of node.items) quoteAmbiguous(pair.value);
  }
}

function keyPair(map: YAMLMap, key: string): Pair<Scalar, Node> | undefined {
  return map.items.find((pair) => isScalar(pair.key) && pair.key.value === key) as Pair<Scalar, Node> | undefined;
}

/** Comment lines for YAML (the package adds the `#`), wrapped at about 96 columns. */
function commentLines(...paragraphs: string[]): string {
  const lines: string[] = [];
  for (const paragraph of paragraphs) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      if (line && line.length + word.length + 1 > 96) {
        lines.push(` ${line}`);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(` ${line}`);
  }
  return lines.join('\n');
}

/**
 * Renders an inferred config as YAML with comments that explain each section: what its keys
 * mean and, for the inferred parts, that they were inferred when, from which file, from how many
 * rows, and by which rule. Values YAML could misread (column names like `null` or `123`,
 * `yes`/`no` labels) are quoted.
 */
export function renderConfigYaml(config: MlopsConfigInput, notes: InferenceNotes): string {
  const document = new Document(config);
  const root = document.contents as YAMLMap;
  quoteAmbiguous(root);
  const date = notes.inferredAt.slice(0, 10);
  const rows = notes.rows.toLocaleString('en-US');
  document.commentBefore = commentLines(
    'mlops.config.yaml: what to train on and how to judge the result. Every key is documented in src/config/schema.ts.',
    `Written by \`mlops init\` on ${date} from ${notes.source} (${rows} rows, ${notes.columns} columns). The types, vocabularies and ranges below were inferred from that file: edit them freely, then check with \`mlops validate\`.`,
    ...notes.warnings.map((warning) => `WARNING: ${warning}`),
  );
  const comment = (key: string, text: string, spaceBefore = true) => {
    const pair = keyPair(root, key);
    if (!pair) return;
    pair.key.commentBefore = text;
    pair.key.spaceBefore = spaceBefore;
  };
  comment('name', commentLines('Names the model in model cards, releases and container images.'), false);
  comment(
    'data',
    commentLines(
      'The training data. path is relative to this file; missing_values are the cells that mean "missing" (compared after trimming spaces when trim is true); ignore_columns are in the file but not used.',
    ),
  );
  const data = root.get('data', true);
  if (isMap(data)) {
    const decimal = keyPair(data, 'decimal');
    if (decimal && notes.decimal) decimal.key.commentBefore = commentLines(`The decimal mark of the file's numbers: ${notes.decimal}.`);
    const ignoredList = data.get('ignore_columns', true);
    if (isSeq(ignoredList)) {
      for (const item of (ignoredList as YAMLSeq).items) {
        if (isScalar(item) && typeof item.value === 'string' && notes.ignored[item.value]) item.comment = ` ${notes.ignored[item.value]}`;
      }
    }
  }
  comment('task', commentLines(`The task: ${notes.task}`));
  comment(
    'features',
    commentLines(
      `The model's inputs, inferred on ${date} from ${notes.source} with ${rows} rows (like TFDV's schema inference): a column is datetime when 99% of its values are dates in one layout, numeric when 99% are numbers in one format, categorical otherwise.`,
      'numeric: min and max are the range seen (values outside are domain warnings in validation); integer and missing_fraction describe what was seen.',
      'categorical: the vocabulary is every value seen, most frequent first; other values are domain warnings and use an out-of-vocabulary input. With top_k, a high-cardinality column keeps its most frequent values (on the training split) and the rest share the out-of-vocabulary input.',
      'datetime: never one-hot; the model reads the calendar parts listed (and an age in days with age: { column } or age: { time }). format says how the dates are written.',
      'A numeric format says how the column writes its numbers when that is not plain 1234.5 (thousands separators, percent signs, currencies).',
    ),
  );
  const features = root.get('features', true);
  if (isSeq(features) && notes.features) {
    for (const item of (features as YAMLSeq).items) {
      if (!isMap(item)) continue;
      const name = item.get('name');
      const note = typeof name === 'string' ? notes.features[name] : undefined;
      if (note) item.commentBefore = commentLines(`${name}: ${note}.`);
    }
  }
  comment('slices', commentLines('Columns whose values define slices: metrics and gate rules are reported for each value.', notes.slices));
  comment(
    'split',
    commentLines(
      "Without time_column, each row goes to a split by a seeded hash of its key, so the split does not depend on row order. A row's key is its key_columns, or every column but the ignored ones: it is also how a later gate recognises the rows this model trained on.",
      ...(notes.keyColumns ? [`key_columns: ${notes.keyColumns}.`] : []),
      ...(notes.timeColumn ? [`time_column: ${notes.timeColumn}.`] : []),
    ),
  );
  comment(
    'validation',
    commentLines(
      "What `mlops validate` rejects: more missing cells than max_missing_fraction in a column, fewer than min_rows valid rows. domain_violations: warning or error for values outside a feature's range or vocabulary. leakage: warning, error or off for a feature that alone predicts the target almost perfectly on the training split, or is present only for one class.",
    ),
  );
  comment(
    'model',
    commentLines(
      'The network: wide & deep (hidden dense layers beside a linear path from the inputs), trained with Adam, reduce-on-plateau and early stopping on the primary metric of the validation split; the defaults, spelled out to tune. kind: linear | mlp | wide_deep.',
    ),
  );
  comment('gate', commentLines('When a candidate model may replace the champion.', notes.gate));
  comment('registry', commentLines('Where model versions are stored (gitignored).'));
  return document.toString({ lineWidth: 0 });
}
