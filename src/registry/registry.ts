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
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { buildModelCard, validateModelCard } from '../cards/model-card.js';
import { renderModelCardMarkdown } from '../cards/card-markdown.js';
import { configSchema, type MlopsConfig } from '../config/schema.js';
import { formatZodIssues } from '../config/load.js';
import { syncDirectory, writeJsonAtomic } from '../core/atomic-fs.js';
import { RegistryError, describeError } from '../core/errors.js';
import { dataProfileSchema, type DataProfile } from '../data/profile-schema.js';
import { evaluationReportSchema, gateVerdictSchema, type EvaluationReport, type GateVerdict } from '../evaluation/report-schema.js';
import { weightByteLength } from '../model/weights-manifest.js';
import { lineageSchema, type Lineage } from './lineage-schema.js';
import { withRegistryLock, type LockOptions } from './lock.js';
import { compareVersions, isVersion, nextVersion, parseVersion } from './semver.js';

const versionString = z.string().refine(isVersion, 'expected a version MAJOR.MINOR.PATCH');

/** One registered version as the index lists it. */
export const registeredVersionSchema = z.object({
  version: versionString,
  /** When it was registered (ISO). */
  created_at: z.string(),
  /** `champion`: served; `archived`: was champion before; `candidate`: registered, never promoted. */
  status: z.enum(['champion', 'archived', 'candidate']),
  run_id: z.string(),
  data_sha256: z.string(),
  commit: z.string().nullable(),
  primary_metric: z.string(),
  /** The primary metric on the whole test split; null when undefined there. */
  primary_value: z.number().nullable(),
  /** False only for versions registered with `force` despite a rejection. */
  gate_passed: z.boolean(),
  /** The version it was compared with for its semantic version. */
  parent_version: versionString.nullable(),
});
export type RegisteredVersion = z.infer<typeof registeredVersionSchema>;

/** One move of the `champion` alias: a promotion or a rollback. */
export const aliasMoveSchema = z.object({
  alias: z.literal('champion'),
  from: versionString.nullable(),
  to: versionString,
  reason: z.string(),
  /** ISO time of the move. */
  at: z.string(),
});
export type AliasMove = z.infer<typeof aliasMoveSchema>;

/** `registry.json`. */
export const registryIndexSchema = z
  .object({
    format: z.literal(1),
    champion: versionString.nullable(),
    versions: z.array(registeredVersionSchema),
    /** Oldest first. */
    alias_history: z.array(aliasMoveSchema),
    updated_at: z.string(),
  })
  .superRefine((index, ctx) => {
    const seen = new Set<string>();
    for (const entry of index.versions) {
      if (seen.has(entry.version)) ctx.addIssue({ code: 'custom', path: ['versions'], message: `version ${entry.version} is listed twice` });
      seen.add(entry.version);
      if ((entry.status === 'champion') !== (entry.version === index.champion)) {
        ctx.addIssue({ code: 'custom', path: ['versions'], message: `version ${entry.version} has status ${entry.status} but the champion is ${index.champion ?? 'none'}` });
      }
    }
    if (index.champion !== null && !seen.has(index.champion)) {
      ctx.addIssue({ code: 'custom', path: ['champion'], message: `champion ${index.champion} is not a listed version` });
    }
  });
export type RegistryIndex = z.infer<typeof registryIndexSchema>;

/** One pipeline run, recorded whatever its outcome (`experiments/<run_id>.json`). */
export const experimentRecordSchema = z.object({
  /** Also the file name: letters, digits, dot, dash and underscore. */
  run_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'use letters, digits, ".", "_" and "-" (it names a file)'),
  /** ISO times of the run. */
  started_at: z.string(),
  finished_at: z.string(),
  duration_ms: z.number().min(0),
  /** promoted: registered as champion; registered: stored, not promoted; unchanged: identical to the champion, nothing stored; rejected: by the gate; failed: an error. */
  status: z.enum(['promoted', 'registered', 'unchanged', 'rejected', 'failed']),
  /** The registered version, when there is one. */
  version: versionString.nullable(),
  /** The champion when the run was judged. */
  champion_version: versionString.nullable(),
  /** Hyperparameters (the config's `model` section). */
  params: z.record(z.string(), z.unknown()),
  /** Overall test metrics; empty when the run did not get that far. */
  metrics: z.record(z.string(), z.number()),
  primary_metric: z.string(),
  primary_value: z.number().nullable(),
  data_sha256: z.string().nullable(),
  data_path: z.string(),
  commit: z.string().nullable(),
  dirty: z.boolean().nullable(),
  config_sha256: z.string(),
  gate_summary: z.string().nullable(),
  error: z.string().nullable(),
  backend: z.string().nullable(),
});
export type ExperimentRecord = z.infer<typeof experimentRecordSchema>;

