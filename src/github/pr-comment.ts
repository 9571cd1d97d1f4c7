import type { GitHubClient, RepositoryRef } from './client.js';

/**
 * One model-check comment per pull request, found again by a hidden marker and edited in place
 * on every push, so a PR never collects a stack of stale reports.
 */

/** The hidden HTML comment that identifies the model-check comment. */
export const modelCheckMarker = '<!-- mlops-model-check -->';

/** GitHub refuses comment bodies longer than this many characters. */
export const maxCommentLength = 65_536;

/** A comment as the REST API lists it (the fields this module reads). */
export interface IssueCommentLike {
  id: number;
  body?: string | null;
  html_url?: string;
  user?: { login: string; type?: string } | null;
}

/** The author of the comments this module writes: the job token's identity. */
export const commentAuthor = 'github-actions[bot]';

/** The body with the marker on its first line, cut to GitHub's limit with a note when too long. */
export function markedCommentBody(body: string, marker = modelCheckMarker): string {
  const marked = `${marker}\n${body.startsWith(marker) ? body.slice(marker.length).replace(/^\n/, '') : body}`;
  if (marked.length <= maxCommentLength) return marked;
  const note = '\n\n… (cut: the full report is in the job summary)\n';
  return marked.slice(0, maxCommentLength - note.length) + note;
}

/**
 * The first (oldest) comment this workflow wrote: by the Actions bot and starting with the
 * marker. A person's comment that quotes the marker is never taken for it (and never edited).
 */
export function findMarkedComment<T extends IssueCommentLike>(comments: readonly T[], marker = modelCheckMarker, author = commentAuthor): T | undefined {
  return comments.find((comment) => comment.user?.login === author && (comment.body ?? '').startsWith(marker));
}

/** What {@link upsertPullRequestComment} did. */
export interface CommentOutcome {
  action: 'created' | 'updated';
  id: number;
  url: string | undefined;
}

/**
 * Creates the marked comment on a pull request, or updates the one already there. Comments are
 * read through every page, oldest first, so the same comment is found on each push.
 */
export async function upsertPullRequestComment(
  client: GitHubClient,
  repository: RepositoryRef,
  pullNumber: number,
  body: string,
  marker = modelCheckMarker,
): Promise<CommentOutcome> {
  const text = markedCommentBody(body, marker);
  const comments = await client.paginate(client.rest.issues.listComments, { ...repository, issue_number: pullNumber, per_page: 100 });
  const existing = findMarkedComment(comments, marker);
  if (existing) {
    const updated = await client.rest.issues.updateComment({ ...repository, comment_id: existing.id, body: text });
    return { action: 'updated', id: updated.data.id, url: updated.data.html_url };
  }
  const created = await client.rest.issues.createComment({ ...repository, issue_number: pullNumber, body: text });
  return { action: 'created', id: created.data.id, url: created.data.html_url };
}
