import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { describeJsonFileProblem, readJsonFile } from '../core/json-file.js';
import { ConfigError, ExitCode, UserError } from '../core/errors.js';
import { git } from './github/git.js';
import { Simulation } from './runner/simulation.js';
import { eventFor } from './runner/event-for.js';
import type { WorkflowSource } from './runner/model.js';
import { addComment, addFault, enablePages, forkRepository, openPullRequest, protectBranch, setSecret, setVariable } from './state/admin.js';
import { initSimulatedGitHub } from './state/init.js';
import { StateStore, defaultStateDir } from './state/store.js';
import { stateSummary } from './state/summary.js';
import { loadWorkflow } from './workflow/load.js';

/**
 * `npm run gha -- <command>`: the local runner for this repository's workflows and the simulated
 * GitHub they run against. A thin edge: it parses arguments, calls src/gha, and maps errors to
 * exit codes (0 success, 1 the run failed or was cancelled, 2 usage or an invalid/unsupported
 * workflow, 5 damaged state).
 */

const usage = `Usage: npm run gha -- <command> [options]   (state folder: --state DIR, default ${defaultStateDir})

  init [--repo owner/name] [--template] [--from DIR]  create the simulated GitHub; DIR's HEAD becomes main
  run <workflow file> --event <name> [--input k=v]… [--payload FILE] [--ref REF] [--pr N] [--tag T]
                                      run one event through a workflow (and what it triggers)
  together <file.json>                start several events at once: [{"workflow","event","inputs"?,"ref"?}, …]
  rerun <run id> [--failed]           re-run all jobs, or only the failed ones
  state [--json]                      what the simulated GitHub holds
  fork <owner>                        fork the repository (forks/<owner>.git)
  pr open --head BRANCH|OWNER:BRANCH --title T [--body B] [--author LOGIN]
  comment <number> --author LOGIN --body TEXT
  protect <branch> [--enforce-admins] secret NAME=VALUE [--env E]   variable NAME=VALUE [--env E]
  pages --enable                      fault <kind> [--count N] [--match TEXT]
`;

