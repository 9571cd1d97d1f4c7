import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { JobState } from '../runner/job-state.js';
import type { StandInSpec } from '../runner/local-action.js';

const exec = promisify(execFile);

/**
 * actions/cache: restore by exact key, else by `restore-keys` prefixes (newest first), from caches
 * of the current ref, the base branch of a pull request, or the default branch (GitHub's cache
 * scopes); `cache-hit` only for an exact key; saved in the post step when the key missed and the
 * job succeeded. A restore hard-links the stored files (instant, like a warm disk): the post step
 * checks that no stored file changed in place, and throws the entry away (with an error) if one
 * did, so a job can never poison later restores.
 */

interface Manifest {
  paths: string[];
  files: { path: string; size: number; mtimeMs: number }[];
}

function versionOf(paths: readonly string[]): string {
  return createHash('sha256').update(`${paths.join('|')}|gzip|1.0`).digest('hex');
}

async function walk(dir: string, out: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, out);
    else if (entry.isFile()) out.push(full);
  }
}

async function manifestOf(folder: string, paths: string[]): Promise<Manifest> {
  const files: string[] = [];
  if (existsSync(folder)) await walk(folder, files);
  const entries = [];
  for (const path of files.filter((f) => !f.endsWith('/manifest.json'))) {
    const info = await stat(path);
    entries.push({ path, size: info.size, mtimeMs: info.mtimeMs });
  }
  return { paths, files: entries };
}

function resolvePath(job: JobState, path: string): string {
  if (path.startsWith('~/')) return join(job.machine.home, path.slice(2));
  return isAbsolute(path) ? path : resolve(job.workspace, path);
}

export const cache: StandInSpec = {
  inputs: { key: null, path: null, 'restore-keys': '', 'upload-chunk-size': '', enableCrossOsArchive: 'false', 'fail-on-cache-miss': 'false', 'lookup-only': 'false', 'save-always': 'false' },
  async run(job, inputs): Promise<Record<string, string>> {
    const services = job.attempt.services;
    const state = services.store.state;
    if (!inputs.key) throw new Error('Input required and not supplied: key');
    const paths = (inputs.path ?? '').split('\n').map((p) => p.trim()).filter(Boolean);
    if (paths.length === 0) throw new Error('Input required and not supplied: path');
    if (paths.some((p) => /[*?[]/.test(p) || p.startsWith('!'))) throw new Error('actions/cache stand-in: glob paths are not supported by the local runner');
    const version = versionOf(paths);
    const event = job.attempt.event;
    const scopes = [event.ref, ...(event.baseRef ? [`refs/heads/${event.baseRef}`] : []), `refs/heads/${state.repository.default_branch}`];
    const candidates = state.caches.filter((c) => c.version === version && scopes.includes(c.ref)).sort((a, b) => b.created_at.localeCompare(a.created_at));
    const restoreKeys = (inputs['restore-keys'] ?? '').split('\n').map((k) => k.trim()).filter(Boolean);
    const byScope = (list: typeof candidates) => scopes.map((ref) => list.filter((c) => c.ref === ref)).flat();
    const exact = byScope(candidates.filter((c) => c.key === inputs.key))[0];
    const partial = exact ?? restoreKeys.map((prefix) => byScope(candidates.filter((c) => c.key.startsWith(prefix)))[0]).find(Boolean);
    const hit = exact !== undefined;
    if (partial && inputs['lookup-only'] !== 'true') {
      const folder = join(services.store.paths.caches, String(partial.id));
      const manifest = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8')) as Manifest;
      for (const [index, path] of manifest.paths.entries()) {
        const source = join(folder, String(index));
        if (!existsSync(source)) continue;
        const target = resolvePath(job, path);
        await mkdir(target, { recursive: true });
        if (process.env.GHA_TRACE) console.error(`[trace] cache restore ${source} -> ${target}`);
        await exec('cp', ['-al', `${source}/.`, target]);
        if (process.env.GHA_TRACE) console.error(`[trace] cache restored`);
      }
      job.log(`Cache restored from key: ${partial.key}`);
      job.post.push({
        name: `Check the restored cache ${partial.key}`,
        condition: 'always()',
        run: async () => {
          const now = await manifestOf(folder, manifest.paths);
          const before = new Map(manifest.files.map((f) => [f.path, f]));
          const changed = now.files.filter((f) => before.get(f.path)?.mtimeMs !== f.mtimeMs || before.get(f.path)?.size !== f.size);
          if (changed.length > 0) {
            state.caches = state.caches.filter((c) => c.id !== partial.id);
            await rm(folder, { recursive: true, force: true });
            throw new Error(`The job changed ${changed.length} restored cache file(s) in place (e.g. ${changed[0]!.path}); the cache entry ${partial.key} was removed.`);
          }
        },
      });
    } else if (!partial) {
      if (inputs['fail-on-cache-miss'] === 'true') throw new Error(`Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Input key: ${inputs.key}`);
      job.log(`Cache not found for input keys: ${[inputs.key, ...restoreKeys].join(', ')}`);
    }
    if (!hit) {
      const key = inputs.key;
      job.post.push({
        name: `Save cache ${key}`,
        condition: inputs['save-always'] === 'true' ? 'always()' : 'success()',
        run: async () => {
          if (state.caches.some((c) => c.key === key && c.version === version && c.ref === event.ref)) {
            job.log(`Unable to reserve cache with key ${key}, another job may be creating this cache.`);
            return;
          }
          const id = services.store.nextId();
          const folder = join(services.store.paths.caches, String(id));
          await mkdir(folder, { recursive: true });
          for (const [index, path] of paths.entries()) {
            const source = resolvePath(job, path);
            if (!existsSync(source)) continue;
            await exec('cp', ['-a', source, join(folder, String(index))]);
          }
          const manifest = await manifestOf(folder, paths);
          await writeFile(join(folder, 'manifest.json'), JSON.stringify(manifest));
          state.caches.push({ id, key, version, ref: event.ref, size: manifest.files.reduce((sum, f) => sum + f.size, 0), created_at: new Date().toISOString() });
          await services.save();
          job.log(`Cache saved with key: ${key}`);
        },
      });
    }
    return { 'cache-hit': hit ? 'true' : 'false', ...(partial ? { 'cache-matched-key': partial.key, 'cache-primary-key': inputs.key } : { 'cache-primary-key': inputs.key }) };
  },
};
