import { resolve } from 'node:path';
import { z } from 'zod';
import { evaluateStep } from '../../pipeline/evaluate-step.js';
import { runPipeline } from '../../pipeline/pipeline.js';
import { registerStep } from '../../pipeline/register-step.js';
import { openStepContext, type StepContext } from '../../pipeline/step-context.js';
import { trainStep } from '../../pipeline/train-step.js';
import { validateStep } from '../../pipeline/validate-step.js';
import { maxReasonLength, parseTrainingTrigger } from '../../registry/training-trigger.js';
import { columnFormat, formatNumber } from '../../core/number-format.js';
import { commonOptions, commonUsage, defineCommand, type CommandContext } from '../command.js';
import { flag, text } from '../options.js';

const workDirOption = { 'work-dir': text() };
const workDirUsage = `      --work-dir DIR  run workspace shared by the steps (default: .mlops/work beside the config)`;

/**
 * Opens the step context from --config and --work-dir, both relative to the working directory
 * (the same rules as the actions' `config` and `work-dir` inputs).
 */
function stepContext(
  context: CommandContext<{ config?: string; 'work-dir'?: string }>,
  options: { freshWorkspace?: boolean; startsRun?: boolean } = {},
): Promise<StepContext> {
  return openStepContext({
    configPath: context.options.config,
    workDir: context.options['work-dir'],
    cwd: context.io.cwd,
    env: context.io.env,
    logger: context.logger,
    freshWorkspace: options.freshWorkspace,
    // The CLI has no overrides option: a run it starts trains the config as it is.
    overrides: options.startsRun ? { values: {}, source: 'the command line' } : undefined,
  });
}

export const validateCommand = defineCommand({
  name: 'validate',
  summary: 'check the data against the config; write the data profile',
  usage: `mlops validate [--data FILE] [--reason TEXT] [--work-dir DIR]

Streams the CSV through the schema derived from the config and reports every problem with its
line and column. Writes validation.json and profile.json (the baseline for drift) to the workspace.
  --data FILE         validate another file against the configured schema
  --reason TEXT       why the run is started (see mlops pipeline --reason)
${workDirUsage}
${commonUsage}`,
  options: z.strictObject({ ...commonOptions, ...workDirOption, data: text(), reason: text() }),
  async run(context) {
    const trigger = parseTrainingTrigger(context.options.reason, context.io.env, '--reason');
    const ctx = await stepContext(context, { startsRun: true });
    const data = context.options.data;
    const report = await validateStep(ctx, { dataPath: data ? resolve(context.io.cwd, data) : undefined, trigger });
    context.io.stdout.write(
      `valid: ${report.file}: ${report.valid_rows}/${report.rows} rows, ${report.warning_count} warnings, sha256 ${report.sha256}\n`,
    );
    return 0;
  },
});

export const trainCommand = defineCommand({
  name: 'train',
  summary: 'train the model on the validated data (reproducible, early stopping)',
  usage: `mlops train [--work-dir DIR]

Trains on the training split of the validated data and saves model.json, weights.bin and
preprocessing.json in the workspace. Run \`mlops validate\` first.
${workDirUsage}
${commonUsage}`,
  options: z.strictObject({ ...commonOptions, ...workDirOption }),
  async run(context) {
    const ctx = await stepContext(context);
    const record = await trainStep(ctx);
    context.io.stdout.write(
      `trained: ${record.epochs_run} epochs on ${record.backend} (kept epoch ${record.best_epoch}, val_loss ${formatNumber(record.best_validation_loss, columnFormat)}), model in ${ctx.workspace.path('modelDir')}\n`,
    );
    return 0;
  },
});

