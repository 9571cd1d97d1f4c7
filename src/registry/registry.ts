/**
 * The local model registry: a folder (by default `.mlops/registry` beside the config, gitignored)
 * that the CLI, the actions and the server share. Layout:
 *
 *   <root>/
 *     registry.json                the index: versions with status and metadata, the `champion`
 *                                  alias and the history of its moves (rewritten atomically)
 *     versions/<version>/          one folder per version, complete before the index lists it:
 *       model.json, weights.bin    the tfjs Layers model (plus any other weight shards it names)
 *       preprocessing.json         the feature transforms serving applies
 *       training-keys.mlks         the keys of the rows it trained on (for fair comparisons; absent in old versions)
 *       profile.json               the training data profile (the drift baseline)
 *       metrics.json, gate.json    the evaluation report and the gate verdict
 *       lineage.json               where the model came from (data, code, config, training)
 *       card.json, card.md         the model card (MCT v0.0.2 JSON, validated) and its Markdown
 *     experiments/<run_id>.json    one record per pipeline run, whatever its outcome
 *     .staging/                    versions being written; leftovers of a crash, removed on the next write
 *     .lock                        held during every write of the index or a version (see lock.ts)
 *
 * Crash safety: a version is assembled in `.staging/`, fsynced, renamed into `versions/`, and
 * only then added to `registry.json` by an atomic rename. A crash therefore leaves the index as it
 * was (the version is not listed) or fully updated. A crash between the folder rename and the
 * index write leaves an unlisted folder in `versions/`: it is never listed, and its number is
 * skipped by later versions; delete it by hand when convenient.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { composeVersionCard, type VersionCard } from '../cards/version-card.js';
import { writeJsonAtomic } from '../core/atomic-fs.js';
import { RegistryError } from '../core/errors.js';
import { describeJsonFileProblem, readJsonFile, safeReadJsonFile, type JsonFileProblem } from '../core/json-file.js';
import {
  addVersion,
  championOf,
  emptyIndex,
  findVersion,
  moveChampion,
  parentOf,
  primaryMetricHistory,
  registeredEntry,
  registrationReason,
  sortedVersions,
  takenVersions,
  unknownVersionMessage,
} from './index-operations.js';
import { lineageSchema, type Lineage } from './lineage-schema.js';
import { withRegistryLock, type LockOptions } from './lock.js';
import { checkRegisterInput, type CheckedRegistration, type RegisterInput } from './register-input.js';
import { readExperimentRecords, writeExperimentRecord } from './experiment-log.js';
import { registryIndexSchema, type AliasMove, type ExperimentRecord, type RegisteredVersion, type RegistryIndex } from './registry-schema.js';
import { isVersion, parseVersion } from './semver.js';
import { nextVersion } from './version-bump.js';
import { holdsVersion, listModelFiles, publishVersionFolder, stageVersionFolder } from './version-folder.js';

export {
  aliasMoveSchema,
  experimentRecordSchema,
  registeredVersionSchema,
  registryIndexSchema,
  type AliasMove,
  type ExperimentRecord,
  type RegisteredVersion,
  type RegistryIndex,
} from './registry-schema.js';
export type { RegisterInput } from './register-input.js';
export { listModelFiles } from './version-folder.js';

/** Points in `register` where a test can stop the process (to prove crash safety). */
export type RegisterStage = 'staged' | 'renamed';

export interface RegistryOptions {
  /** Passed to the write lock (timeouts, stale age). */
  lock?: LockOptions;
  /**
   * Called at each stage of `register` while the lock is held: `staged` when every file of the
   * version is written in the staging folder, `renamed` when the folder is in `versions/` but the
   * index does not list it yet. For crash tests; production code passes nothing.
   */
  onRegisterStage?: (stage: RegisterStage, detail: { version: string; dir: string }) => Promise<void>;
}

/** What `register` wrote: the index entry and the model card of the new version. */
export interface RegisteredModel extends VersionCard {
  /** The new version as the index lists it. */
  entry: RegisteredVersion;
}

/** The version a registration takes, and the lineage it is stored with. */
interface VersionPlan {
  version: string;
  /** The version it was compared with, with its lineage (for the card's change description). */
  parent: { version: string; lineage: Lineage } | null;
  /** The input lineage with `parent_version` set. */
  lineage: Lineage;
}

const indexFileName = 'registry.json';
const stagingDirName = '.staging';

/** The embedded model registry: versions, the champion alias, experiments. */
export class ModelRegistry {
  readonly root: string;
  private readonly options: RegistryOptions;

  private constructor(root: string, options: RegistryOptions) {
    this.root = root;
    this.options = options;
  }

