import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { composeVersionCard } from '../../src/cards/version-card.js';
import { validateModelCard } from '../../src/cards/model-card.js';
import { buildRunInputs } from '../registry/fixtures/model-inputs.js';

/** The example card shipped in docs/examples (a real run; see its README). */
const exampleDir = new URL('../../docs/examples/', import.meta.url);
const exampleJson: unknown = JSON.parse(readFileSync(new URL('model-card.example.json', exampleDir), 'utf8'));
const exampleMarkdown = readFileSync(new URL('model-card.example.md', exampleDir), 'utf8');

/** The card of a binary classifier with a parent and a trend, as the example is. */
function freshCard() {
  const inputs = buildRunInputs({ runId: 'run-example' });
  const lineage = { ...inputs.lineage, parent_version: '1.0.0' };
  const parent = { version: '1.0.0', lineage: buildRunInputs({ dataVersion: 'telco-churn v0' }).lineage };
  return composeVersionCard({ ...inputs, lineage, version: '1.1.0', parent, history: [{ version: '1.0.0', value: 0.8 }] });
}

/** Section headings, with the slice column of "By <column>" left out (the fixture slices other columns), each once. */
const headings = (markdown: string) => [
  ...new Set(markdown.split('\n').filter((line) => /^#{2,3} /.test(line)).map((line) => line.replace(/^### By .+$/, '### By <column>'))),
];
const lineageFields = (markdown: string) => {
  const section = markdown.split('## Lineage')[1]!.split('\n## ')[0]!;
  return section.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| ---')).map((line) => line.split(' | ')[0]);
};

describe('the example model card in docs/examples', () => {
  test('its JSON is valid against the MCT v0.0.2 schema, and is the card of the Markdown', () => {
    expect(validateModelCard(exampleJson)).toEqual({ valid: true, errors: [] });
    const card = exampleJson as { model_details: { name: string; version: { name: string } } };
    expect(exampleMarkdown.split('\n')[0]).toBe(`# Model card: ${card.model_details.name} ${card.model_details.version.name}`);
  });

  test('has the sections and lineage fields today’s cards have', () => {
    const { card, markdown } = freshCard();
    // The fixture's evaluation has no confusion matrix or calibration: the example may have more sections, in order.
    const fresh = headings(markdown);
    expect(headings(exampleMarkdown).filter((heading) => fresh.includes(heading))).toEqual(fresh);
    expect(lineageFields(exampleMarkdown)).toEqual(lineageFields(markdown));
    expect(Object.keys(exampleJson as object).sort()).toEqual(Object.keys(card).sort());
  });
});