/** What `register` stores. */
export interface RegisterInput {
  /** Holds model.json, weights.bin (and any other shard model.json names) and preprocessing.json. */
  modelDir: string;
  profile: DataProfile;
  evaluation: EvaluationReport;
  gate: GateVerdict;
  /** Its `parent_version` is replaced by the version the registry compares with. */
  lineage: Lineage;
  /** Make the new version the champion. */
  promote: boolean;
  /** Register even though the gate rejected the candidate. */
  force?: boolean;
  /** The validated config; defaults to `lineage.config.content` parsed with the config schema. */
  config?: MlopsConfig;
}

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

const indexFileName = 'registry.json';
const stagingDirName = '.staging';
/** Files every model folder must hold besides the weight shards model.json names. */
const requiredModelFiles = ['model.json', 'preprocessing.json'] as const;

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
    const index = await this.readIndex();
    return [...index.versions].sort((a, b) => compareVersions(a.version, b.version));
  }

  /** One version, or null when it is not registered. */
  async get(version: string): Promise<RegisteredVersion | null> {
    const index = await this.readIndex();
    return index.versions.find((entry) => entry.version === version) ?? null;
  }

  /** The version the `champion` alias points at, or null before the first promotion. */
  async champion(): Promise<RegisteredVersion | null> {
    const index = await this.readIndex();
    return index.champion === null ? null : (index.versions.find((entry) => entry.version === index.champion) ?? null);
  }

  /** Moves of the `champion` alias, oldest first. */
  async aliasHistory(): Promise<AliasMove[]> {
    return (await this.readIndex()).alias_history;
  }

  /** The lineage stored with a version. */
  async lineage(version: string): Promise<Lineage> {
    const path = join(this.versionDir(version), 'lineage.json');
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      throw new RegistryError(`Cannot read the lineage of version ${version} (${path}): ${describeError(error)}`);
    }
    const parsed = lineageSchema.safeParse(raw);
    if (!parsed.success) throw new RegistryError(`${path} is not a valid lineage:\n${formatZodIssues(parsed.error.issues)}`);
    return parsed.data;
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
        if (!index.versions.some((entry) => entry.version === version)) {
          const known = index.versions.map((entry) => entry.version).sort(compareVersions);
          throw new RegistryError(
            `Version ${version} is not in the registry at ${this.root}; registered versions: ${known.length > 0 ? known.join(', ') : 'none'}.`,
          );
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
        if (index.versions.some((known) => known.version === entry.version)) return;
        const target = this.versionDir(entry.version);
        if (await isFile(join(target, 'lineage.json'))) {
          throw new RegistryError(`${target} exists but ${this.indexPath} does not list it; move it aside and run again.`);
        }
        await mkdir(join(this.root, 'versions'), { recursive: true });
        await rename(preparedDir, target);
        await syncDirectory(join(this.root, 'versions'));
        const now = new Date().toISOString();
        let next: RegistryIndex = { ...index, versions: [...index.versions, { ...entry, status: 'archived' }], updated_at: now };
        if (options.promote) next = moveChampion(next, entry.version, options.reason, now);
        await this.writeIndex(next);
      },
      this.options.lock,
    );
  }

  /**
   * Stores a gated model as a new version. Refuses a rejected candidate unless `force`. The
   * version is computed under the lock against the champion (see semver.ts); the folder is
   * complete, card validated, before the index lists it.
   */
  async register(input: RegisterInput): Promise<RegisteredVersion> {
    const lineage = parseInput(lineageSchema, input.lineage, 'lineage');
    const profile = parseInput(dataProfileSchema, input.profile, 'profile');
    const evaluation = parseInput(evaluationReportSchema, input.evaluation, 'evaluation report');
    const gate = parseInput(gateVerdictSchema, input.gate, 'gate verdict');
    if (!gate.passed && input.force !== true) {
      throw new RegistryError(
        `Refusing to register run ${lineage.run_id}: the evaluation gate rejected it (${gate.summary}). ` +
          'Improve the model or the data, or register with --force to store it anyway.',
      );
    }
    checkConsistency(lineage, profile, evaluation, gate);
    const config = input.config ?? parseLineageConfig(lineage);
    const modelFiles = await listModelFiles(input.modelDir);

    return withRegistryLock(
      this.root,
      `register run ${lineage.run_id}`,
      async () => {
        await this.removeLeftovers();
        const index = await this.readIndex();
        const parentEntry = parentOf(index);
        const parent = parentEntry === null ? null : { version: parentEntry.version, lineage: await this.lineage(parentEntry.version) };
        const existing = [...new Set([...index.versions.map((entry) => entry.version), ...(await this.versionFolders())])];
        const version = nextVersion(parent, lineage, existing);
        const finalLineage: Lineage = { ...lineage, parent_version: parent?.version ?? null };

        const card = buildModelCard({ lineage: finalLineage, evaluation, gate, profile, config, version, parent });
        const validation = validateModelCard(card);
        if (!validation.valid) {
          // The card is built from validated inputs: an invalid card is a bug in buildModelCard.
          throw new Error(`The model card for ${version} does not match the MCT v0.0.2 schema: ${validation.errors.join('; ')}`);
        }
        // The primary metric of earlier versions (same metric only), for the card's trend chart.
        const history = index.versions
          .filter((entry) => entry.primary_metric === gate.primary_metric && entry.primary_value !== null)
          .map((entry) => ({ version: entry.version, value: entry.primary_value! }))
          .sort((a, b) => compareVersions(a.version, b.version));
        const markdown = renderModelCardMarkdown({ card, lineage: finalLineage, evaluation, gate, history });

        const staging = join(this.root, stagingDirName, `${version}-${process.pid}-${randomBytes(4).toString('hex')}`);
        const target = this.versionDir(version);
        try {
          await mkdir(staging, { recursive: true });
          for (const name of modelFiles) {
            await copyFile(join(input.modelDir, name), join(staging, name));
            await syncFile(join(staging, name));
          }
          await writeStaged(join(staging, 'profile.json'), profile);
          await writeStaged(join(staging, 'metrics.json'), evaluation);
          await writeStaged(join(staging, 'gate.json'), gate);
          await writeStaged(join(staging, 'lineage.json'), finalLineage);
          await writeStaged(join(staging, 'card.json'), card);
          await writeStaged(join(staging, 'card.md'), markdown);
          await syncDirectory(staging);
          await this.options.onRegisterStage?.('staged', { version, dir: staging });

          await mkdir(join(this.root, 'versions'), { recursive: true });
          await rename(staging, target);
          await syncDirectory(join(this.root, 'versions'));
          await this.options.onRegisterStage?.('renamed', { version, dir: target });
        } finally {
          await rm(staging, { recursive: true, force: true });
        }

        const now = new Date().toISOString();
        const entry: RegisteredVersion = {
          version,
          created_at: now,
          status: 'candidate',
          run_id: lineage.run_id,
          data_sha256: lineage.dataset.sha256,
          commit: lineage.code.commit,
          primary_metric: gate.primary_metric,
          primary_value: evaluation.overall.metrics[gate.primary_metric] ?? null,
          gate_passed: gate.passed,
          parent_version: finalLineage.parent_version,
        };
        let next: RegistryIndex = { ...index, versions: [...index.versions, entry], updated_at: now };
        if (input.promote) {
          const reason = gate.passed ? `registered run ${lineage.run_id} and promoted` : `registered run ${lineage.run_id} with --force and promoted`;
          next = moveChampion(next, version, reason, now);
        }
        await this.writeIndex(next);
        return next.versions.find((candidate) => candidate.version === version)!;
      },
      this.options.lock,
    );
  }

  /**
   * Records one pipeline run as `experiments/<run_id>.json` (atomically; a second record for the
   * same run replaces the first, so a run that is retried keeps its last outcome).
   */
  async recordExperiment(record: ExperimentRecord): Promise<void> {
    const parsed = experimentRecordSchema.safeParse(record);
    if (!parsed.success) throw new RegistryError(`Invalid experiment record:\n${formatZodIssues(parsed.error.issues)}`);
    await writeJsonAtomic(join(this.root, 'experiments', `${parsed.data.run_id}.json`), parsed.data);
  }

  /** Every recorded experiment, newest first (by start time). */
  async experiments(): Promise<ExperimentRecord[]> {
    const dir = join(this.root, 'experiments');
    const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    const records: ExperimentRecord[] = [];
    // Dot-files are temporary files of writes in progress (or of a crash).
    for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
      const path = join(dir, name);
      let raw: unknown;
      try {
        raw = JSON.parse(await readFile(path, 'utf8'));
      } catch (error) {
        throw new RegistryError(`${path} is not valid JSON (${describeError(error)}); delete it to drop that experiment.`);
      }
      const parsed = experimentRecordSchema.safeParse(raw);
      if (!parsed.success) throw new RegistryError(`${path} is not a valid experiment record:\n${formatZodIssues(parsed.error.issues)}`);
      records.push(parsed.data);
    }
    const time = (record: ExperimentRecord): number => Date.parse(record.started_at) || 0;
    return records.sort((a, b) => time(b) - time(a) || b.run_id.localeCompare(a.run_id));
  }

  private get indexPath(): string {
    return join(this.root, indexFileName);
  }

  /** Reads registry.json; missing is empty, corrupt is a RegistryError that says how to recover. */
  private async readIndex(): Promise<RegistryIndex> {
    let text: string;
    try {
      text = await readFile(this.indexPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyIndex();
      throw new RegistryError(`Cannot read ${this.indexPath}: ${describeError(error)}`);
    }
    const recovery =
      `The registry was not changed. Restore ${indexFileName} from a backup; or move it aside to start an empty index ` +
      `(the version folders in ${join(this.root, 'versions')} are kept, and new versions skip their numbers).`;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new RegistryError(`${this.indexPath} is corrupt: not valid JSON (${describeError(error)}). ${recovery}`);
    }
    const parsed = registryIndexSchema.safeParse(raw);
    if (!parsed.success) {
      throw new RegistryError(`${this.indexPath} is corrupt:\n${formatZodIssues(parsed.error.issues)}\n${recovery}`);
    }
    return parsed.data;
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

function emptyIndex(): RegistryIndex {
  return { format: 1, champion: null, versions: [], alias_history: [], updated_at: new Date(0).toISOString() };
}

/**
 * The version a candidate is compared with: the champion, or when nothing was promoted yet the
 * newest version, so that unpromoted candidates of one model do not each claim a new major.
 */
function parentOf(index: RegistryIndex): RegisteredVersion | null {
  const champion = index.versions.find((entry) => entry.version === index.champion);
  if (champion) return champion;
  const sorted = [...index.versions].sort((a, b) => compareVersions(b.version, a.version));
  return sorted[0] ?? null;
}

function moveChampion(index: RegistryIndex, version: string, reason: string, at: string): RegistryIndex {
  const previous = index.champion;
  return {
    ...index,
    champion: version,
    versions: index.versions.map((entry) => {
      if (entry.version === version) return { ...entry, status: 'champion' as const };
      if (entry.version === previous) return { ...entry, status: 'archived' as const };
      return entry;
    }),
    alias_history: [...index.alias_history, { alias: 'champion' as const, from: previous, to: version, reason, at }],
    updated_at: at,
  };
}

function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new RegistryError(`Cannot register: the ${what} is invalid:\n${formatZodIssues(parsed.error.issues)}`);
  return parsed.data;
}