export const evaluateCommand = defineCommand({
  name: 'evaluate',
  summary: 'score the candidate and the champion on the test split and apply the gate',
  usage: `mlops evaluate [--work-dir DIR]

Writes metrics.json, gate.json and gate.md. Exits with 4 when the gate rejects the candidate.
${workDirUsage}
${commonUsage}`,
  options: z.strictObject({ ...commonOptions, ...workDirOption }),
  async run(context) {
    const ctx = await stepContext(context);
    try {
      await evaluateStep(ctx);
    } finally {
      if (await ctx.workspace.exists('gateMarkdown')) context.io.stdout.write(`gate report: ${ctx.workspace.path('gateMarkdown')}\n`);
    }
    return 0;
  },
});

export const registerCommand = defineCommand({
  name: 'register',
  summary: 'version the gated model, write its model card, make it the champion',
  usage: `mlops register [--no-promote] [--force] [--work-dir DIR]

  --no-promote        register the version without making it the champion
  --force             register even though the gate rejected it (never promoted)
${workDirUsage}
${commonUsage}`,
  options: z.strictObject({ ...commonOptions, ...workDirOption, 'no-promote': flag(), force: flag() }),
  async run(context) {
    const ctx = await stepContext(context);
    const { force } = context.options;
    const promote = !context.options['no-promote'] && !force;
    const outcome = await registerStep(ctx, { promote, force });
    context.io.stdout.write(
      outcome.created
        ? `registered: ${outcome.version.version}${promote ? ' (champion)' : ''}\n`
        : `unchanged: the champion ${outcome.version.version} is this same model; nothing registered\n`,
    );
    return 0;
  },
});

export const pipelineCommand = defineCommand({
  name: 'pipeline',
  summary: 'validate → train → evaluate → register, in a fresh workspace',
  usage: `mlops pipeline [--work-dir DIR] [--no-promote] [--if-changed] [--reason TEXT]

Runs the steps in order (fetch first when data.source is set) and stops at the first failure
(with that step's exit code). Each run gets its own workspace under .mlops/runs/ unless
--work-dir is given.
  --no-promote        register without making the new version the champion
  --if-changed        stop after validate with "nothing changed" when the data, the config and
                      the (clean) commit are those the champion was trained from
  --reason TEXT       why this version is trained, e.g. "drift: tenure PSI 0.31 > 0.1" (one
                      line, at most ${maxReasonLength} characters); recorded in the lineage and shown
                      by the model card, the release notes and the dashboard. On GitHub Actions
                      without it: the event's (schedule, data push, manual)
${workDirUsage}
${commonUsage}`,
  options: z.strictObject({ ...commonOptions, ...workDirOption, 'no-promote': flag(), 'if-changed': flag(), reason: text() }),
  async run(context) {
    const trigger = parseTrainingTrigger(context.options.reason, context.io.env, '--reason');
    const ctx = await stepContext(context, { freshWorkspace: true, startsRun: true });
    const promote = !context.options['no-promote'];
    const result = await runPipeline(ctx, { promote, ifChanged: context.options['if-changed'], trigger });
    if (result.status === 'nothing-changed') {
      context.io.stdout.write(
        `nothing changed: the data (sha256 ${result.validation.sha256.slice(0, 12)}…), config and code are those champion ${result.champion.version} was trained from; no training, no new version\n`,
      );
      return 0;
    }
    const primary = result.verdict.primary_metric;
    const overall = result.verdict.checks.find((c) => c.scope === 'overall' && c.metric === primary);
    context.io.stdout.write(
      [
        `pipeline finished in ${formatNumber(result.durationMs / 1000, { decimals: 1 })} s`,
        result.registered.created
          ? `  version   ${result.registered.version.version}${promote ? ' (champion)' : ''}`
          : `  version   ${result.registered.version.version} (unchanged: same data, config, commit and weights as the champion)`,
        `  ${primary.padEnd(9)} ${formatNumber(overall?.candidate, columnFormat)}${overall?.champion !== null && overall?.champion !== undefined ? ` (champion before: ${formatNumber(overall.champion, columnFormat)})` : ''}`,
        `  gate      ${result.verdict.summary}`,
        `  card      model-cards/${result.registered.version.version}.md`,
        `  workspace ${result.workspace}`,
        '',
      ].join('\n'),
    );
    return 0;
  },
});
