import { register } from 'node:module';

/**
 * The `gha` command's entry: registers the JSON module hook first (GitHub's workflow parser
 * imports its schema JSON without an import attribute), then loads the CLI.
 */
register('./json-modules-hook.js', import.meta.url);
const { runGhaCli } = await import('./cli.js');
process.exitCode = await runGhaCli(process.argv.slice(2));
