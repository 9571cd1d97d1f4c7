import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { defaultPermissions, escalations, parsePermissions, readOnly } from '../github/permissions.js';
import type { Permissions } from '../state/schema.js';
import { WorkflowError } from '../workflow/errors.js';
import { literalValue, tokenLocation } from '../workflow/template.js';

/**
 * A job's GITHUB_TOKEN permissions: its `permissions:`, else its workflow's, else (top level) the
 * repository default or (a called workflow) the calling job's; never above the calling job's
 * (GitHub refuses such a run at startup); read-only for a pull request from a fork.
 */
export function resolveJobPermissions(options: {
  jobToken: TemplateToken | undefined;
  workflowToken: TemplateToken | undefined;
  file: string;
  where: string;
  repositoryDefault: 'read' | 'write';
  ceiling: Permissions | null;
  fork: boolean;
}): Permissions {
  const parse = (token: TemplateToken, where: string): Permissions => {
    const value = literalValue(token);
    if (value === undefined) throw new WorkflowError(`${tokenLocation(token, options.file, where)}: permissions cannot use expressions`);
    try {
      return parsePermissions(value, tokenLocation(token, options.file, where));
    } catch (error) {
      throw new WorkflowError((error as Error).message);
    }
  };
  let permissions: Permissions;
  if (options.jobToken) permissions = parse(options.jobToken, `${options.where}.permissions`);
  else if (options.workflowToken) permissions = parse(options.workflowToken, 'permissions');
  else permissions = options.ceiling ?? defaultPermissions(options.repositoryDefault);
  if (options.ceiling) {
    const above = escalations(permissions, options.ceiling);
    if (above.length > 0) {
      throw new WorkflowError(`${options.file} ${options.where}: the nested job is requesting ${above.join(', ')}: a called workflow cannot have more permissions than its caller (GitHub fails the run at startup).`);
    }
  }
  return options.fork ? readOnly(permissions) : permissions;
}