export async function runGhaCli(argv: string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (error) {
    if (error instanceof UserError) {
      process.stderr.write(`gha: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`gha: internal error: ${(error as Error).message}\n${process.env.GHA_DEBUG ? `${(error as Error).stack}\n` : ''}`);
    return ExitCode.internal;
  }
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

function parse(argv: string[], options: OptionSpec): { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] } {
  try {
    return parseArgs({ args: argv, options: { state: { type: 'string' }, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n\n${usage}`);
  }
}

async function dispatch(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'init': {
      const { values } = parse(rest, { repo: { type: 'string' }, template: { type: 'boolean' }, from: { type: 'string' } });
      const from = resolve(String(values.from ?? '.'));
      const repo = String(values.repo ?? `local/${(await git(from, ['rev-parse', '--show-toplevel']).catch(() => from)).split('/').pop()}`);
      const store = await initSimulatedGitHub({ stateDir: stateDir(values), repository: repo, sourceDir: from, template: values.template === true });
      console.log(`Simulated GitHub for ${repo} in ${store.paths.root}; origin ${store.paths.origin} (main = ${(await git(store.paths.origin, ['rev-parse', 'main'])).slice(0, 12)}).`);
      return 0;
    }
    case 'run':
      return runCommand(rest);
    case 'together':
      return togetherCommand(rest);
    case 'rerun': {
      const { values, positionals } = parse(rest, { failed: { type: 'boolean' } });
      const id = Number(positionals[0]);
      if (!Number.isInteger(id)) throw new ConfigError(`rerun needs a run id.\n\n${usage}`);
      const simulation = await Simulation.start({ stateDir: stateDir(values) });
      try {
        const run = await simulation.rerun(id, values.failed === true);
        await simulation.idle();
        return run.conclusion === 'success' ? 0 : 1;
      } finally {
        await simulation.close();
      }
    }
    case 'state': {
      const { values } = parse(rest, { json: { type: 'boolean' } });
      const summary = await stateSummary(await StateStore.open(stateDir(values)));
      console.log(values.json ? JSON.stringify(summary, null, 2) : humanSummary(summary));
      return 0;
    }
    case 'fork': {
      const { values, positionals } = parse(rest, {});
      console.log(await forkRepository(await StateStore.open(stateDir(values)), String(positionals[0] ?? '')));
      return 0;
    }
    case 'pr': {
      const { values, positionals } = parse(rest, { head: { type: 'string' }, title: { type: 'string' }, body: { type: 'string' }, author: { type: 'string' }, base: { type: 'string' } });
      if (positionals[0] !== 'open' || !values.head || !values.title) throw new ConfigError(`pr open needs --head and --title.\n\n${usage}`);
      const store = await StateStore.open(stateDir(values));
      const pr = await openPullRequest(store, { head: String(values.head), title: String(values.title), body: values.body === undefined ? null : String(values.body), author: String(values.author ?? store.state.owner_login), ...(values.base ? { base: String(values.base) } : {}) });
      console.log(`Opened pull request #${pr.number} (${pr.pull_request!.head.repo}:${pr.pull_request!.head.ref} → ${pr.pull_request!.base.ref}).`);
      return 0;
    }
    case 'comment': {
      const { values, positionals } = parse(rest, { author: { type: 'string' }, body: { type: 'string' } });
      const store = await StateStore.open(stateDir(values));
      await addComment(store, Number(positionals[0]), String(values.author ?? store.state.owner_login), String(values.body ?? ''));
      return 0;
    }
    case 'protect': {
      const { values, positionals } = parse(rest, { 'enforce-admins': { type: 'boolean' } });
      await protectBranch(await StateStore.open(stateDir(values)), String(positionals[0] ?? 'main'), { enforceAdmins: values['enforce-admins'] === true });
      return 0;
    }
    case 'secret':
    case 'variable': {
      const { values, positionals } = parse(rest, { env: { type: 'string' } });
      const [name, ...value] = String(positionals[0] ?? '').split('=');
      const set = command === 'secret' ? setSecret : setVariable;
      await set(await StateStore.open(stateDir(values)), name ?? '', value.join('='), values.env === undefined ? undefined : String(values.env));
      return 0;
    }
    case 'pages': {
      const { values } = parse(rest, { enable: { type: 'boolean' } });
      if (values.enable) await enablePages(await StateStore.open(stateDir(values)));
      return 0;
    }
    case 'fault': {
      const { values, positionals } = parse(rest, { count: { type: 'string' }, match: { type: 'string' } });
      await addFault(await StateStore.open(stateDir(values)), String(positionals[0] ?? ''), Number(values.count ?? 1), String(values.match ?? ''));
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(usage);
      return command === undefined ? ExitCode.usage : 0;
    default:
      throw new ConfigError(`Unknown command ${JSON.stringify(command)}.\n\n${usage}`);
  }
}

function stateDir(values: Record<string, unknown>): string {
  return String(values.state ?? defaultStateDir);
}

const togetherSchema = z.array(
  z.strictObject({ workflow: z.string(), event: z.string(), inputs: z.record(z.string(), z.string()).default({}), ref: z.string().optional() }),
);

/** Starts several events at once in one session (their runs overlap, as on GitHub). */
async function togetherCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {});
  if (!positionals[0]) throw new ConfigError(`together needs a JSON file.\n\n${usage}`);
  const specs = await readJsonFile(resolve(positionals[0]), togetherSchema, (problem) => new ConfigError(describeJsonFileProblem(problem)));
  const root = await git(process.cwd(), ['rev-parse', '--show-toplevel']).catch(() => process.cwd());
  const source: WorkflowSource = { label: 'the working tree', sha: null, read: (p) => readFile(resolve(root, p), 'utf8') };
  const simulation = await Simulation.start({ stateDir: stateDir(values) });
  try {
    const prepared = [];
    for (const spec of specs) {
      const workflow = await loadWorkflow(spec.workflow, await source.read(spec.workflow));
      prepared.push({ spec, event: await eventFor(simulation, workflow, { name: spec.event, ...(spec.ref ? { ref: spec.ref } : {}) }) });
    }
    const runs = await Promise.all(prepared.map(({ spec, event }) => simulation.trigger(spec.workflow, source, event, { inputs: spec.inputs })));
    await simulation.idle();
    return runs.every((run) => run === null || run.conclusion === 'success') ? 0 : 1;
  } finally {
    await simulation.close();
  }
}

async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    event: { type: 'string' },
    input: { type: 'string', multiple: true },
    payload: { type: 'string' },
    ref: { type: 'string' },
    pr: { type: 'string' },
    tag: { type: 'string' },
    action: { type: 'string' },
  });
  const file = positionals[0];
  if (!file || !values.event) throw new ConfigError(`run needs a workflow file and --event.\n\n${usage}`);
  const absolute = resolve(file);
  if (!existsSync(absolute)) throw new ConfigError(`No workflow file ${file}.`);
  const root = await git(dirname(absolute), ['rev-parse', '--show-toplevel']).catch(() => process.cwd());
  const path = relative(root, absolute);
  const source: WorkflowSource = { label: 'the working tree', sha: null, read: (p) => readFile(resolve(root, p), 'utf8') };
  const inputs: Record<string, string> = {};
  for (const pair of (values.input as string[] | undefined) ?? []) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new ConfigError(`--input ${JSON.stringify(pair)}: expected key=value.`);
    inputs[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  const simulation = await Simulation.start({ stateDir: stateDir(values) });
  try {
    const workflow = await loadWorkflow(path, await source.read(path));
    const event = await eventFor(simulation, workflow, {
      name: String(values.event),
      ...(values.ref ? { ref: String(values.ref) } : {}),
      ...(values.pr ? { pr: Number(values.pr) } : {}),
      ...(values.tag ? { tag: String(values.tag) } : {}),
      ...(values.action ? { action: String(values.action) } : {}),
      ...(values.payload ? { payloadFile: String(values.payload) } : {}),
    });
    const run = await simulation.trigger(path, source, event, { inputs });
    await simulation.idle();
    return run === null || run.conclusion === 'success' ? 0 : 1;
  } finally {
    await simulation.close();
  }
}

function humanSummary(summary: Record<string, unknown>): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(summary)) lines.push(`${key}: ${JSON.stringify(value)}`);
  return lines.join('\n');
}
