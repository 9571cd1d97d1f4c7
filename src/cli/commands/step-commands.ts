import { resolve } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { columnFormat, formatNumber } from '../../core/number-format.js';
import { defaultWorkDir, evaluateStep, registerStep, trainStep, validateStep, type StepContext } from '../../pipeline/steps.js';
import { pipelineWorkspace, runPipeline } from '../../pipeline/pipeline.js';
import { RunWorkspace } from '../../pipeline/workspace.js';
import { commonOptions, commonUsage, stringOption, type CliCommand, type CommandContext } from '../command.js';

const workDirOption = { 'work-dir': { type: 'string' } } as const;
const workDirUsage = `      --work-dir DIR  run workspace shared by the steps (default: .mlops/work beside the config)`;

/** Loads the config and opens the workspace named by --work-dir (or the default). */
async function stepContext(context: CommandContext, workDir?: string): Promise<StepContext> {
  const loaded = await loadConfig(stringOption(context.options, 'config'));
  const dir = workDir ?? stringOption(context.options, 'work-dir');
  const workspace = new RunWorkspace(dir ? resolve(context.io.cwd, dir) : defaultWorkDir(loaded));
  return { loaded, workspace, logger: context.logger, env: context.io.env };
}

export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'check the data against the config; write the data profile',
  usage: `mlops validate [--data FILE] [--work-dir DIR]

Streams the CSV through the schema derived from the config and reports every problem with its
line and column. Writes validation.json and profile.json (the baseline for drift) to the workspace.
  --data FILE         validate another file against the configured schema
${workDirUsage}
${commonUsage}`,
  options: { ...commonOptions, ...workDirOption, data: { type: 'string' } },
  async run(context) {
    const ctx = await stepContext(context);
    const data = stringOption(context.options, 'data');
    const report = await validateStep(ctx, { dataPath: data ? resolve(context.io.cwd, data) : undefined });
    context.io.stdout.write(
      `valid: ${report.file}: ${report.valid_rows}/${report.rows} rows, ${report.warning_count} warnings, sha256 ${report.sha256}\n`,
    );
    return 0;
  },
};

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'train the model on the validated data (reproducible, early stopping)',
  usage: `mlops train [--work-dir DIR]

Trains on the training split of the validated data and saves model.json, weights.bin and
preprocessing.json in the workspace. Run \`mlops validate\` first.
${workDirUsage}
${commonUsage}`,
  options: { ...commonOptions, ...workDirOption },
  async run(context) {
    const ctx = await stepContext(context);
    const record = await trainStep(ctx);
    context.io.stdout.write(
      `trained: ${record.epochs_run} epochs on ${record.backend} (kept epoch ${record.best_epoch}, val_loss ${formatNumber(record.best_validation_loss, columnFormat)}), model in ${ctx.workspace.path('modelDir')}\n`,
    );
    return 0;
  },
};

export const evaluateCommand: CliCommand = {
  name: 'evaluate',
  summary: 'score the candidate and the champion on the test split and apply the gate',
  usage: `mlops evaluate [--work-dir DIR]

Writes metrics.json, gate.json and gate.md. Exits with 4 when the gate rejects the candidate.
${workDirUsage}
${commonUsage}`,
  options: { ...commonOptions, ...workDirOption },
  async run(context) {
    const ctx = await stepContext(context);
    try {
      await evaluateStep(ctx);
    } finally {
      if (await ctx.workspace.exists('gateMarkdown')) context.io.stdout.write(`gate report: ${ctx.workspace.path('gateMarkdown')}\n`);
    }
    return 0;
  },
};

export const registerCommand: CliCommand = {
  name: 'register',
  summary: 'version the gated model, write its model card, make it the champion',
  usage: `mlops register [--no-promote] [--force] [--work-dir DIR]

  --no-promote        register the version without making it the champion
  --force             register even though the gate rejected it (never promoted)
${workDirUsage}
${commonUsage}`,
  options: { ...commonOptions, ...workDirOption, 'no-promote': { type: 'boolean' }, force: { type: 'boolean' } },
  async run(context) {
    const ctx = await stepContext(context);
    const force = context.options.force === true;
    const promote = context.options['no-promote'] !== true && !force;
    const outcome = await registerStep(ctx, { promote, force });
    context.io.stdout.write(
      outcome.created
        ? `registered: ${outcome.version.version}${promote ? ' (champion)' : ''}\n`
        : `unchanged: the champion ${outcome.version.version} is this same model; nothing registered\n`,
    );
    return 0;
  },
};

export const pipelineCommand: CliCommand = {
  name: 'pipeline',
  summary: 'validate → train → evaluate → register, in a fresh workspace',
  usage: `mlops pipeline [--work-dir DIR] [--no-promote]

Runs the four steps in order and stops at the first failure (with that step's exit code).
Each run gets its own workspace under .mlops/runs/ unless --work-dir is given.
  --no-promote        register without making the new version the champion
${workDirUsage}
${commonUsage}`,
  options: { ...commonOptions, ...workDirOption, 'no-promote': { type: 'boolean' } },
  async run(context) {
    const loaded = await loadConfig(stringOption(context.options, 'config'));
    const dir = stringOption(context.options, 'work-dir');
    const workspace = dir ? new RunWorkspace(resolve(context.io.cwd, dir)) : pipelineWorkspace(loaded.baseDir);
    const ctx: StepContext = { loaded, workspace, logger: context.logger, env: context.io.env };
    const result = await runPipeline(ctx, { promote: context.options['no-promote'] !== true });
    const primary = result.verdict.primary_metric;
    const overall = result.verdict.checks.find((c) => c.scope === 'overall' && c.metric === primary);
    context.io.stdout.write(
      [
        `pipeline finished in ${formatNumber(result.durationMs / 1000, { decimals: 1 })} s`,
        result.registered.created
          ? `  version   ${result.registered.version.version}${context.options['no-promote'] === true ? '' : ' (champion)'}`
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
};
