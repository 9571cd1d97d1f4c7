import { WorkflowError } from './errors.js';
import type { Json } from './expressions.js';
import type { LoadedWorkflow } from './load.js';

/**
 * `workflow_dispatch` inputs checked as GitHub checks them: unknown names and missing required
 * inputs are refused (the API answers 422), choices must be listed, booleans are `true`/`false`.
 * Returns the `inputs` context (typed) and the payload's `inputs` (strings, as GitHub sends them).
 */
export function dispatchInputs(workflow: LoadedWorkflow, given: Record<string, unknown>): { context: Record<string, Json>; payload: Record<string, string> } {
  const declared = workflow.template.events.workflow_dispatch?.inputs ?? {};
  const unexpected = Object.keys(given).filter((name) => !(name in declared));
  if (unexpected.length > 0) throw new WorkflowError(`Unexpected inputs provided: ${JSON.stringify(unexpected)} (${workflow.path} declares ${Object.keys(declared).join(', ') || 'none'})`);
  const context: Record<string, Json> = {};
  const payload: Record<string, string> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const raw = given[name] ?? spec.default;
    if (raw === undefined || raw === '') {
      if (spec.required) throw new WorkflowError(`Required input '${name}' not provided (${workflow.path})`);
    }
    const text = raw === undefined ? '' : String(raw);
    if (spec.type === 'boolean') {
      if (text !== '' && text !== 'true' && text !== 'false') throw new WorkflowError(`Input '${name}' must be true or false, not ${JSON.stringify(text)}`);
      context[name] = text === 'true';
    } else if (spec.type === 'choice') {
      if (text !== '' && !(spec.options ?? []).includes(text)) throw new WorkflowError(`Input '${name}' must be one of ${(spec.options ?? []).join(', ')}, not ${JSON.stringify(text)}`);
      context[name] = text;
    } else if ((spec.type as string) === 'number') {
      context[name] = text === '' ? null : Number(text);
    } else context[name] = text;
    if (raw !== undefined) payload[name] = text;
  }
  return { context, payload };
}