  /**
   * Opens the registry at `root`. A missing folder is an empty registry (created on the first
   * write); a corrupt index is reported here, before anything else happens.
   */
  static async open(root: string, options: RegistryOptions = {}): Promise<ModelRegistry> {
    const registry = new ModelRegistry(root, options);
    await registry.readIndex();
    return registry;
  }

  /** Folder of a version (whether or not it exists). Throws a ConfigError for anything but MAJOR.MINOR.PATCH. */
  versionDir(version: string): string {
    parseVersion(version);
    return join(this.root, 'versions', version);
  }

  /** Every registered version, oldest first (by semantic version). */
  async versions(): Promise<RegisteredVersion[]> {
    return sortedVersions(await this.readIndex());
  }

  /** One version, or null when it is not registered. */
  async get(version: string): Promise<RegisteredVersion | null> {
    return findVersion(await this.readIndex(), version);
  }

  /** One version; a RegistryError naming the registered ones when it is not registered. */
  async require(version: string): Promise<RegisteredVersion> {
    const index = await this.readIndex();
    const entry = findVersion(index, version);
    if (!entry) throw new RegistryError(unknownVersionMessage(version, this.root, sortedVersions(index).map((v) => v.version)));
    return entry;
  }

  /** The version the `champion` alias points at, or null before the first promotion. */
  async champion(): Promise<RegisteredVersion | null> {
    return championOf(await this.readIndex());
  }

  /** Moves of the `champion` alias, oldest first. */
  async aliasHistory(): Promise<AliasMove[]> {
    return (await this.readIndex()).alias_history;
  }

  /** The lineage stored with a version. */
  async lineage(version: string): Promise<Lineage> {
    return readJsonFile(join(this.versionDir(version), 'lineage.json'), lineageSchema, (problem) =>
      problem.kind === 'invalid'
        ? new RegistryError(`${problem.path} is not a valid lineage:\n${problem.detail}`)
        : new RegistryError(`Cannot read the lineage of version ${version}: ${describeJsonFileProblem(problem)}.`),
    );
  }

  /**
   * Points `champion` at an existing version (promotion or rollback) and records the move. The
   * previous champion becomes `archived`. Moving it to the version it already points at changes
   * nothing and records nothing.
   */
  async setChampion(version: string, reason: string): Promise<{ previous: string | null }> {
    parseVersion(version);
    return withRegistryLock(
      this.root,
      `set champion to ${version}`,
      async () => {
        const index = await this.readIndex();
        if (!findVersion(index, version)) {
          throw new RegistryError(unknownVersionMessage(version, this.root, sortedVersions(index).map((entry) => entry.version)));
        }
        const previous = index.champion;
        if (previous === version) return { previous };
        await this.writeIndex(moveChampion(index, version, reason, new Date().toISOString()));
        return { previous };
      },
      this.options.lock,
    );
  }

  /**
   * Lists a version whose complete folder was prepared elsewhere (a GitHub Release's assets,
   * already checked) under its own version number, and optionally makes it the champion. The
   * folder is renamed into `versions/` under the lock before the index names it, as `register`
   * does. A version the index already lists is left alone.
   */
  async adoptVersion(preparedDir: string, entry: RegisteredVersion, options: { promote: boolean; reason: string }): Promise<void> {
    parseVersion(entry.version);
    await withRegistryLock(
      this.root,
      `adopt version ${entry.version}`,
      async () => {
        const index = await this.readIndex();
        if (findVersion(index, entry.version)) return;
        const target = this.versionDir(entry.version);
        if (await holdsVersion(target)) {
          throw new RegistryError(`${target} exists but ${this.indexPath} does not list it; move it aside and run again.`);
        }
        await publishVersionFolder(preparedDir, target);
        const now = new Date().toISOString();
        const listed = addVersion(index, { ...entry, status: 'archived' }, now);
        await this.writeIndex(options.promote ? moveChampion(listed, entry.version, options.reason, now) : listed);
      },
      this.options.lock,
    );
  }

  /**
   * Stores a gated model as a new version. Refuses a rejected candidate unless `force`. The
   * version is computed under the lock against the champion (see semver.ts); the folder is
   * complete, card validated, before the index lists it. Returns the new entry and the card
   * written, so callers never read `card.json` back.
   */
  async register(input: RegisterInput): Promise<RegisteredModel> {
    const checked = checkRegisterInput(input);
    const modelFiles = await listModelFiles(input.modelDir);
    return withRegistryLock(
      this.root,
      `register run ${checked.lineage.run_id}`,
      async () => {
        await this.removeLeftovers();
        const index = await this.readIndex();
        const plan = await this.planVersion(index, checked.lineage);
        const card = composeVersionCard({
          ...checked,
          lineage: plan.lineage,
          version: plan.version,
          parent: plan.parent,
          history: primaryMetricHistory(index, checked.gate.primary_metric),
        });
        await this.writeVersionFolder(plan.version, input.modelDir, modelFiles, {
          'profile.json': checked.profile,
          'metrics.json': checked.evaluation,
          'gate.json': checked.gate,
          'lineage.json': plan.lineage,
          'card.json': card.card,
          'card.md': card.markdown,
        });
        const entry = await this.listRegisteredVersion(index, checked, plan, input.promote);
        return { entry, ...card };
      },
      this.options.lock,
    );
  }

