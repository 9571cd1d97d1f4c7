import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * `hashFiles(patterns…)` as the runner computes it: the files under the workspace that the glob
 * patterns select (`!` excludes), each hashed with SHA-256, the digests fed in order into one
 * SHA-256; '' when nothing matches. Globs follow @actions/glob: `*` and `?` stay within a path
 * segment, `**` crosses them. Files are taken in path order.
 */

function globRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        out += '(?:.*/)?';
      } else out += '.*';
    } else if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) out += '\\[';
      else {
        out += `[${pattern.slice(i + 1, end)}]`;
        i = end;
      }
    } else out += /[.+^${}()|\\/]/.test(ch) ? `\\${ch}` : ch;
  }
  return new RegExp(`^${out}(?:/.*)?$`);
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === '.git') continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (entry.isFile()) out.push(full);
  }
}

/** The hash of the selected files, '' when none. */
export function hashFiles(workspace: string, patterns: readonly string[]): string {
  const includes = patterns.filter((p) => !p.startsWith('!')).map((p) => p.replace(/^\.\//, ''));
  const excludes = patterns.filter((p) => p.startsWith('!')).map((p) => globRegex(p.slice(1).replace(/^\.\//, '')));
  const candidates = new Set<string>();
  for (const pattern of includes) {
    // Walk only below the pattern's literal prefix (node_modules stays out of `src/**`).
    const literal = pattern.split('/').filter((_, i, parts) => !parts.slice(0, i + 1).some((part) => /[*?[]/.test(part)));
    const base = join(workspace, ...literal);
    if (!existsSync(base)) continue;
    const files: string[] = [];
    if (statSync(base).isFile()) files.push(base);
    else walk(base, files);
    const regex = globRegex(pattern);
    for (const file of files) {
      const rel = relative(workspace, file).split(sep).join('/');
      if (regex.test(rel)) candidates.add(rel);
    }
  }
  const selected = [...candidates].filter((rel) => !excludes.some((regex) => regex.test(rel))).sort();
  if (selected.length === 0) return '';
  const result = createHash('sha256');
  for (const rel of selected) result.update(createHash('sha256').update(readFileSync(join(workspace, rel))).digest());
  return result.digest('hex');
}
