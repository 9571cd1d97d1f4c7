import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TokenGrant } from '../github/tokens.js';
import type { ExpressionScope, Json, RunnerFunction } from '../workflow/expressions.js';
import type { Machine } from './machines.js';
import type { Result, RunAttempt } from './model.js';
import { maskLine, parseCommandLine, type Annotation } from './workflow-commands.js';

/**
 * Everything a running job (one leg) carries from step to step: its machine and workspace, the
 * token, the environment GITHUB_ENV and GITHUB_PATH built up, the steps context, the masks, the
 * log, and the post steps waiting to run.
 */

/** A step's entry in the `steps` context. */
export interface StepRecord {
  outputs: Record<string, string>;
  outcome: Result;
  conclusion: Result;
}

/** A post step queued by an action (runs.post or a stand-in's cleanup). */
export interface PostStep {
  name: string;
  condition: string;
  run(): Promise<void>;
}

export class JobState {
  status: 'success' | 'failure' | 'cancelled' = 'success';
  readonly steps: Record<string, StepRecord> = {};
  /** Set by GITHUB_ENV, applied to later steps. */
  readonly addedEnv: Record<string, string> = {};
  /** Set by GITHUB_PATH, newest first. */
  readonly addedPath: string[] = [];
  readonly masks: string[] = [];
  readonly annotations: Annotation[] = [];
  readonly post: PostStep[] = [];
  summary = '';
  /** How many run: scripts the job ran (numbers their copies beside the log). */
  scriptCount = 0;
  /** The command files of the step running now (GITHUB_OUTPUT, GITHUB_ENV, …). */
  commandFiles: { output: string; env: string; path: string; summary: string; state: string } | null = null;
  /** Steps whose run: script executed while the checkout held a credential (an audit finding). */
  readonly credentialExposures: string[] = [];

  constructor(
    readonly attempt: RunAttempt,
    readonly jobId: string,
    readonly name: string,
    readonly machine: Machine,
    readonly workspace: string,
    readonly grant: TokenGrant,
    readonly baseEnv: Record<string, string>,
    readonly contexts: Record<string, unknown>,
    readonly logFile: string,
    readonly signal: AbortSignal,
  ) {
    mkdirSync(dirname(logFile), { recursive: true });
    this.masks.push(grant.value, ...Object.values(attempt.secrets).filter((s) => s.length >= 3));
  }

  /** Writes a line to the job log (masked). */
  log(line: string): void {
    appendFileSync(this.logFile, `${maskLine(line, this.masks)}\n`);
  }

  /** Handles a line of step output: workflow commands, masking, logging. */
  output(line: string, stream: 'stdout' | 'stderr'): void {
    const command = stream === 'stdout' ? parseCommandLine(line) : ({ kind: 'text', text: line } as const);
    switch (command.kind) {
      case 'mask':
        if (command.value !== '') this.masks.push(command.value);
        return;
      case 'annotation':
        this.annotations.push({ ...command.annotation, message: maskLine(command.annotation.message, this.masks) });
        this.log(`${command.annotation.level.toUpperCase()}: ${command.annotation.message}`);
        return;
      case 'disabled':
        this.annotations.push({ level: 'error', message: `The \`${command.command}\` command is disabled. Use environment files instead.` });
        this.log(`ERROR: the ${command.command} command is disabled on GitHub`);
        return;
      case 'text':
        this.log(command.text);
    }
  }

  /** The expression scope for a step: the job's contexts, the steps so far, status functions. */
  scope(extra: Record<string, unknown> = {}, statusOf: () => JobState['status'] = () => this.status): ExpressionScope {
    const functions: RunnerFunction[] = [
      { name: 'success', minArgs: 0, maxArgs: 0, call: () => statusOf() === 'success' && !this.signal.aborted },
      { name: 'failure', minArgs: 0, maxArgs: 0, call: () => statusOf() === 'failure' },
      { name: 'cancelled', minArgs: 0, maxArgs: 0, call: () => this.signal.aborted },
      { name: 'always', minArgs: 0, maxArgs: 0, call: () => true },
      { name: 'hashFiles', minArgs: 1, maxArgs: 255, call: (...patterns: Json[]) => this.hashFiles(patterns.map(String)) },
    ];
    return {
      contexts: { ...this.contexts, steps: this.steps, job: { status: this.status }, env: { ...(this.contexts.env as object), ...this.addedEnv }, ...extra },
      functions,
    };
  }

  /** hashFiles(), computed synchronously (expressions are synchronous); set by the job runner. */
  hashFiles: (patterns: string[]) => string = () => '';
}
