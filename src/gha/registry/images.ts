import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The images a registry's storage holds, as `name:tag`, read from the distribution registry's
 * filesystem layout (`docker/registry/v2/repositories/<name>/_manifests/tags/<tag>`), so the
 * state can be listed without the registry running.
 */
export async function listRegistryImages(storage: string, prefix = 'ghcr.io/'): Promise<string[]> {
  const root = join(storage, 'docker', 'registry', 'v2', 'repositories');
  const images: string[] = [];
  const visit = async (dir: string, name: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    if (entries.some((e) => e.name === '_manifests')) {
      for (const tag of await readdir(join(dir, '_manifests', 'tags')).catch(() => [] as string[])) images.push(`${prefix}${name}:${tag}`);
    }
    for (const entry of entries) {
      if (entry.isDirectory() && !entry.name.startsWith('_')) await visit(join(dir, entry.name), name ? `${name}/${entry.name}` : entry.name);
    }
  };
  await visit(root, '');
  return images.sort();
}
