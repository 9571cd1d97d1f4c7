import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { takeFault } from '../github/faults.js';
import type { JobState } from '../runner/job-state.js';
import type { StandInSpec } from '../runner/local-action.js';
import type { StoredArtifact } from '../state/schema.js';

const exec = promisify(execFile);

/**
 * actions/upload-artifact and actions/download-artifact (v4 and later): artifacts belong to the
 * workflow run, names are unique in it (a second upload of a name is the 409 Conflict v4 gives,
 * unless `overwrite: true`), hidden files stay out unless `include-hidden-files`, the files keep
 * their paths below the least common ancestor of the search paths. Downloads of the current run
 * read the run's artifacts; `run-id` with `github-token` goes through the REST API, which needs
 * `actions: read`.
 */

function artifactFolder(job: JobState, id: number): string {
  return join(job.attempt.services.store.paths.artifacts, String(id));
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else if (entry.isFile() || entry.isSymbolicLink()) out.push(full);
  }
  return out;
}

function globToRegex(pattern: string): RegExp {
  const body = pattern
    .split('**')
    .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

/** The files a `path:` input selects, with the root they are stored relative to. */
export async function searchFiles(workspace: string, pathInput: string, includeHidden: boolean): Promise<{ root: string; files: string[] }> {
  const lines = pathInput.split('\n').map((l) => l.trim()).filter(Boolean);
  const includes = lines.filter((l) => !l.startsWith('!')).map((l) => (isAbsolute(l) ? l : resolve(workspace, l)));
  const excludes = lines.filter((l) => l.startsWith('!')).map((l) => globToRegex(isAbsolute(l.slice(1)) ? l.slice(1) : resolve(workspace, l.slice(1))));
  const files = new Set<string>();
  const searchRoots: string[] = [];
  for (const include of includes) {
    const wildcard = include.search(/[*?[]/);
    const base = wildcard < 0 ? include.replace(/\/+$/, '') : dirname(include.slice(0, wildcard) + 'x');
    const info = await stat(base).catch(() => null);
    if (!info) continue;
    searchRoots.push(wildcard < 0 && info.isFile() ? dirname(base) : base);
    if (info.isFile()) files.add(base);
    else {
      const regex = wildcard < 0 ? null : globToRegex(include);
      for (const file of await listFiles(base)) if (!regex || regex.test(file)) files.add(file);
    }
  }
  const root = searchRoots.length === 0 ? workspace : searchRoots.reduce((a, b) => commonAncestor(a, b));
  const hidden = (file: string) => relative(root, file).split(sep).some((part) => part.startsWith('.'));
  const selected = [...files].filter((file) => !excludes.some((regex) => regex.test(file)) && (includeHidden || !hidden(file)));
  return { root, files: selected.sort() };
}

function commonAncestor(a: string, b: string): string {
  const left = a.split(sep);
  const right = b.split(sep);
  const common: string[] = [];
  for (let i = 0; i < Math.min(left.length, right.length) && left[i] === right[i]; i++) common.push(left[i]!);
  return common.join(sep) || sep;
}

/** Stores files as a new artifact of the job's run (the shared part of both upload stand-ins). */
export async function storeArtifact(job: JobState, name: string, root: string, files: readonly string[], retentionDays: number, overwrite: boolean): Promise<StoredArtifact> {
  const services = job.attempt.services;
  const state = services.store.state;
  const runId = job.attempt.run.id;
  if (takeFault(services.store, 'artifact-upload', `${job.name} ${name}`)) {
    throw new Error(`Failed to FinalizeArtifact: Unable to make request: 500 Internal Server Error (injected artifact-upload fault for '${name}')`);
  }
  const existing = state.artifacts.find((a) => a.run_id === runId && a.name === name);
  if (existing) {
    if (!overwrite) throw new Error(`Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: an artifact with this name already exists on the workflow run`);
    state.artifacts = state.artifacts.filter((a) => a !== existing);
    await rm(artifactFolder(job, existing.id), { recursive: true, force: true });
  }
  const id = services.store.nextId();
  const folder = artifactFolder(job, id);
  const digest = createHash('sha256');
  let size = 0;
  for (const file of files) {
    const target = join(folder, relative(root, file));
    await mkdir(dirname(target), { recursive: true });
    await cp(file, target, { dereference: true });
    const bytes = await readFile(file);
    digest.update(relative(root, file)).update(bytes);
    size += bytes.length;
  }
  await mkdir(folder, { recursive: true });
  const created = new Date();
  const artifact: StoredArtifact = { id, run_id: runId, name, size, digest: digest.digest('hex'), created_at: created.toISOString(), expires_at: new Date(created.getTime() + retentionDays * 86_400_000).toISOString() };
  state.artifacts.push(artifact);
  await services.save();
  return artifact;
}

export const uploadArtifact: StandInSpec = {
  inputs: { name: 'artifact', path: null, 'if-no-files-found': 'warn', 'retention-days': '0', 'compression-level': '6', overwrite: 'false', 'include-hidden-files': 'false', archive: 'true' },
  async run(job, inputs): Promise<Record<string, string>> {
    if (!inputs.path) throw new Error('Input required and not supplied: path');
    if (inputs.archive !== 'true') throw new Error('actions/upload-artifact stand-in: archive: false is not supported by the local runner');
    const { root, files } = await searchFiles(job.workspace, inputs.path, inputs['include-hidden-files'] === 'true');
    if (files.length === 0) {
      const message = `No files were found with the provided path: ${inputs.path}. No artifacts will be uploaded.`;
      if (inputs['if-no-files-found'] === 'error') throw new Error(message);
      if (inputs['if-no-files-found'] === 'warn') job.annotations.push({ level: 'warning', message });
      job.log(message);
      return {};
    }
    const days = Number(inputs['retention-days']) || 90;
    const artifact = await storeArtifact(job, inputs.name!, root, files, days, inputs.overwrite === 'true');
    job.log(`Artifact ${artifact.name} (${files.length} files, ${artifact.size} bytes) uploaded: id ${artifact.id}.`);
    const { owner, name } = job.attempt.services.store.state.repository;
    return { 'artifact-id': String(artifact.id), 'artifact-url': `${job.attempt.services.serverUrl}/${owner}/${name}/actions/runs/${artifact.run_id}/artifacts/${artifact.id}`, 'artifact-digest': artifact.digest };
  },
};

async function copyArtifact(job: JobState, artifact: StoredArtifact, target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  await cp(artifactFolder(job, artifact.id), target, { recursive: true });
}

async function downloadViaApi(job: JobState, token: string, repository: string, runId: string, wanted: (name: string) => boolean): Promise<{ name: string; dir: string }[]> {
  const api = `${job.attempt.services.serverUrl}/repos/${repository}/actions`;
  const headers = { authorization: `token ${token}`, accept: 'application/vnd.github+json' };
  const response = await fetch(`${api}/runs/${runId}/artifacts?per_page=100`, { headers });
  if (!response.ok) throw new Error(`Unable to list the artifacts of run ${runId}: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`);
  const listed = ((await response.json()) as { artifacts: { id: number; name: string }[] }).artifacts.filter((a) => wanted(a.name));
  const out: { name: string; dir: string }[] = [];
  for (const artifact of listed) {
    const zip = await fetch(`${api}/artifacts/${artifact.id}/zip`, { headers });
    if (!zip.ok) throw new Error(`Unable to download artifact ${artifact.name}: HTTP ${zip.status}`);
    const scratch = await mkdtemp(join(tmpdir(), 'gha-download-'));
    await writeFile(join(scratch, 'a.zip'), Buffer.from(await zip.arrayBuffer()));
    await mkdir(join(scratch, 'files'));
    await exec('unzip', ['-q', join(scratch, 'a.zip'), '-d', join(scratch, 'files')]);
    out.push({ name: artifact.name, dir: join(scratch, 'files') });
  }
  return out;
}

export const downloadArtifact: StandInSpec = {
  inputs: { name: '', 'artifact-ids': '', path: '', pattern: '', 'merge-multiple': 'false', 'github-token': '', repository: '${{ github.repository }}', 'run-id': '${{ github.run_id }}', 'skip-decompress': 'false', 'digest-mismatch': 'error' },
  async run(job, inputs) {
    if (inputs['artifact-ids']) throw new Error('actions/download-artifact stand-in: artifact-ids is not supported by the local runner');
    const github = job.contexts.github as Record<string, string>;
    const runId = inputs['run-id'] === '${{ github.run_id }}' || !inputs['run-id'] ? github.run_id! : inputs['run-id'];
    const repository = inputs.repository === '${{ github.repository }}' || !inputs.repository ? github.repository! : inputs.repository;
    const path = inputs.path ? (isAbsolute(inputs.path) ? inputs.path : resolve(job.workspace, inputs.path)) : job.workspace;
    const pattern = inputs.pattern ? globToRegex(inputs.pattern) : null;
    const wanted = (name: string) => (inputs.name ? name === inputs.name : pattern ? pattern.test(name) : true);
    const intoOwnFolder = !inputs.name && inputs['merge-multiple'] !== 'true';
    let count = 0;
    if (inputs['github-token'] && (runId !== github.run_id || repository !== github.repository)) {
      for (const { name, dir } of await downloadViaApi(job, inputs['github-token'], repository, runId, wanted)) {
        await mkdir(intoOwnFolder ? join(path, name) : path, { recursive: true });
        await cp(dir, intoOwnFolder ? join(path, name) : path, { recursive: true });
        await rm(dirname(dir), { recursive: true, force: true });
        count++;
      }
    } else {
      for (const artifact of job.attempt.services.store.state.artifacts.filter((a) => String(a.run_id) === runId && wanted(a.name))) {
        await copyArtifact(job, artifact, intoOwnFolder ? join(path, artifact.name) : path);
        count++;
      }
    }
    if (inputs.name && count === 0) throw new Error(`Unable to download artifact(s): Artifact not found for name: ${inputs.name}`);
    job.log(`Downloaded ${count} artifact(s) to ${path}.`);
    return { 'download-path': path };
  },
};
