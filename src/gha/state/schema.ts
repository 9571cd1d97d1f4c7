import { z } from 'zod';

/**
 * The simulated GitHub's persistent state (`<state dir>/github.json`): the repository's
 * settings and everything its REST API holds. Blobs (release assets, artifacts, caches, Pages)
 * live in folders beside it; the git origin is a bare repository; images live in the container
 * registry's storage. One schema, read and written whole, atomically.
 */

/** A GitHub permission scope a job token can hold. */
export const permissionScopes = [
  'actions', 'attestations', 'checks', 'contents', 'deployments', 'discussions', 'id-token', 'issues', 'models',
  'packages', 'pages', 'pull-requests', 'repository-projects', 'security-events', 'statuses',
] as const;
export type PermissionScope = (typeof permissionScopes)[number];
export type PermissionLevel = 'none' | 'read' | 'write';
export type Permissions = Partial<Record<PermissionScope, PermissionLevel>>;
const permissionsSchema = z.partialRecord(z.enum(permissionScopes), z.enum(['none', 'read', 'write']));

/** Who did something: a user, or the Actions bot (the job token). */
export const actorSchema = z.object({ login: z.string(), type: z.enum(['User', 'Bot']) });
export type Actor = z.infer<typeof actorSchema>;

const assetSchema = z.object({ id: z.number(), name: z.string(), content_type: z.string(), size: z.number(), sha256: z.string(), uploader: actorSchema });
const releaseSchema = z.object({
  id: z.number(),
  tag_name: z.string(),
  target_commitish: z.string(),
  name: z.string().nullable(),
  body: z.string().nullable(),
  draft: z.boolean(),
  prerelease: z.boolean(),
  created_at: z.string(),
  published_at: z.string().nullable(),
  author: actorSchema,
  assets: z.array(assetSchema),
});
export type StoredRelease = z.infer<typeof releaseSchema>;
export type StoredAsset = z.infer<typeof assetSchema>;

const deploymentStatusSchema = z.object({
  id: z.number(),
  state: z.string(),
  description: z.string(),
  environment_url: z.string().optional(),
  log_url: z.string().optional(),
  created_at: z.string(),
  creator: actorSchema,
});
const deploymentSchema = z.object({
  id: z.number(),
  ref: z.string(),
  sha: z.string(),
  environment: z.string(),
  payload: z.unknown(),
  description: z.string().nullable(),
  created_at: z.string(),
  creator: actorSchema,
  /** Created by the runner for a job's `environment:` (not by the API). */
  automatic: z.boolean().default(false),
  statuses: z.array(deploymentStatusSchema),
});
export type StoredDeployment = z.infer<typeof deploymentSchema>;

const issueSchema = z.object({
  number: z.number(),
  title: z.string(),
  body: z.string().nullable(),
  state: z.enum(['open', 'closed']),
  labels: z.array(z.string()),
  user: actorSchema,
  created_at: z.string(),
  updated_at: z.string(),
  closed_at: z.string().nullable(),
  /** Present for pull requests (they share numbers with issues, as on GitHub). */
  pull_request: z
    .object({
      head: z.object({ ref: z.string(), sha: z.string(), repo: z.string() }),
      base: z.object({ ref: z.string(), sha: z.string() }),
      merged: z.boolean(),
      merge_commit_sha: z.string().nullable(),
    })
    .optional(),
});
export type StoredIssue = z.infer<typeof issueSchema>;

const commentSchema = z.object({ id: z.number(), issue_number: z.number(), body: z.string(), user: actorSchema, created_at: z.string(), updated_at: z.string() });
export type StoredComment = z.infer<typeof commentSchema>;

const jobRecordSchema = z.object({
  /** Stable across attempts (job id, matrix values, calling job): what a re-run of failed jobs matches. */
  key: z.string().default(''),
  name: z.string(),
  conclusion: z.string(),
  attempt: z.number(),
  runner: z.string(),
  permissions: permissionsSchema,
  started_at: z.string(),
  completed_at: z.string(),
  log: z.string(),
  outputs: z.record(z.string(), z.string()).default({}),
  summary: z.string().default(''),
  annotations: z.array(z.object({ level: z.enum(['error', 'warning', 'notice']), message: z.string(), file: z.string().optional(), line: z.number().optional() })).default([]),
  reused: z.boolean().default(false),
});
export type JobRecord = z.infer<typeof jobRecordSchema>;

