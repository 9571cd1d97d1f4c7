import type { CliCommand } from '../command.js';
import { evaluateCommand, pipelineCommand, registerCommand, trainCommand, validateCommand } from './step-commands.js';
import { initCommand } from './init.js';
import { experimentsCommand, versionsCommand } from './registry-commands.js';
import { serveCommand } from './serve.js';
import { rollbackCommand } from './rollback.js';
import { monitorCommand } from './monitor.js';
import { reportCommand } from './report.js';
import { deployCommand } from './deploy.js';
import { startCommand } from './start.js';
import { sweepCommand } from './sweep.js';
import { feedbackCommand, fetchCommand } from './data-commands.js';

/** Every `mlops` subcommand, in the order `mlops --help` lists them. */
export const commands: readonly CliCommand[] = [
  initCommand,
  fetchCommand,
  validateCommand,
  trainCommand,
  evaluateCommand,
  registerCommand,
  pipelineCommand,
  sweepCommand,
  startCommand,
  versionsCommand,
  experimentsCommand,
  serveCommand,
  rollbackCommand,
  monitorCommand,
  feedbackCommand,
  reportCommand,
  deployCommand,
];
