import type { RunAttempt } from './model.js';
import type { Machine } from './machines.js';

/**
 * The `github` and `runner` contexts and the default environment variables of a job, as GitHub
 * documents them ("Variables reference", "Contexts reference").
 */

/** The parts of the github context that depend on the job. */
export interface JobIdentity {
  jobId: string;
  workspace: string;
  token: string;
  /** The workflow file path of the job's workflow (the called one for reusable workflows). */
  workflowPath: string;
}

function refInfo(ref: string): { name: string; type: 'branch' | 'tag' | '' } {
  if (ref.startsWith('refs/heads/')) return { name: ref.slice('refs/heads/'.length), type: 'branch' };
  if (ref.startsWith('refs/tags/')) return { name: ref.slice('refs/tags/'.length), type: 'tag' };
  if (ref.startsWith('refs/pull/')) return { name: ref.slice('refs/pull/'.length), type: 'branch' };
  return { name: ref, type: '' };
}

/** The `github` context. */
export function githubContext(attempt: RunAttempt, job: JobIdentity): Record<string, unknown> {
  const { state } = attempt.services.store;
  const repository = `${state.repository.owner}/${state.repository.name}`;
  const ref = refInfo(attempt.event.ref);
  const protectedRef = ref.type === 'branch' && ref.name in state.settings.protected_branches;
  const workflowRef = `${repository}/${attempt.workflow.path}@${attempt.event.ref}`;
  return {
    action: '',
    action_path: '',
    actor: attempt.event.actor,
    actor_id: '1',
    api_url: attempt.services.serverUrl,
    base_ref: attempt.event.baseRef ?? '',
    env: '',
    event: attempt.event.payload,
    event_name: attempt.event.name,
    event_path: attempt.eventPath,
    graphql_url: `${attempt.services.serverUrl}/graphql`,
    head_ref: attempt.event.headRef ?? '',
    job: job.jobId,
    path: '',
    ref: attempt.event.ref,
    ref_name: ref.name,
    ref_protected: protectedRef,
    ref_type: ref.type,
    repository,
    repository_id: String(state.repository.id),
    repository_owner: state.repository.owner,
    repository_owner_id: '1',
    repositoryUrl: `git://127.0.0.1/${repository}.git`,
    retention_days: '90',
    run_id: String(attempt.run.id),
    run_number: String(attempt.run.run_number),
    run_attempt: String(attempt.attempt),
    secret_source: attempt.event.fork ? 'None' : 'Actions',
    server_url: attempt.services.serverUrl,
    sha: attempt.event.sha,
    token: job.token,
    triggering_actor: attempt.event.actor,
    workflow: attempt.workflow.name,
    workflow_ref: workflowRef,
    workflow_sha: attempt.source.sha ?? attempt.event.sha,
    workspace: job.workspace,
  };
}

/** The `runner` context. */
export function runnerContext(machine: Machine): Record<string, string> {
  return {
    name: machine.name,
    os: 'Linux',
    arch: 'X64',
    temp: machine.temp,
    tool_cache: machine.toolCache,
    debug: '',
    environment: machine.environment,
  };
}

/** The default environment variables every step sees (besides its command files). */
export function defaultEnvironment(attempt: RunAttempt, job: JobIdentity, machine: Machine): Record<string, string> {
  const github = githubContext(attempt, job);
  const env: Record<string, string> = {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTOR: String(github.actor),
    GITHUB_ACTOR_ID: String(github.actor_id),
    GITHUB_API_URL: String(github.api_url),
    GITHUB_BASE_REF: String(github.base_ref),
    GITHUB_EVENT_NAME: String(github.event_name),
    GITHUB_EVENT_PATH: attempt.eventPath,
    GITHUB_GRAPHQL_URL: String(github.graphql_url),
    GITHUB_HEAD_REF: String(github.head_ref),
    GITHUB_JOB: job.jobId,
    GITHUB_REF: String(github.ref),
    GITHUB_REF_NAME: String(github.ref_name),
    GITHUB_REF_PROTECTED: String(github.ref_protected),
    GITHUB_REF_TYPE: String(github.ref_type),
    GITHUB_REPOSITORY: String(github.repository),
    GITHUB_REPOSITORY_ID: String(github.repository_id),
    GITHUB_REPOSITORY_OWNER: String(github.repository_owner),
    GITHUB_REPOSITORY_OWNER_ID: String(github.repository_owner_id),
    GITHUB_RETENTION_DAYS: '90',
    GITHUB_RUN_ATTEMPT: String(attempt.attempt),
    GITHUB_RUN_ID: String(attempt.run.id),
    GITHUB_RUN_NUMBER: String(attempt.run.run_number),
    GITHUB_SERVER_URL: String(github.server_url),
    GITHUB_SHA: String(github.sha),
    GITHUB_TRIGGERING_ACTOR: String(github.triggering_actor),
    GITHUB_WORKFLOW: String(github.workflow),
    GITHUB_WORKFLOW_REF: String(github.workflow_ref),
    GITHUB_WORKFLOW_SHA: String(github.workflow_sha),
    GITHUB_WORKSPACE: job.workspace,
    RUNNER_ARCH: 'X64',
    RUNNER_DEBUG: '',
    RUNNER_ENVIRONMENT: machine.environment,
    RUNNER_NAME: machine.name,
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: machine.temp,
    RUNNER_TOOL_CACHE: machine.toolCache,
    RUNNER_TRACKING_ID: machine.trackingId,
    HOME: machine.home,
    PATH: `${machine.bin}:${process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`,
    LANG: 'C.UTF-8',
    // No terminal here: git must fail instead of prompting for credentials.
    GIT_TERMINAL_PROMPT: '0',
  };
  for (const key of ['npm_config_cache', 'TMPDIR', 'CONTAINERS_CONF', 'NODE_EXTRA_CA_CERTS', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}
