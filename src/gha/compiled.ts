import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The path of a compiled program of src/gha that gha starts as a separate process (the docker
 * stand-in, the origin's hooks): beside the calling module when that module is compiled
 * (dist/src/gha/…), and the same file under dist/ when the module runs from its TypeScript source
 * (vitest imports src/ directly; Node cannot start a .ts file), so `npm run build` must have run.
 */
export function compiledProgram(moduleUrl: string, program: string): string {
  const module = fileURLToPath(moduleUrl);
  const beside = join(dirname(module), program);
  if (!module.endsWith('.ts')) return beside;
  const srcRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
  return join(srcRoot, '..', 'dist', 'src', relative(srcRoot, beside));
}