  /**
   * Records one pipeline run as `experiments/<run_id>.json` (atomically; a second record for the
   * same run replaces the first, so a run that is retried keeps its last outcome).
   */
  async recordExperiment(record: ExperimentRecord): Promise<void> {
    await writeExperimentRecord(this.root, record);
  }

  /** Every recorded experiment, newest first (by start time). */
  async experiments(): Promise<ExperimentRecord[]> {
    return readExperimentRecords(this.root);
  }

  private get indexPath(): string {
    return join(this.root, indexFileName);
  }

  /** Register, step 1: the version number against the parent, and the lineage naming that parent. */
  private async planVersion(index: RegistryIndex, lineage: Lineage): Promise<VersionPlan> {
    const parentEntry = parentOf(index);
    const parent = parentEntry === null ? null : { version: parentEntry.version, lineage: await this.lineage(parentEntry.version) };
    const version = nextVersion(parent, lineage, takenVersions(index, await this.versionFolders()));
    return { version, parent, lineage: { ...lineage, parent_version: parent?.version ?? null } };
  }

  /** Register, step 2: the complete version folder, staged and renamed into `versions/`. */
  private async writeVersionFolder(version: string, modelDir: string, modelFiles: readonly string[], documents: Record<string, unknown>): Promise<void> {
    const staging = join(this.root, stagingDirName, `${version}-${process.pid}-${randomBytes(4).toString('hex')}`);
    const target = this.versionDir(version);
    try {
      await stageVersionFolder(staging, modelDir, modelFiles, documents);
      await this.options.onRegisterStage?.('staged', { version, dir: staging });
      await publishVersionFolder(staging, target);
      await this.options.onRegisterStage?.('renamed', { version, dir: target });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** Register, step 3: the index lists the version (and points `champion` at it with `promote`). */
  private async listRegisteredVersion(index: RegistryIndex, checked: CheckedRegistration, plan: VersionPlan, promote: boolean): Promise<RegisteredVersion> {
    const now = new Date().toISOString();
    const { evaluation, gate } = checked;
    const listed = addVersion(index, registeredEntry({ version: plan.version, lineage: plan.lineage, evaluation, gate, at: now }), now);
    const next = promote ? moveChampion(listed, plan.version, registrationReason(plan.lineage.run_id, gate.passed), now) : listed;
    await this.writeIndex(next);
    return findVersion(next, plan.version)!;
  }

  /** Reads registry.json; missing is empty, corrupt is a RegistryError that says how to recover. */
  private async readIndex(): Promise<RegistryIndex> {
    const read = await safeReadJsonFile(this.indexPath, registryIndexSchema);
    if (read.success) return read.data;
    if (read.problem.kind === 'missing') return emptyIndex();
    throw this.corruptIndex(read.problem);
  }

  private corruptIndex(problem: JsonFileProblem): RegistryError {
    if (problem.kind === 'unreadable') return new RegistryError(`Cannot read ${this.indexPath}: ${problem.detail}`);
    const recovery =
      `The registry was not changed. Restore ${indexFileName} from a backup; or move it aside to start an empty index ` +
      `(the version folders in ${join(this.root, 'versions')} are kept, and new versions skip their numbers).`;
    const what = problem.kind === 'invalid' ? `:\n${problem.detail}\n` : `: ${describeJsonFileProblem(problem)}. `;
    return new RegistryError(`${this.indexPath} is corrupt${what}${recovery}`);
  }

  private async writeIndex(index: RegistryIndex): Promise<void> {
    await writeJsonAtomic(this.indexPath, index);
  }

  /** Names of the folders in `versions/` that are versions (listed or orphaned by a crash). */
  private async versionFolders(): Promise<string[]> {
    const names = await readdir(join(this.root, 'versions')).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    return names.filter(isVersion);
  }

  /**
   * Removes what crashed writes left: staging folders and temporary index files. Only called
   * under the lock, when no other write can be in progress.
   */
  private async removeLeftovers(): Promise<void> {
    await rm(join(this.root, stagingDirName), { recursive: true, force: true });
    const names = await readdir(this.root).catch(() => [] as string[]);
    for (const name of names) {
      if (name.startsWith(`.${indexFileName}.`) && name.endsWith('.tmp')) await rm(join(this.root, name), { force: true });
    }
  }
}
