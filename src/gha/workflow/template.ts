import {
  isBasicExpression,
  isBoolean,
  isMapping,
  isNumber,
  isSequence,
  isString,
} from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import type { MappingToken } from '@actions/workflow-parser/templates/tokens/mapping-token';
import { WorkflowError, unsupported } from './errors.js';
import { evaluateExpression, expressionString, type ExpressionScope, type Json } from './expressions.js';

/**
 * Evaluating the template tokens GitHub's parser produces: literals stay as they are, every
 * `${{ }}` (the parser turns `a ${{ b }} c` into `format('a {0} c', b)`) goes through the
 * expression engine with the contexts the key allows.
 */

const insertExpression = 4;
const nullToken = 7;

/** Where a token is, for error messages: `file.yml:12:7 (jobs.release.steps[2].with)`. */
export function tokenLocation(token: TemplateToken | undefined, file: string, key: string): string {
  const line = token?.range?.start.line;
  return line ? `${file}:${line}:${token?.range?.start.column ?? 1} (${key})` : `${file} (${key})`;
}

/** Evaluates a token to JSON. */
export function evaluateToken(token: TemplateToken, scope: ExpressionScope, where: string): Json {
  if (isString(token)) return token.value;
  if (isNumber(token)) return token.value;
  if (isBoolean(token)) return token.value;
  if (token.templateTokenType === nullToken) return null;
  if (isBasicExpression(token)) return evaluateExpression(token.expression, scope, where);
  if (token.templateTokenType === insertExpression) throw unsupported('`${{ insert }}`', where);
  if (isSequence(token)) {
    const out: Json[] = [];
    for (let i = 0; i < token.count; i++) out.push(evaluateToken(token.get(i), scope, `${where}[${i}]`));
    return out;
  }
  if (isMapping(token)) {
    const out: Record<string, Json> = {};
    for (const pair of token) {
      const key = expressionString(evaluateToken(pair.key, scope, where));
      out[key] = evaluateToken(pair.value, scope, `${where}.${key}`);
    }
    return out;
  }
  throw new WorkflowError(`${where}: unexpected ${token.typeName()} token`);
}

/** Evaluates a token that must give a string (env values, inputs, scripts). */
export function evaluateString(token: TemplateToken, scope: ExpressionScope, where: string): string {
  return expressionString(evaluateToken(token, scope, where));
}

/** Evaluates a mapping of strings (env:, with:). */
export function evaluateStringMap(token: TemplateToken | undefined, scope: ExpressionScope, where: string): Record<string, string> {
  if (!token) return {};
  const value = evaluateToken(token, scope, where);
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new WorkflowError(`${where}: expected a mapping, got ${JSON.stringify(value)}`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expressionString(v)]));
}

/** The value of `key` in a mapping token, or undefined. */
export function property(mapping: TemplateToken | undefined, key: string): TemplateToken | undefined {
  if (!mapping || !isMapping(mapping)) return undefined;
  return (mapping as MappingToken).find(key);
}

/** The keys of a mapping token (literal keys only: the schema allows no expression keys where this is used). */
export function keysOf(mapping: TemplateToken | undefined): string[] {
  if (!mapping || !isMapping(mapping)) return [];
  const keys: string[] = [];
  for (const pair of mapping) if (isString(pair.key)) keys.push(pair.key.value);
  return keys;
}

/** The literal (expression-free) value of a token, or undefined when it holds an expression. */
export function literalValue(token: TemplateToken | undefined): Json | undefined {
  if (!token) return undefined;
  try {
    return evaluateToken(token, { contexts: {} }, 'literal');
  } catch {
    return undefined;
  }
}
