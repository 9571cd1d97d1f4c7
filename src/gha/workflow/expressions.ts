import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import { WorkflowError } from './errors.js';

/**
 * `${{ }}` expressions evaluated by GitHub's own engine (@actions/expressions): the lexer, parser
 * and evaluator the Actions language services use, with GitHub's coercion, case-insensitive
 * contexts, `contains`, `format`, `fromJSON`… The runner adds what only a runner knows: the
 * status functions (`success()`, `failure()`, `always()`, `cancelled()`) and `hashFiles()`.
 */

/** A JSON value, as contexts hold them and expressions return them. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A function the runner provides (status functions, hashFiles). */
export interface RunnerFunction {
  name: string;
  minArgs: number;
  maxArgs: number;
  call(...args: Json[]): Json;
}

/** What an expression can see: named contexts and runner functions. */
export interface ExpressionScope {
  contexts: Record<string, unknown>;
  functions?: readonly RunnerFunction[];
}

/** Converts a JS value to the engine's data (through JSON: undefined becomes null). */
export function toExpressionData(value: unknown): data.ExpressionData {
  return JSON.parse(JSON.stringify(value ?? null), data.reviver) as data.ExpressionData;
}

/** Converts the engine's data back to plain JSON. */
export function fromExpressionData(value: data.ExpressionData): Json {
  return JSON.parse(JSON.stringify(value, data.replacer) ?? 'null') as Json;
}

/** Evaluates one expression (the text between `${{` and `}}`). `where` names it in errors. */
export function evaluateExpression(expression: string, scope: ExpressionScope, where: string): Json {
  const functions = scope.functions ?? [];
  let tree;
  try {
    const tokens = new Lexer(expression).lex().tokens;
    tree = new Parser(tokens, Object.keys(scope.contexts), functions.map(({ name, minArgs, maxArgs }) => ({ name, minArgs, maxArgs }))).parse();
  } catch (error) {
    throw new WorkflowError(`${where}: cannot parse the expression \`${expression}\`: ${(error as Error).message}`);
  }
  const context = new data.Dictionary();
  for (const [name, value] of Object.entries(scope.contexts)) context.add(name, toExpressionData(value));
  const definitions = new Map<string, FunctionDefinition>(
    functions.map((f) => [
      f.name.toLowerCase(),
      { name: f.name, minArgs: f.minArgs, maxArgs: f.maxArgs, call: (...args: data.ExpressionData[]) => toExpressionData(f.call(...args.map(fromExpressionData))) },
    ]),
  );
  try {
    return fromExpressionData(new Evaluator(tree, context, definitions).evaluate());
  } catch (error) {
    if (error instanceof WorkflowError) throw error;
    throw new WorkflowError(`${where}: evaluating \`${expression}\` failed: ${(error as Error).message}`);
  }
}

/** GitHub's truthiness: false, 0, -0, '', null and NaN are false; everything else is true. */
export function isTruthy(value: Json): boolean {
  if (value === null || value === false || value === '') return false;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  return true;
}

/** How a value becomes a string where a string is expected (env, inputs, run scripts). */
export function expressionString(value: Json): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value, null, 2);
}
