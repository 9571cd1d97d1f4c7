import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import { RegistryError, describeError } from '../core/errors.js';
import { DriftWindow, type DriftSettings } from '../monitoring/drift-window.js';
import { ModelRegistry } from '../registry/registry.js';
import { loadServedModel, type ServedModel } from './served-model.js';
import type { RequestLimits } from './request-validation.js';

/**
 * Holds the served model and swaps it safely. A new version is loaded and checked completely
 * (see loadServedModel) before one reference is replaced; requests hold a reference to the
 * handle they were validated against until their batch is scored, so in-flight work always
 * finishes on the model it started with, and the old network is disposed only when its last
 * request is done. A version that cannot be loaded is refused, logged with its cause, and the
 * current one keeps serving.
 */

/** A served model with its drift window and a count of the requests using it. */
export class ModelHandle {
  readonly model: ServedModel;
  /** Live traffic of this model, compared with its training profile. */
  readonly window: DriftWindow;
  private refs = 0;
  private retired = false;
  private disposed = false;

  constructor(model: ServedModel, drift: DriftSettings) {
    this.model = model;
    this.window = new DriftWindow(model.baseline, drift, model.version, model.loadedAt.getTime());
  }

  /** Marks the handle as used by one more request. */
  acquire(): this {
    this.refs++;
    return this;
  }

  /** Ends one request's use; the last use of a retired handle disposes the network. */
  release(): void {
    this.refs--;
    if (this.retired && this.refs <= 0) this.dispose();
  }

  /** No new requests will use this handle; dispose the network once in-flight requests are done. */
  retire(): void {
    this.retired = true;
    if (this.refs <= 0) this.dispose();
  }

  /** Requests holding this handle. */
  get inFlight(): number {
    return this.refs;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.network.dispose();
  }
}

/** What a registry check did. */
export type RefreshOutcome =
  | { status: 'unchanged'; version: string | null }
  | { status: 'swapped'; version: string; from: string | null }
  | { status: 'refused'; version: string; cause: string; serving: string | null };

/** Observers of model changes (metrics, logs). */
export interface ModelHostEvents {
  onLoaded?(model: ServedModel, from: string | null): void;
  /** The handle that stopped taking new requests (its window's counts are final). */
  onReplaced?(previous: ModelHandle): void;
  onRefused?(version: string, cause: string): void;
}

export interface ModelHostOptions {
  registryRoot: string;
  /** Serve this version and never follow the champion. */
  pinnedVersion: string | null;
  limits: RequestLimits;
  drift: DriftSettings;
  log: PinoLogger;
  events?: ModelHostEvents;
}

/** The model being served, following the registry's champion unless pinned. */
export class ModelHost {
  private readonly options: ModelHostOptions;
  private handle: ModelHandle | null = null;
  private champion: string | null = null;
  /** Versions refused since they were last promoted, with why: not retried on every poll. */
  private readonly refused = new Map<string, string>();
  private indexSignature = '';
  private refreshing: Promise<RefreshOutcome> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(options: ModelHostOptions) {
    this.options = options;
  }

  /** The handle new requests use, or null before the first load. */
  get current(): ModelHandle | null {
    return this.handle;
  }

  /** Whether the served version is the registry's champion as last seen. */
  get servesChampion(): boolean {
    return this.handle !== null && this.handle.model.version === this.champion;
  }

  /** The champion as last seen in the registry. */
  get championVersion(): string | null {
    return this.champion;
  }

  /** The registry folder this host reads. */
  get registryRoot(): string {
    return this.options.registryRoot;
  }

  /**
   * Loads the first model: the pinned version, else the champion. Throws a RegistryError when
   * there is none or it cannot be served: a server with nothing to serve must not start.
   */
  async start(): Promise<ServedModel> {
    const registry = await ModelRegistry.open(this.options.registryRoot);
    const champion = await registry.champion();
    this.champion = champion?.version ?? null;
    const version = this.options.pinnedVersion ?? champion?.version;
    if (version === undefined) {
      const versions = await registry.versions();
      throw new RegistryError(
        versions.length === 0
          ? `No model to serve: the registry at ${this.options.registryRoot} has no versions. Run \`mlops pipeline\` (npm run pipeline) to train and register one.`
          : `No model to serve: the registry at ${this.options.registryRoot} has no champion. Promote a version with \`mlops rollback <version>\`, run \`mlops pipeline\`, or pass --version.`,
      );
    }
    this.indexSignature = await this.readIndexSignature();
    const model = await loadServedModel(registry, version, this.options.limits);
    this.install(model);
    return model;
  }

