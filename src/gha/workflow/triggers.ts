import type { RepositoryEvent } from '../github/events.js';
import { pathsPass, refPasses } from './filters.js';
import type { LoadedWorkflow } from './load.js';

/**
 * Whether an event starts a workflow, by the workflow's `on:` (event name, activity types,
 * branch, tag and path filters, `workflow_run.workflows`) and GitHub's skip instructions in
 * commit messages. The answer carries the reason, so `gha run` can say why nothing ran.
 */

/** The activity types GitHub uses when `types:` is absent. */
const defaultTypes: Record<string, string[] | null> = {
  pull_request: ['opened', 'synchronize', 'reopened'],
  pull_request_target: ['opened', 'synchronize', 'reopened'],
  workflow_run: ['completed', 'requested'],
  release: null,
  issues: null,
};

const skipMarkers = ['[skip ci]', '[ci skip]', '[no ci]', '[skip actions]', '[actions skip]'];

interface FilterConfig {
  types?: string[];
  branches?: string[];
  'branches-ignore'?: string[];
  tags?: string[];
  'tags-ignore'?: string[];
  paths?: string[];
  'paths-ignore'?: string[];
  workflows?: string[];
}

/** Decides whether `event` triggers `workflow`. `workflowRunOf` names the finished workflow for workflow_run. */
export function triggerDecision(workflow: LoadedWorkflow, event: RepositoryEvent, workflowRunOf?: string): { runs: boolean; reason: string } {
  const events = workflow.template.events as Record<string, FilterConfig | FilterConfig[] | undefined>;
  if (!(event.name in events)) return { runs: false, reason: `${workflow.path} has no \`on: ${event.name}\`` };
  if (event.name === 'schedule' || event.name === 'workflow_dispatch') return { runs: true, reason: 'triggered' };
  const config = (events[event.name] ?? {}) as FilterConfig;
  const types = config.types ?? defaultTypes[event.name] ?? null;
  if (types && event.action && !types.includes(event.action)) return { runs: false, reason: `activity type ${event.action} is not in types: [${types.join(', ')}]` };
  if ((event.name === 'push' || event.name === 'pull_request') && event.commitMessage && skipMarkers.some((m) => event.commitMessage!.includes(m))) {
    return { runs: false, reason: `the head commit message asks to skip workflows (${skipMarkers.find((m) => event.commitMessage!.includes(m))})` };
  }
  if (event.name === 'push') {
    const isTag = event.ref.startsWith('refs/tags/');
    const name = event.ref.replace(/^refs\/(heads|tags)\//, '');
    const hasRefFilters = config.branches || config['branches-ignore'] || config.tags || config['tags-ignore'];
    if (hasRefFilters) {
      const passes = isTag
        ? (config.tags || config['tags-ignore']) && refPasses({ include: config.tags, ignore: config['tags-ignore'] }, name)
        : (config.branches || config['branches-ignore']) && refPasses({ include: config.branches, ignore: config['branches-ignore'] }, name);
      if (!passes) return { runs: false, reason: `${isTag ? 'tag' : 'branch'} ${name} does not match the push filters` };
    }
  }
  if (event.name === 'pull_request' && event.baseRef && !refPasses({ include: config.branches, ignore: config['branches-ignore'] }, event.baseRef)) {
    return { runs: false, reason: `base branch ${event.baseRef} does not match the branches filter` };
  }
  if ((event.name === 'push' || event.name === 'pull_request') && event.changedFiles && (config.paths || config['paths-ignore'])) {
    if (!pathsPass({ include: config.paths, ignore: config['paths-ignore'] }, event.changedFiles)) {
      return { runs: false, reason: `no changed file matches the paths filter (${event.changedFiles.length} changed: ${event.changedFiles.slice(0, 5).join(', ')}${event.changedFiles.length > 5 ? ', …' : ''})` };
    }
  }
  if (event.name === 'workflow_run') {
    if (!workflowRunOf || !(config.workflows ?? []).includes(workflowRunOf)) return { runs: false, reason: `workflow_run.workflows does not list ${workflowRunOf ?? '(none)'}` };
    const head = (event.payload.workflow_run as { head_branch?: string | null }).head_branch ?? '';
    if (!refPasses({ include: config.branches, ignore: config['branches-ignore'] }, head)) return { runs: false, reason: `head branch ${head} does not match the branches filter` };
  }
  return { runs: true, reason: 'triggered' };
}
