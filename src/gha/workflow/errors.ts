import { ConfigError } from '../../core/errors.js';

/**
 * A workflow the runner cannot run as written: invalid (GitHub's parser refuses it), or using a
 * feature this runner does not implement. The message names the file, the key and the feature;
 * `gha` exits 2 with it, never with a stack trace.
 */
export class WorkflowError extends ConfigError {}

/** A feature GitHub supports and this runner does not: named, never silently skipped. */
export function unsupported(feature: string, where: string): WorkflowError {
  return new WorkflowError(`${where}: ${feature} is not supported by the local runner (npm run gha). Remove it, or run this workflow on GitHub.`);
}