  /**
   * Checks the registry now and swaps to a new champion when there is one. `force` also retries
   * versions refused before (the admin reload does; polls do not). Concurrent calls share one check.
   */
  refresh(force = false): Promise<RefreshOutcome> {
    if (this.refreshing) return this.refreshing;
    this.refreshing = this.check(force).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** Polls the registry every `intervalMs` (TF Serving polls its model base path the same way). */
  follow(intervalMs: number): void {
    if (this.options.pinnedVersion !== null || intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      this.refresh(false).catch((error: unknown) => {
        this.options.log.error({ err_message: describeError(error) }, 'registry check failed');
      });
    }, intervalMs);
    // The poll alone never keeps the process alive: shutdown does not wait for it.
    this.timer.unref();
  }

  /** Stops polling the registry (shutdown begins with it; the model keeps answering in-flight requests). */
  stopFollowing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Stops following and retires the served model (disposed once its in-flight requests end). */
  async stop(): Promise<void> {
    this.stopFollowing();
    await this.refreshing?.catch(() => undefined);
    this.handle?.retire();
    this.handle = null;
  }

  private async check(force: boolean): Promise<RefreshOutcome> {
    const serving = this.handle?.model.version ?? null;
    if (this.options.pinnedVersion !== null) return { status: 'unchanged', version: serving };
    const signature = await this.readIndexSignature();
    if (!force && signature === this.indexSignature) return { status: 'unchanged', version: serving };
    let champion: string | null;
    let registry: ModelRegistry;
    try {
      registry = await ModelRegistry.open(this.options.registryRoot);
      champion = (await registry.champion())?.version ?? null;
    } catch (error) {
      // A registry being repaired by hand: keep serving and look again at the next poll.
      this.options.log.warn({ err_message: describeError(error) }, 'cannot read the registry; still serving the current model');
      return { status: 'unchanged', version: serving };
    }
    this.indexSignature = signature;
    if (champion !== this.champion) {
      for (const version of this.refused.keys()) if (version !== champion) this.refused.delete(version);
    }
    this.champion = champion;
    if (champion === null || champion === serving) return { status: 'unchanged', version: serving };
    const knownCause = this.refused.get(champion);
    if (knownCause !== undefined && !force) return { status: 'refused', version: champion, cause: knownCause, serving };
    try {
      const model = await loadServedModel(registry, champion, this.options.limits);
      if (this.champion !== champion) {
        // The champion moved again while this one loaded: serve the newest on the next check.
        model.network.dispose();
        this.indexSignature = '';
        return { status: 'unchanged', version: serving };
      }
      this.refused.delete(champion);
      this.install(model);
      return { status: 'swapped', version: champion, from: serving };
    } catch (error) {
      const cause = describeError(error);
      this.refused.set(champion, cause);
      this.options.log.error({ version: champion, serving, err_message: cause }, `refused model ${champion}; still serving ${serving ?? 'nothing'}`);
      this.options.events?.onRefused?.(champion, cause);
      return { status: 'refused', version: champion, cause, serving };
    }
  }

  private install(model: ServedModel): void {
    const previous = this.handle;
    this.handle = new ModelHandle(model, this.options.drift);
    if (previous) {
      this.options.events?.onReplaced?.(previous);
      previous.retire();
    }
    this.options.log.info(
      { version: model.version, previous: previous?.model.version ?? null, features: model.features.length },
      previous ? `now serving ${model.name} ${model.version} (was ${previous.model.version})` : `serving ${model.name} ${model.version}`,
    );
    this.options.events?.onLoaded?.(model, previous?.model.version ?? null);
  }

  /** Changes whenever registry.json is replaced (writes are atomic renames, so the inode changes too). */
  private async readIndexSignature(): Promise<string> {
    const info = await stat(join(this.options.registryRoot, 'registry.json')).catch(() => null);
    return info ? `${info.ino}:${info.size}:${info.mtimeMs}` : 'missing';
  }
}
