import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';
import { repoRoot } from '../helpers/project.js';

/**
 * The dashboard's browser code is typed by the server's API types. `npm run build` and
 * `npm run typecheck` compile it with its own tsconfig against src/serving/api-schema.ts as it is;
 * this test compiles it against a copy, in memory, with fields renamed, which must fail where the
 * client reads them. Only the client's files are checked, which keeps the test short.
 */

const configPath = join(repoRoot, 'src', 'dashboard', 'client', 'tsconfig.json');
const apiSchemaPath = join(repoRoot, 'src', 'serving', 'api-schema.ts');

/** The client's compile errors, with api-schema.ts replaced by `apiSchemaText`. */
function clientErrors(apiSchemaText: string): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  })!;
  const host = ts.createCompilerHost(parsed.options);
  const readSource = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) =>
    fileName === apiSchemaPath ? ts.createSourceFile(fileName, apiSchemaText, languageVersion) : readSource(fileName, languageVersion, ...rest);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, host });
  expect(program.getRootFileNames().some((file) => file.endsWith('src/dashboard/client/main.ts'))).toBe(true);
  return program
    .getRootFileNames()
    .flatMap((file) => {
      const source = program.getSourceFile(file)!;
      return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    })
    .map((diagnostic) => `${relative(repoRoot, diagnostic.file!.fileName)}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`);
}

describe('the dashboard client is typed by the API schema', () => {
  test('renaming fields of ModelInfo, VersionHistory and ServingStats fails in the client where it reads them', () => {
    const renames: [string, string][] = [
      ['loaded_at: z.string(),', 'loadedAt: z.string(),'],
      ['  primary_metric: z.string(),', '  primaryMetric: z.string(),'],
      ['request_rate: z.number(),', 'requestRate: z.number(),'],
    ];
    let text = readFileSync(apiSchemaPath, 'utf8');
    for (const [from, to] of renames) {
      expect(text.split(from)).toHaveLength(2);
      text = text.replace(from, to);
    }
    const errors = clientErrors(text);
    expect(errors.join('\n')).toMatch(/^src\/dashboard\/client\/served-section\.ts: Property 'loaded_at' does not exist/m);
    expect(errors.join('\n')).toMatch(/^src\/dashboard\/client\/history-section\.ts: Property 'primary_metric' does not exist/m);
    expect(errors.join('\n')).toMatch(/^src\/dashboard\/client\/monitoring-section\.ts: Property 'request_rate' does not exist/m);
    // Nothing else: as it is, the client compiles without errors (npm run build checks that).
    for (const error of errors) expect(error).toMatch(/'(loaded_at|primary_metric|request_rate)'/);
  });
});
