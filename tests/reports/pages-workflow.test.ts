import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { expect, test } from 'vitest';
import { repoRoot } from '../helpers/project.js';
import { actionlint, securityProblems } from '../workflows/workflow-rules.js';

const path = join(repoRoot, '.github/workflows/pages.yml');
const text = readFileSync(path, 'utf8');
const workflow = parse(text) as any;

test('pages.yml lints clean and follows the security rules (pinned actions, no expressions in run)', async () => {
  expect(await actionlint(text, 'pages.yml')).toEqual([]);
  expect(securityProblems(text)).toEqual([]);
});

test('publishes by hand, or when the retrain workflow calls it with a registry artifact (not on every release event)', () => {
  expect(workflow.on).not.toHaveProperty('release');
  expect(workflow.on).toHaveProperty('workflow_dispatch');
  expect(workflow.on.workflow_call.inputs['registry-artifact']).toMatchObject({ type: 'string', required: false, default: '' });
  expect(workflow.concurrency).toEqual({ group: 'pages', 'cancel-in-progress': false });
});

test('least privilege: nothing by default, read to build, pages and id-token only to deploy', () => {
  expect(workflow.permissions).toEqual({});
  expect(workflow.jobs.build.permissions).toEqual({ contents: 'read', pages: 'read' });
  expect(workflow.jobs.deploy.permissions).toEqual({ 'pages': 'write', 'id-token': 'write' });
  expect(workflow.jobs.deploy.environment.name).toBe('github-pages');
});

test('builds the site with `mlops report` and uploads exactly that folder', () => {
  const steps = workflow.jobs.build.steps as { uses?: string; run?: string; with?: Record<string, string>; if?: string }[];
  const report = steps.findIndex((step) => step.run === 'node bin/mlops.js report --out _site');
  const upload = steps.findIndex((step) => step.uses?.startsWith('actions/upload-pages-artifact@'));
  expect(report).toBeGreaterThan(0);
  expect(upload).toBeGreaterThan(report);
  expect(steps[upload]!.with).toEqual({ path: '_site' });
  // The registry comes from the caller's artifact, or the pipeline rebuilds it: exactly one of them runs.
  const download = steps.find((step) => step.uses?.startsWith('actions/download-artifact@'))!;
  const rebuild = steps.find((step) => step.run === 'npm run pipeline')!;
  expect([download.if, rebuild.if]).toEqual(['inputs.registry-artifact', '${{ !inputs.registry-artifact }}']);
  expect(download.with).toEqual({ name: '${{ inputs.registry-artifact }}', path: '.mlops/registry' });
  expect(workflow.jobs.deploy.steps[0].uses).toMatch(/^actions\/deploy-pages@[0-9a-f]{40}$/);
});
