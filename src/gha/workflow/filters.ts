/**
 * GitHub's filter patterns (`branches:`, `tags:`, `paths:` and their `-ignore` forms), with the
 * rules of GitHub's cheat sheet: `*` matches anything but `/`, `**` anything, `?` zero or one of
 * the preceding character, `+` one or more of it, `[]` a class, `\` escapes, and a leading `!`
 * excludes what earlier patterns matched (patterns are applied in order).
 */

/** The regular expression for one pattern (without its `!`). */
export function filterPatternRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) {
      out += escapeRegex(pattern[++i]!);
    } else if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // `**/` also matches nothing (a/**/b matches a/b).
        if (pattern[i + 1] === '/') {
          i++;
          out += '(?:.*/)?';
        } else out += '.*';
      } else out += '[^/]*';
    } else if (ch === '?') {
      out += '?';
    } else if (ch === '+') {
      out += '+';
    } else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) out += '\\[';
      else {
        out += `[${pattern.slice(i + 1, end).replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else out += escapeRegex(ch);
  }
  return new RegExp(`^${out}$`);
}

function escapeRegex(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}

/** Whether a value is selected by an ordered list of patterns (with `!` exclusions). */
export function selectedBy(patterns: readonly string[], value: string): boolean {
  let selected = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    if (filterPatternRegex(negated ? pattern.slice(1) : pattern).test(value)) selected = !negated;
  }
  return selected;
}

/** Filters with an include list and an ignore list (only one may be given, as GitHub requires). */
export interface IncludeIgnore {
  include?: readonly string[] | undefined;
  ignore?: readonly string[] | undefined;
}

/** A ref name passes a branches/tags filter pair. */
export function refPasses(filter: IncludeIgnore, name: string): boolean {
  if (filter.include) return selectedBy(filter.include, name);
  if (filter.ignore) return !selectedBy(filter.ignore, name);
  return true;
}

/** Changed paths pass a paths/paths-ignore filter pair: any selected file (include), or any file not ignored. */
export function pathsPass(filter: IncludeIgnore, files: readonly string[]): boolean {
  if (filter.include) return files.some((file) => selectedBy(filter.include!, file));
  if (filter.ignore) return files.some((file) => !selectedBy(filter.ignore!, file));
  return true;
}