const runSchema = z.object({
  id: z.number(),
  run_number: z.number(),
  workflow: z.string(),
  name: z.string(),
  event: z.string(),
  head_sha: z.string(),
  head_branch: z.string().nullable(),
  ref: z.string(),
  actor: z.string(),
  status: z.enum(['queued', 'in_progress', 'completed']),
  conclusion: z.string().nullable(),
  run_attempt: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
  /** The event payload file (in the state folder), for re-runs. */
  event_path: z.string(),
  /** Repository-relative workflow path and the commit it was read from (null: the working tree). */
  workflow_sha: z.string().nullable(),
  inputs: z.record(z.string(), z.unknown()).default({}),
  pull_requests: z.array(z.number()).default([]),
  jobs: z.array(jobRecordSchema).default([]),
});
export type StoredRun = z.infer<typeof runSchema>;

const artifactSchema = z.object({ id: z.number(), run_id: z.number(), name: z.string(), size: z.number(), digest: z.string(), created_at: z.string(), expires_at: z.string() });
export type StoredArtifact = z.infer<typeof artifactSchema>;

const cacheSchema = z.object({ id: z.number(), key: z.string(), version: z.string(), ref: z.string(), size: z.number(), created_at: z.string() });
export type StoredCache = z.infer<typeof cacheSchema>;

const environmentSchema = z.object({
  secrets: z.record(z.string(), z.string()).default({}),
  variables: z.record(z.string(), z.string()).default({}),
  /** Branches (and tags, `tag:v*`) allowed to deploy; null: any ref. */
  deployment_branches: z.array(z.string()).nullable().default(null),
});
export type StoredEnvironment = z.infer<typeof environmentSchema>;

const protectionSchema = z.object({
  /** Changes reach the branch only through pull requests (admins may bypass unless enforce_admins). */
  required_pull_request: z.boolean().default(true),
  enforce_admins: z.boolean().default(false),
  allow_force_pushes: z.boolean().default(false),
});

/** A failure the simulated GitHub injects on purpose (lifecycle tests of re-runs). */
export const faultKinds = ['artifact-upload', 'release-asset-upload', 'registry-push', 'runner-crash', 'deploy-check'] as const;
const faultSchema = z.object({
  id: z.number(),
  kind: z.enum(faultKinds),
  /**
   * Only where the name contains this text: the job's and artifact's (artifact-upload), the
   * asset's (release-asset-upload), the image repository's (registry-push), the job's
   * (runner-crash), the image reference's (deploy-check: a container of that image started by a
   * deploy job exits at once, so its post-deploy check fails).
   */
  match: z.string().default(''),
  remaining: z.number().int().min(0),
});
export type StoredFault = z.infer<typeof faultSchema>;

const auditSchema = z.object({
  run_id: z.number().nullable(),
  job: z.string().nullable(),
  actor: z.string(),
  method: z.string(),
  path: z.string(),
  scope: z.string(),
  level: z.string(),
  allowed: z.boolean(),
  status: z.number(),
});
export type AuditEntry = z.infer<typeof auditSchema>;

export const gitHubStateSchema = z.object({
  schema: z.literal(1),
  repository: z.object({ owner: z.string(), name: z.string(), id: z.number(), default_branch: z.string(), visibility: z.enum(['public', 'private']) }),
  owner_login: z.string(),
  settings: z.object({
    default_workflow_permissions: z.enum(['read', 'write']).default('read'),
    actions_can_create_pull_requests: z.boolean().default(false),
    protected_branches: z.record(z.string(), protectionSchema).default({}),
    pages: z.object({ enabled: z.boolean(), build_type: z.enum(['workflow', 'legacy']) }).default({ enabled: false, build_type: 'workflow' }),
  }),
  secrets: z.record(z.string(), z.string()).default({}),
  variables: z.record(z.string(), z.string()).default({}),
  environments: z.record(z.string(), environmentSchema).default({}),
  next_id: z.number(),
  next_issue_number: z.number(),
  next_run_number: z.record(z.string(), z.number()).default({}),
  releases: z.array(releaseSchema).default([]),
  latest_release_id: z.number().nullable().default(null),
  deployments: z.array(deploymentSchema).default([]),
  issues: z.array(issueSchema).default([]),
  comments: z.array(commentSchema).default([]),
  runs: z.array(runSchema).default([]),
  artifacts: z.array(artifactSchema).default([]),
  caches: z.array(cacheSchema).default([]),
  pages_deployments: z.array(z.object({ id: z.number(), run_id: z.number(), sha: z.string(), ref: z.string(), created_at: z.string(), page_url: z.string() })).default([]),
  faults: z.array(faultSchema).default([]),
  audit: z.array(auditSchema).default([]),
  /** Pushes the runner has turned into events already (by push id in pushes.jsonl). */
  delivered_pushes: z.array(z.number()).default([]),
});
export type GitHubState = z.infer<typeof gitHubStateSchema>;
