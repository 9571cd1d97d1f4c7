import type { StoredComment, StoredIssue } from '../state/schema.js';
import { actorOf, grantOf, mockOf, notFound, now, paginate, urls, userJson, validationFailed, type GitHubService, type HandlerContext, type HandlerTable, type SimRequest } from './service.js';

/**
 * Issues, pull requests and their comments. Pull requests are issues with a `pull_request` part
 * and share the numbering; a comment records who wrote it (the job token writes as
 * `github-actions[bot]`). Pull requests are opened by people (`gha pr open`) or, when the
 * repository allows it, by the job token through the API.
 */

export interface PullRequestOpener {
  (request: { title: string; body: string | null; head: string; base: string; actor: StoredIssue['user'] }): Promise<StoredIssue>;
}

export function issueHandlers(service: GitHubService, openPullRequest: PullRequestOpener): HandlerTable {
  const state = () => service.store.state;
  const findIssue = (number: string | undefined) => state().issues.find((i) => i.number === Number(number));

  const labelJson = (name: string) => ({ id: 1, node_id: 'LA_1', url: '', name, description: null, color: 'ededed', default: false });
  const issueJson = (c: HandlerContext, req: SimRequest, issue: StoredIssue) => {
    const { repo, web } = urls(c, req);
    const kind = issue.pull_request ? 'pull' : 'issues';
    return {
      ...mockOf(c, 'issues/get'),
      id: issue.number * 1000,
      node_id: `I_${issue.number}`,
      number: issue.number,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      state_reason: issue.state === 'closed' ? 'completed' : null,
      labels: issue.labels.map(labelJson),
      user: userJson(issue.user),
      assignee: null,
      assignees: [],
      milestone: null,
      locked: false,
      comments: state().comments.filter((cm) => cm.issue_number === issue.number).length,
      created_at: issue.created_at,
      updated_at: issue.updated_at,
      closed_at: issue.closed_at,
      closed_by: null,
      url: `${repo}/issues/${issue.number}`,
      repository_url: repo,
      labels_url: `${repo}/issues/${issue.number}/labels{/name}`,
      comments_url: `${repo}/issues/${issue.number}/comments`,
      events_url: `${repo}/issues/${issue.number}/events`,
      html_url: `${web}/${kind}/${issue.number}`,
      ...(issue.pull_request ? { pull_request: { url: `${repo}/pulls/${issue.number}`, html_url: `${web}/pull/${issue.number}`, diff_url: null, patch_url: null } } : { pull_request: undefined }),
    };
  };
  const commentJson = (c: HandlerContext, req: SimRequest, comment: StoredComment) => {
    const { repo, web } = urls(c, req);
    return {
      ...mockOf(c, 'issues/get-comment'),
      id: comment.id,
      node_id: `IC_${comment.id}`,
      body: comment.body,
      user: userJson(comment.user),
      url: `${repo}/issues/comments/${comment.id}`,
      html_url: `${web}/pull/${comment.issue_number}#issuecomment-${comment.id}`,
      issue_url: `${repo}/issues/${comment.issue_number}`,
      created_at: comment.created_at,
      updated_at: comment.updated_at,
      author_association: comment.user.type === 'Bot' ? 'NONE' : 'OWNER',
    };
  };
  const pullJson = (c: HandlerContext, req: SimRequest, issue: StoredIssue) => {
    const pr = issue.pull_request!;
    const base = mockOf(c, 'pulls/get');
    const { repo, web } = urls(c, req);
    return {
      ...base,
      id: issue.number * 1000,
      number: issue.number,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      user: userJson(issue.user),
      url: `${repo}/pulls/${issue.number}`,
      html_url: `${web}/pull/${issue.number}`,
      // GitHub's own example lacks `type` on requested_teams, which its schema requires.
      requested_teams: [],
      labels: issue.labels.map(labelJson),
      merged: pr.merged,
      merge_commit_sha: pr.merge_commit_sha,
      head: { ...base.head, ref: pr.head.ref, sha: pr.head.sha, label: `${pr.head.repo.split('/')[0]}:${pr.head.ref}`, repo: { ...base.head.repo, full_name: pr.head.repo, name: pr.head.repo.split('/')[1], fork: pr.head.repo !== `${state().repository.owner}/${state().repository.name}` } },
      base: { ...base.base, ref: pr.base.ref, sha: pr.base.sha },
      created_at: issue.created_at,
      updated_at: issue.updated_at,
      closed_at: issue.closed_at,
    };
  };
  const newIssue = (title: string, body: string | null, labels: string[], res: Parameters<typeof actorOf>[0]): StoredIssue => ({
    number: state().next_issue_number++,
    title,
    body,
    state: 'open',
    labels,
    user: actorOf(res),
    created_at: now(),
    updated_at: now(),
    closed_at: null,
  });

  return {
    'issues/list-for-repo': async (c, req, res) => {
      const q = c.request.query;
      const wantState = String(q.state ?? 'open');
      const labels = q.labels ? String(q.labels).split(',').map((l) => l.trim()) : [];
      const matching = [...state().issues]
        .reverse()
        .filter((i) => (wantState === 'all' || i.state === wantState) && labels.every((l) => i.labels.includes(l)) && (!q.creator || i.user.login === q.creator));
      return { status: 200, json: paginate(c, req, res, matching).map((i) => issueJson(c, req, i)) };
    },
    'issues/create': async (c, req, res) => {
      const body = req.body as { title?: string; body?: string; labels?: (string | { name: string })[] };
      if (!body.title) return validationFailed(res, [{ resource: 'Issue', code: 'missing_field', field: 'title' }]);
      const labels = (body.labels ?? []).map((l) => (typeof l === 'string' ? l : l.name));
      const issue = newIssue(body.title, body.body ?? null, labels, res);
      state().issues.push(issue);
      return { status: 201, json: issueJson(c, req, issue) };
    },
    'issues/get': async (c, req, res) => {
      const issue = findIssue(c.request.params.issue_number);
      if (!issue) return notFound(res);
      return { status: 200, json: issueJson(c, req, issue) };
    },
    'issues/update': async (c, req, res) => {
      const issue = findIssue(c.request.params.issue_number);
      if (!issue) return notFound(res);
      const body = req.body as { title?: string; body?: string; state?: 'open' | 'closed'; labels?: (string | { name: string })[] };
      if (body.title !== undefined) issue.title = body.title;
      if (body.body !== undefined) issue.body = body.body;
      if (body.labels !== undefined) issue.labels = body.labels.map((l) => (typeof l === 'string' ? l : l.name));
      if (body.state !== undefined && body.state !== issue.state) {
        issue.state = body.state;
        issue.closed_at = body.state === 'closed' ? now() : null;
      }
      issue.updated_at = now();
      return { status: 200, json: issueJson(c, req, issue) };
    },
    'issues/list-comments': async (c, req, res) => {
      const number = Number(c.request.params.issue_number);
      if (!findIssue(String(number))) return notFound(res);
      const comments = state().comments.filter((comment) => comment.issue_number === number);
      return { status: 200, json: paginate(c, req, res, comments).map((comment) => commentJson(c, req, comment)) };
    },
    'issues/create-comment': async (c, req, res) => {
      const number = Number(c.request.params.issue_number);
      if (!findIssue(String(number))) return notFound(res);
      const comment: StoredComment = { id: service.store.nextId(), issue_number: number, body: String((req.body as { body?: unknown }).body ?? ''), user: actorOf(res), created_at: now(), updated_at: now() };
      state().comments.push(comment);
      return { status: 201, json: commentJson(c, req, comment) };
    },
    'issues/get-comment': async (c, req, res) => {
      const comment = state().comments.find((candidate) => candidate.id === Number(c.request.params.comment_id));
      if (!comment) return notFound(res);
      return { status: 200, json: commentJson(c, req, comment) };
    },
    'issues/update-comment': async (c, req, res) => {
      const comment = state().comments.find((candidate) => candidate.id === Number(c.request.params.comment_id));
      if (!comment) return notFound(res);
      const grant = grantOf(res);
      // Only the author (or an admin) may edit a comment.
      if (grant && grant.kind === 'job' && comment.user.login !== grant.actor.login) {
        res.status(403).json({ message: 'Resource not accessible by integration' });
        return;
      }
      comment.body = String((req.body as { body?: unknown }).body ?? '');
      comment.updated_at = now();
      return { status: 200, json: commentJson(c, req, comment) };
    },
    'pulls/get': async (c, req, res) => {
      const issue = findIssue(c.request.params.pull_number);
      if (!issue?.pull_request) return notFound(res);
      return { status: 200, json: pullJson(c, req, issue) };
    },
    'pulls/list': async (c, req, res) => {
      const wantState = String(c.request.query.state ?? 'open');
      const pulls = [...state().issues].reverse().filter((i) => i.pull_request && (wantState === 'all' || i.state === wantState));
      return { status: 200, json: paginate(c, req, res, pulls).map((i) => pullJson(c, req, i)) };
    },
    'pulls/create': async (c, req, res) => {
      const grant = grantOf(res);
      if (grant?.kind === 'job' && !state().settings.actions_can_create_pull_requests) {
        res.status(403).json({ message: 'GitHub Actions is not permitted to create or approve pull requests.' });
        return;
      }
      const body = req.body as { title?: string; body?: string; head?: string; base?: string };
      if (!body.title || !body.head || !body.base) return validationFailed(res, [{ resource: 'PullRequest', code: 'missing_field' }]);
      try {
        const issue = await openPullRequest({ title: body.title, body: body.body ?? null, head: body.head, base: body.base, actor: actorOf(res) });
        return { status: 201, json: pullJson(c, req, issue) };
      } catch (error) {
        return validationFailed(res, [{ resource: 'PullRequest', code: 'custom', message: (error as Error).message }]);
      }
    },
  };
}
