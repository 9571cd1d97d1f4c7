import { open, readFile, rm, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../../core/atomic-fs.js';
import { ConfigError, RegistryError } from '../../core/errors.js';
import { readJsonFile, describeJsonFileProblem } from '../../core/json-file.js';
import { gitHubStateSchema, type GitHubState } from './schema.js';

/** Where the simulated GitHub keeps each part of its state, inside the state folder. */
export interface StatePaths {
  root: string;
  github: string;
  origin: string;
  forks: string;
  assets: string;
  artifacts: string;
  caches: string;
  registry: string;
  registryAuth: string;
  runners: string;
  runs: string;
  pages: string;
  pushes: string;
  lock: string;
}

/** The default state folder (relative to the current directory). */
export const defaultStateDir = '.mlops/gha';

/** The paths of a state folder. */
export function statePaths(dir: string): StatePaths {
  const root = resolve(dir);
  return {
    root,
    github: join(root, 'github.json'),
    origin: join(root, 'origin.git'),
    forks: join(root, 'forks'),
    assets: join(root, 'assets'),
    artifacts: join(root, 'artifacts'),
    caches: join(root, 'caches'),
    registry: join(root, 'registry'),
    registryAuth: join(root, 'registry-auth'),
    runners: join(root, 'runners'),
    runs: join(root, 'runs'),
    pages: join(root, 'pages'),
    pushes: join(root, 'pushes.jsonl'),
    lock: join(root, 'lock'),
  };
}

/** One push the origin received (appended by its post-receive hook). */
export const pushRecordSchema = z.object({
  id: z.number(),
  ref: z.string(),
  before: z.string(),
  after: z.string(),
  /** `github-actions[bot]` for the job token; the owner for pushes to the bare repository. */
  pusher: z.string(),
  /** True when the job token (GITHUB_TOKEN) pushed: such pushes start no workflow. */
  by_job_token: z.boolean(),
  created_at: z.string(),
});
export type PushRecord = z.infer<typeof pushRecordSchema>;

/** The loaded state, saved whole and atomically. */
export class StateStore {
  private constructor(
    readonly paths: StatePaths,
    public state: GitHubState,
  ) {}

  /** Opens an initialised state folder. */
  static async open(dir: string): Promise<StateStore> {
    const paths = statePaths(dir);
    const state = await readJsonFile(paths.github, gitHubStateSchema, (problem) =>
      problem.kind === 'missing'
        ? new ConfigError(`No simulated GitHub in ${paths.root}: run \`npm run gha -- init --state ${dir}\` first.`)
        : new RegistryError(`The simulated GitHub's state is damaged: ${describeJsonFileProblem(problem)}`),
    );
    return new StateStore(paths, state);
  }

  /** Creates the state file (the folder must not hold one yet). */
  static async create(dir: string, state: GitHubState): Promise<StateStore> {
    const store = new StateStore(statePaths(dir), state);
    await mkdir(store.paths.root, { recursive: true });
    await store.save();
    return store;
  }

  /** A fresh id for any object (releases, assets, comments, runs… share one sequence). */
  nextId(): number {
    return this.state.next_id++;
  }

  async save(): Promise<void> {
    await writeJsonAtomic(this.paths.github, this.state);
  }

  /** The pushes the origin recorded, oldest first. */
  async pushes(): Promise<PushRecord[]> {
    const text = await readFile(this.paths.pushes, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line, index) => pushRecordSchema.parse({ ...JSON.parse(line), id: index + 1 }));
  }

  /** Takes the state folder for this process; a second `gha` on the same folder is refused. */
  async lock(): Promise<() => Promise<void>> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(this.paths.lock, 'wx');
        await handle.writeFile(String(process.pid));
        await handle.close();
        return () => rm(this.paths.lock, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = Number((await readFile(this.paths.lock, 'utf8').catch(() => '')).trim());
        if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
          throw new ConfigError(`The simulated GitHub in ${this.paths.root} is in use by process ${holder} (another gha command); wait for it to finish.`);
        }
        await rm(this.paths.lock, { force: true });
      }
    }
    throw new ConfigError(`Cannot lock ${this.paths.lock}.`);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
