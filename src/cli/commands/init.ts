import { access, writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { renderConfigYaml } from '../../config/config-yaml.js';
import { inferConfig } from '../../data/infer-config.js';
import { z } from 'zod';
import { parseConfigText } from '../../config/load.js';
import { resolveConfigPath } from '../../config/paths.js';
import { ConfigError } from '../../core/errors.js';
import { commonOptions, commonUsage, defineCommand } from '../command.js';
import { flag, oneOf, text } from '../options.js';

const tasks = ['binary', 'multiclass', 'regression'] as const;

export const initCommand = defineCommand({
  name: 'init',
  summary: 'infer a config from a CSV (types, vocabularies, ranges, task)',
  usage: `mlops init --data FILE --target COLUMN [--task binary|multiclass|regression] [--config FILE] [--force]

Reads the CSV and writes a config that works without edits: column types, category
vocabularies, numeric ranges, missing rates, the task and its labels, slices and gate rules.
  --data FILE         the CSV to learn from (required)
  --target COLUMN     the column to predict (required)
  --task TASK         override the inferred task
  --force             overwrite an existing config file
${commonUsage}`,
  options: z.strictObject({ ...commonOptions, data: text(), target: text(), task: oneOf(tasks), force: flag() }),
  async run(context) {
    const { data, target, task } = context.options;
    if (!data) throw new ConfigError('mlops init needs --data FILE (the CSV to learn from).');
    if (target === undefined) throw new ConfigError('mlops init needs --target COLUMN (the column to predict).');
    const configPath = resolveConfigPath(context.io.cwd, context.options.config);
    if (!context.options.force && (await exists(configPath))) {
      throw new ConfigError(`${relative(context.io.cwd, configPath) || configPath} already exists; pass --force to overwrite it.`);
    }
    const inferred = await inferConfig({
      dataPath: resolve(context.io.cwd, data),
      configPath,
      target,
      task,
      logger: context.logger,
    });
    const yaml = renderConfigYaml(inferred.config, inferred.notes);
    // The written file must load: a config init cannot read back would be a bug, caught here.
    parseConfigText(yaml, configPath);
    await writeFile(configPath, yaml);
    context.io.stdout.write(`wrote ${relative(context.io.cwd, configPath) || configPath}: ${inferred.config.features.length} features, task ${inferred.config.task.type}\n`);
    return 0;
  },
});

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