/** The artifacts of one run must describe the same run, data and task. */
function checkConsistency(lineage: Lineage, profile: DataProfile, evaluation: EvaluationReport, gate: GateVerdict): void {
  if (gate.candidate !== lineage.run_id) {
    throw new RegistryError(`Cannot register: the gate verdict judged run ${gate.candidate}, but the lineage is of run ${lineage.run_id}.`);
  }
  if (profile.sha256 !== lineage.dataset.sha256) {
    throw new RegistryError(
      `Cannot register: the profile describes data with sha256 ${profile.sha256}, but the model was trained on ${lineage.dataset.sha256}.`,
    );
  }
  if (evaluation.task !== lineage.task.type) {
    throw new RegistryError(`Cannot register: the evaluation is of a ${evaluation.task} task, but the lineage's task is ${lineage.task.type}.`);
  }
}

function parseLineageConfig(lineage: Lineage): MlopsConfig {
  const parsed = configSchema.safeParse(lineage.config.content);
  if (!parsed.success) {
    throw new RegistryError(`Cannot register: lineage.config.content is not a valid config:\n${formatZodIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}

const manifestSchema = z.object({
  weightsManifest: z
    .array(
      z.object({
        paths: z.array(z.string()).min(1),
        weights: z.array(
          z.object({
            name: z.string(),
            shape: z.array(z.number().int().min(0)),
            dtype: z.string(),
            quantization: z.object({ dtype: z.string() }).loose().optional(),
          }).loose(),
        ),
      }).loose(),
    )
    .min(1),
}).loose();

/**
 * Checks a model folder and lists the files to copy: model.json, preprocessing.json and every
 * weight shard model.json names, whose total size must match the manifest's weight specs.
 */
export async function listModelFiles(modelDir: string): Promise<string[]> {
  for (const name of requiredModelFiles) {
    if (!(await isFile(join(modelDir, name)))) {
      throw new RegistryError(`Cannot register: ${join(modelDir, name)} is missing (a model folder holds model.json, weights.bin and preprocessing.json).`);
    }
  }
  const modelJsonPath = join(modelDir, 'model.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(modelJsonPath, 'utf8'));
  } catch (error) {
    throw new RegistryError(`Cannot register: ${modelJsonPath} is not valid JSON (${describeError(error)}).`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new RegistryError(`Cannot register: ${modelJsonPath} has no valid weightsManifest:\n${formatZodIssues(parsed.error.issues)}`);
  }
  const shards: string[] = [];
  let expectedBytes = 0;
  for (const group of parsed.data.weightsManifest) {
    for (const path of group.paths) {
      const name = path.startsWith('./') ? path.slice(2) : path;
      // Shards are copied by name into the version folder: a path elsewhere would escape it.
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
        throw new RegistryError(`Cannot register: ${modelJsonPath} names weight file '${path}'; expected a file name in the same folder.`);
      }
      if (!shards.includes(name)) shards.push(name);
    }
    for (const weight of group.weights) {
      const bytes = weightByteLength(weight);
      if (bytes === undefined) throw new RegistryError(`Cannot register: model.json has a weight of unsupported dtype '${weight.quantization?.dtype ?? weight.dtype}'.`);
      expectedBytes += bytes;
    }
  }
  let actualBytes = 0;
  for (const name of shards) {
    const path = join(modelDir, name);
    const size = await fileSize(path);
    if (size === null) throw new RegistryError(`Cannot register: ${path} is missing but ${modelJsonPath} names it in weightsManifest.`);
    actualBytes += size;
  }
  if (actualBytes !== expectedBytes) {
    throw new RegistryError(
      `Cannot register: the weight files (${shards.join(', ')}) hold ${actualBytes} bytes but ${modelJsonPath} describes ${expectedBytes}: the model files are corrupt or mismatched.`,
    );
  }
  return [...requiredModelFiles, ...shards];
}

/** Bytes of one weight as tfjs stores it (quantized weights use the quantized type). */
async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}

async function fileSize(path: string): Promise<number | null> {
  const info = await stat(path).catch(() => null);
  return info?.isFile() ? info.size : null;
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes a new file in the staging folder and fsyncs it (JSON for objects). */
async function writeStaged(path: string, value: unknown): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
