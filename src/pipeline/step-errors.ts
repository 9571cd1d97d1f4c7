import { RegistryError, describeError } from '../core/errors.js';

/**
 * Errors of the pipeline steps carry facts, not advice in one edge's words: what is wrong, which
 * file, which step to run and which option matters. Each edge words them for its user: the CLI
 * as `mlops validate` and `--work-dir`, an action as actions/validate and its `work-dir` input.
 */

/** The steps, by the names the pipeline uses. */
export type StepName = 'validate' | 'train' | 'evaluate' | 'register';

/** Options every edge offers under some name: `--work-dir` on the command line, `work-dir` as an action input. */
export type StepOption = 'work-dir' | 'data' | 'config';

/** How an edge names steps and options for its users. */
export interface StepWording {
  /** The command or action that runs a step: `` `mlops validate` ``, `actions/validate`. */
  step(step: StepName): string;
  /** An option as users set it, without an article: `--work-dir`, `input 'work-dir'`. */
  option(option: StepOption): string;
}

/** Words for logs and records that no particular edge reads (the experiment log). */
export const neutralWording: StepWording = {
  step: (step) => `the ${step} step`,
  option: (option) => `${option} setting`,
};

/** What to do about a problem: run a step (first, or again), keeping or dropping an option. */
export interface Rerun {
  step: StepName;
  /** `first`: the step never ran in this workspace; `again`: its output is stale or broken. */
  when: 'first' | 'again';
  /** Said before the step, e.g. "fix the data and". */
  before?: string;
  /** The option the rerun must give the same value (the workspace it shares). */
  keep?: StepOption;
  /** The option the rerun must leave out. */
  drop?: StepOption;
}

/** The advice of a {@link Rerun} in an edge's words: "run `mlops validate` first (with the same --work-dir)". */
export function describeRerun(rerun: Rerun, wording: StepWording): string {
  const parts = [rerun.before, `run ${wording.step(rerun.step)} ${rerun.when}`].filter(Boolean).join(' ');
  const keep = rerun.keep ? ` (with the same ${wording.option(rerun.keep)})` : '';
  const drop = rerun.drop ? ` without ${wording.option(rerun.drop)}` : '';
  return `${parts}${keep}${drop}`;
}

/**
 * A run workspace that is missing, stale or inconsistent: exit code 5, like every registry and
 * workspace problem. `message` is worded neutrally; edges call {@link WorkspaceError.describe}.
 */
export class WorkspaceError extends RegistryError {
  /** What is wrong, without advice: "/w/run.json is missing". */
  readonly problem: string;
  /** The file the problem is about, when there is one. */
  readonly file: string | undefined;
  readonly rerun: Rerun;

  constructor(facts: { problem: string; file?: string; rerun: Rerun }) {
    super(`${facts.problem}: ${describeRerun(facts.rerun, neutralWording)}.`);
    this.problem = facts.problem;
    this.file = facts.file;
    this.rerun = facts.rerun;
  }

  /** The message in an edge's words. */
  describe(wording: StepWording): string {
    return `${this.problem}: ${describeRerun(this.rerun, wording)}.`;
  }
}

/** A thrown value as one line for a user of the edge with `wording`: step errors in its words, others as they are. */
export function describeStepError(error: unknown, wording: StepWording): string {
  return error instanceof WorkspaceError ? error.describe(wording) : describeError(error);
}
