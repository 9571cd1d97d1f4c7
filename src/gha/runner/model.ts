import type { RepositoryEvent } from '../github/events.js';
import type { TokenRegistry } from '../github/tokens.js';
import type { Permissions, StoredRun } from '../state/schema.js';
import type { StateStore } from '../state/store.js';
import type { Json } from '../workflow/expressions.js';
import type { LoadedWorkflow } from '../workflow/load.js';
import type { Annotation } from './workflow-commands.js';

/**
 * The runner's vocabulary: results, the record of each job (or matrix leg) of an attempt, and the
 * services a run uses from the simulation (state, tokens, the server, machines, concurrency).
 */

/** A job's or step's result, in GitHub's words. */
export type Result = 'success' | 'failure' | 'cancelled' | 'skipped';

/** One job or matrix leg of an attempt. */
export interface LegRecord {
  /** Stable across attempts: `job` or `job {"matrix":…}`, prefixed by the calling job for reusable workflows. */
  key: string;
  jobId: string;
  name: string;
  result: Result;
  outputs: Record<string, string>;
  attempt: number;
  runner: string;
  permissions: Permissions;
  startedAt: string;
  completedAt: string;
  log: string;
  summary: string;
  annotations: Annotation[];
  /** Set when the leg's record comes from an earlier attempt (re-run of failed jobs). */
  reused?: boolean;
}

/** Where a workflow's files (and the reusable workflows it calls) are read from. */
export interface WorkflowSource {
  /** A label for messages: `working tree`, or the commit. */
  label: string;
  /** The commit the workflow file was read from, or null (the working tree). */
  sha: string | null;
  read(path: string): Promise<string>;
}

/** Services of the running simulation. */
export interface Services {
  store: StateStore;
  tokens: TokenRegistry;
  /** The simulated GitHub's web, git and API root (one server). */
  serverUrl: string;
  /** host:port of the container registry standing for ghcr.io, when one runs. */
  registryHost: string | null;
  machines: import('./machines.js').Machines;
  concurrency: import('./concurrency.js').ConcurrencyGroups;
  /** Prints a line of progress for the person running gha. */
  print(line: string): void;
  /** Saves the state (serialised: concurrent jobs call it). */
  save(): Promise<void>;
  /** Called when an event the simulation raised should start workflows (dispatch, user release…). */
  enqueue(start: () => Promise<unknown>): void;
}

/** One attempt of a workflow run in progress. */
export interface RunAttempt {
  run: StoredRun;
  attempt: number;
  workflow: LoadedWorkflow;
  source: WorkflowSource;
  event: RepositoryEvent;
  eventPath: string;
  inputs: Record<string, Json>;
  secrets: Record<string, string>;
  vars: Record<string, string>;
  abort: AbortController;
  /** Legs of the previous attempt that succeeded and are not re-run. */
  reuse: Map<string, LegRecord>;
  legs: LegRecord[];
  services: Services;
}
