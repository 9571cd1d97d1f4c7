import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterEach, describe, expect, test } from 'vitest';
import { createProject, defaultConfigText, mlopsBin, stackTraceLine } from '../helpers/project.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts `mlops start --port 0` and resolves with the URL once it serves. */
function start(cwd: string): Promise<{ child: ChildProcess; url: string; stderr: () => string; exit: Promise<number | null> }> {
  const child = spawn(process.execPath, [mlopsBin, 'start', '--port', '0'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mlops start did not serve within 100 s:\n${stderr}`)), 100_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /Serving \S+ \S+ at (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, stderr: () => stderr, exit });
      }
    });
    void exit.then((code) => reject(new Error(`mlops start exited ${code} before serving:\n${stderr}`)));
  });
}

const customer = {
  female: 1, senior_citizen: 0, partner: 1, dependents: 0, tenure: 1, phone_service: 0, multiple_lines: 'No phone service',
  internet_service: 'DSL', online_security: 'No', online_backup: 'Yes', device_protection: 'No', tech_support: 'No',
  streaming_tv: 'No', streaming_movies: 'No', contract: 'Month-to-month', paperless_billing: 1, payment_method: 'Electronic check',
  monthly_charges: 29.85, total_charges: 29.85,
};

describe('mlops start (npm start)', () => {
  test('runs the whole loop on a fresh project, serves predictions, and serves the champion when a later run is rejected', async () => {
    const project = createProject({ 'mlops.config.yaml': defaultConfigText(), 'data/telco-churn.csv': { copy: 'data/telco-churn.csv' } }, { git: true });
    const first = await start(project);
    const response = await fetch(`${first.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: [customer] }) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { predictions: { label: string; probability: number }[]; model_version: string };
    expect(body.model_version).toBe('1.0.0');
    expect(['Yes', 'No']).toContain(body.predictions[0]!.label);
    expect((await fetch(`${first.url}/`)).status).toBe(200);
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);

    // The next run is rejected by a stricter gate: the champion keeps serving, and the reason is printed.
    const config = parse(defaultConfigText());
    config.gate.overall.auc.min = 0.99;
    writeFileSync(join(project, 'mlops.config.yaml'), stringify(config));
    const second = await start(project);
    expect(second.stderr()).toMatch(/Rejected: .*auc/);
    expect(second.stderr()).toMatch(/The pipeline registered no new version \(exit 4\); serving the champion 1\.0\.0\./);
    expect(second.stderr()).not.toMatch(stackTraceLine);
    const model = (await (await fetch(`${second.url}/model`)).json()) as { version: string };
    expect(model.version).toBe('1.0.0');
    second.child.kill('SIGTERM');
    expect(await second.exit).toBe(0);
  });
});
