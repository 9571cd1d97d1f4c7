import { readFile } from 'node:fs/promises';
import { ConfigError } from '../../core/errors.js';
import { dispatchEvent, pullRequestEvent, pushEvent, releaseEvent, scheduleEvent, type RepositoryEvent } from '../github/events.js';
import { resolveCommit } from '../github/git.js';
import { syncPullRequest } from '../state/admin.js';
import type { LoadedWorkflow } from '../workflow/load.js';
import type { Simulation } from './simulation.js';

/**
 * The event `gha run --event NAME` delivers, built from the simulated GitHub's state: the
 * newest push to the ref (by a person: the job token's pushes start nothing), a pull request's
 * `opened`/`synchronize`, a dispatch on a ref, the schedule on the default branch, a release.
 * `--payload FILE` overlays fields of the payload (for events or fields the state cannot tell).
 */

export interface EventRequest {
  name: string;
  ref?: string;
  pr?: number;
  action?: string;
  tag?: string;
  payloadFile?: string;
}

export async function eventFor(simulation: Simulation, workflow: LoadedWorkflow, request: EventRequest): Promise<RepositoryEvent> {
  const store = simulation.store;
  const state = store.state;
  const server = simulation.services.serverUrl;
  const branchRef = (ref: string | undefined) => (!ref ? `refs/heads/${state.repository.default_branch}` : ref.startsWith('refs/') ? ref : `refs/heads/${ref}`);
  let event: RepositoryEvent;
  switch (request.name) {
    case 'push': {
      const ref = branchRef(request.ref);
      const push = (await store.pushes()).filter((p) => p.ref === ref && !p.by_job_token).at(-1);
      if (!push) throw new ConfigError(`No push to ${ref} by a person yet: push to ${store.paths.origin} first (pushes made with the job token start no workflow).`);
      event = await pushEvent(state, store.paths.origin, push, server);
      break;
    }
    case 'pull_request': {
      const pulls = state.issues.filter((i) => i.pull_request && i.state === 'open');
      const number = request.pr ?? pulls.at(-1)?.number;
      if (number === undefined) throw new ConfigError('No open pull request: open one with `gha pr open` (or pass --pr N).');
      const pull = await syncPullRequest(store, number);
      const seen = state.runs.some((r) => r.event === 'pull_request' && r.pull_requests.includes(number));
      event = await pullRequestEvent(state, store.paths.origin, pull, request.action ?? (seen ? 'synchronize' : 'opened'), server);
      break;
    }
    case 'workflow_dispatch': {
      const ref = branchRef(request.ref);
      const sha = await resolveCommit(store.paths.origin, ref);
      if (!sha) throw new ConfigError(`No ref ${ref} in the origin.`);
      event = dispatchEvent(state, ref, sha, workflow.path, {}, state.owner_login, server);
      break;
    }
    case 'schedule': {
      const sha = await resolveCommit(store.paths.origin, `refs/heads/${state.repository.default_branch}`);
      if (!sha) throw new ConfigError('The origin has no default branch yet.');
      const cron = workflow.template.events.schedule?.[0]?.cron ?? '';
      event = scheduleEvent(state, sha, cron, workflow.path, server);
      break;
    }
    case 'release': {
      const release = state.releases.find((r) => r.tag_name === request.tag) ?? state.releases.at(-1);
      if (!release) throw new ConfigError('No release yet (pass --tag).');
      const sha = await resolveCommit(store.paths.origin, `refs/tags/${release.tag_name}`);
      if (!sha) throw new ConfigError(`The tag ${release.tag_name} of the release is not in the origin.`);
      event = releaseEvent(state, release, sha, release.author.login, server);
      break;
    }
    default:
      throw new ConfigError(`gha run cannot build a ${request.name} event from the state; supported: push, pull_request, workflow_dispatch, schedule, release (workflow_run runs follow the runs that trigger them).`);
  }
  if (request.payloadFile) {
    const overlay = JSON.parse(await readFile(request.payloadFile, 'utf8')) as Record<string, unknown>;
    Object.assign(event.payload, overlay);
  }
  return event;
}
