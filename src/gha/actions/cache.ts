import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
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

/**
 * What a stored entry holds: its paths, and every stored file as "path<TAB>size<TAB>mtime"
 * (relative to the entry's folder, mtime in seconds with nanoseconds), sorted. `format` 2; an
 * older manifest (files as objects) is rewritten from the stored files at its next restore.
 */
export interface CacheManifest {
  format?: 2;
  paths: string[];
  files: string[];
}

/** The cache version GitHub derives from the paths (and compression), which scopes a key. */
export function cacheVersion(paths: readonly string[]): string {
  return createHash('sha256').update(`${paths.join('|')}|gzip|1.0`).digest('hex');
}

/**
 * Every file stored in an entry's folder (the manifest itself left out), as the manifest lists
 * them. GNU find stats them in one process: about a tenth of the CPU of stat calls from Node.js
 * on the 25,000 files of node_modules, and this runs after every job that restored the entry.
 */
async function storedFiles(folder: string): Promise<string[]> {
  if (!existsSync(folder)) return [];
  const { stdout } = await exec('find', [folder, '-mindepth', '1', '-type', 'f', '-printf', '%P\t%s\t%T@\n'], { maxBuffer: 1 << 30 });
  return stdout
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('manifest.json\t'))
    .sort();
}

/** Writes the manifest of an entry whose files are stored in `folder` (0, 1, … for each path). */
export async function writeCacheManifest(folder: string, paths: readonly string[]): Promise<CacheManifest> {
  const manifest: CacheManifest = { format: 2, paths: [...paths], files: await storedFiles(folder) };
  await writeFile(join(folder, 'manifest.json'), JSON.stringify(manifest));
  return manifest;
}

/** The stored files whose size or mtime differ from the manifest's, or that it does not list. */
async function changedFiles(folder: string, manifest: CacheManifest): Promise<string[]> {
  const before = new Set(manifest.files);
  return (await storedFiles(folder)).filter((line) => !before.has(line)).map((line) => line.split('\t')[0]!);
}

function sizeOf(manifest: CacheManifest): number {
  return manifest.files.reduce((sum, line) => sum + Number(line.split('\t')[1] ?? 0), 0);
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
    const version = cacheVersion(paths);
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
      let manifest = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8')) as CacheManifest;
      if (manifest.format !== 2) manifest = await writeCacheManifest(folder, manifest.paths);
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
          const changed = await changedFiles(folder, manifest);
          if (changed.length > 0) {
            state.caches = state.caches.filter((c) => c.id !== partial.id);
            await rm(folder, { recursive: true, force: true });
            throw new Error(`The job changed ${changed.length} restored cache file(s) in place (e.g. ${join(folder, changed[0]!)}); the cache entry ${partial.key} was removed.`);
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
          const manifest = await writeCacheManifest(folder, paths);
          state.caches.push({ id, key, version, ref: event.ref, size: sizeOf(manifest), created_at: new Date().toISOString() });
          await services.save();
          job.log(`Cache saved with key: ${key}`);
        },
      });
    }
    return { 'cache-hit': hit ? 'true' : 'false', ...(partial ? { 'cache-matched-key': partial.key, 'cache-primary-key': inputs.key } : { 'cache-primary-key': inputs.key }) };
  },
};
