import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { composeVersionCard, modelCardSchema } from '../../src/cards/version-card.js';
import { validateModelCard } from '../../src/cards/model-card.js';
import { describeJsonFileProblem, readJsonFile } from '../../src/core/json-file.js';
import { buildRunInputs } from '../registry/fixtures/model-inputs.js';

function composed() {
  const inputs = buildRunInputs({ runId: 'run-card' });
  const lineage = { ...inputs.lineage, parent_version: '1.0.0' };
  const parent = { version: '1.0.0', lineage: buildRunInputs({ dataVersion: 'telco-churn v0' }).lineage };
  return composeVersionCard({ ...inputs, lineage, version: '1.1.0', parent, history: [{ version: '1.0.0', value: 0.8 }] });
}

describe('composeVersionCard', () => {
  test('gives a card valid against MCT v0.0.2 and its Markdown, with the trend of earlier versions', () => {
    const { card, markdown } = composed();
    expect(validateModelCard(card)).toEqual({ valid: true, errors: [] });
    expect(card.model_details.version.name).toBe('1.1.0');
    expect(markdown).toMatch(/^# Model card: .+ 1\.1\.0/);
    expect(markdown).toContain('1.0.0');
  });
});

describe('modelCardSchema (reading a stored card.json)', () => {
  const toError = (problem: Parameters<typeof describeJsonFileProblem>[0]) => new Error(describeJsonFileProblem(problem));

  test('a card as written reads back as the same card', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'card-'));
    try {
      const { card } = composed();
      await writeFile(join(dir, 'card.json'), JSON.stringify(card));
      expect(await readJsonFile(join(dir, 'card.json'), modelCardSchema, toError)).toEqual(card);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test.each([
    ['an unknown top-level key', (card: Record<string, unknown>) => ({ ...card, extra: true }), /\(card\) must NOT have additional properties 'extra'/],
    ['a metric value that is a number', (card: Record<string, unknown>) => {
      const copy = structuredClone(card) as { quantitative_analysis: { performance_metrics: { value: unknown }[] } };
      copy.quantitative_analysis.performance_metrics[0]!.value = 0.8;
      return copy;
    }, /performance_metrics\/0\/value must be string/],
    ['not an object', () => [], /\(card\) must be object/],
  ])('refuses %s, one issue per schema violation', (_name, damage, message) => {
    const parsed = modelCardSchema.safeParse(damage(composed().card as unknown as Record<string, unknown>));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message).join('\n')).toMatch(message);
  });
});
