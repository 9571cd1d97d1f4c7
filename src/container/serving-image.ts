import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { ConfigError, DeployError } from '../core/errors.js';
import { parseJsonText, type JsonFileProblem } from '../core/json-file.js';
import type { Logger } from '../core/logger.js';
import { parseVersion } from '../registry/semver.js';
import { runEngine, type ContainerEngine, type ContainerEngineName } from './engine.js';

/**
 * Builds the serving image (the repository's Dockerfile) for one registered version, and reads
 * back what an image says about itself. Every value that reaches the engine's command line is
 * validated first; none reaches a shell.
 */

/** The label every serving image carries with the version it serves (also `org.opencontainers.image.version`). */
export const modelVersionLabel = 'mlops.model.version';

/** What to build. */
export interface ServingImageBuildOptions {
  /** The build context: the project root with the Dockerfile, package files, bin/, src/ and the registry. */
  contextDir: string;
  /** Image reference to tag, e.g. `ghcr.io/owner/repo:1.2.0`. */
  image: string;
  /** The registered version to bake in (MAJOR.MINOR.PATCH). */
  modelVersion: string;
  /** The registry folder; must lie inside the context. Default `<contextDir>/.mlops/registry`. */
  registryDir?: string;
  /** The Dockerfile. Default `<contextDir>/Dockerfile`. */
  dockerfile?: string;
  /** BASE_IMAGE build argument; the Dockerfile's default (node:20-bookworm-slim) when absent. */
  baseImage?: string;
  /** VCS_REF build argument: the commit, for `org.opencontainers.image.revision`. */
  revision?: string;
  /** SOURCE_URL build argument: the repository URL, for `org.opencontainers.image.source`. */
  sourceUrl?: string;
  /**
   * podman only: a warm npm cache folder mounted (as a throwaway overlay) at /root/.npm, with
   * NPM_OFFLINE=true so that dependencies install without the registry (hosts whose build
   * containers cannot reach it).
   */
  offlineNpmCache?: string;
  /** Keep intermediate layers for later builds (the engines' default). False leaves nothing but the image. */
  layers?: boolean;
}

/** A built image. */
export interface BuiltImage {
  image: string;
  /** The image id the engine reports. */
  id: string;
  durationMs: number;
}

/** What an image says about itself (`inspect`). */
export interface ImageDescription {
  id: string;
  labels: Record<string, string>;
  /** `KEY=VALUE` entries of the image's environment, as a map. */
  env: Record<string, string>;
  user: string;
  stopSignal: string | null;
  /** The HEALTHCHECK command, when the image format kept one. */
  healthcheck: string[] | null;
  sizeBytes: number;
}

// Docker's reference grammar (distribution/reference): a lowercase repository, an optional tag
// and digest; the first part is a registry host only with a dot or a port, or as `localhost`
// (as docker decides), so `Acme/churn` is an invalid repository, not a host named Acme.
const component = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const label = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const domain = `(?:(?:localhost|${label}(?:\\.${label})+)(?::[0-9]+)?/|${label}:[0-9]+/)`;
const imageReferencePattern = new RegExp(`^${domain}?${component}(?:/${component})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`);

/** Throws a ConfigError unless `reference` is an image reference such as `ghcr.io/o/r:1.2.0`. */
export function parseImageReference(reference: string, what = 'image'): string {
  if (reference.length > 255 || !imageReferencePattern.test(reference)) {
    throw new ConfigError(
      `Invalid ${what} ${JSON.stringify(reference)}: expected an image reference such as ghcr.io/owner/repo:1.2.0 (lowercase repository, optional :tag).`,
    );
  }
  return reference;
}

const revisionPattern = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/;

/**
 * The engine arguments of a serving-image build, from validated options: the version (strict
 * MAJOR.MINOR.PATCH), image references, the registry's place inside the context, the revision
 * and the source URL. podman gets `--format docker`, since the OCI format drops HEALTHCHECK.
 */
export function servingImageBuildArgs(engine: ContainerEngineName, options: ServingImageBuildOptions): string[] {
  parseVersion(options.modelVersion);
  parseImageReference(options.image);
  const context = resolve(options.contextDir);
  const registry = resolve(options.registryDir ?? join(context, '.mlops', 'registry'));
  const registryInContext = relative(context, registry);
  if (registryInContext === '' || registryInContext.startsWith('..') || isAbsolute(registryInContext)) {
    throw new ConfigError(
      `The registry ${registry} must be a folder inside the build context ${context}: the image build copies the version from there.`,
    );
  }
  const buildArgs: [string, string][] = [
    ['MODEL_VERSION', options.modelVersion],
    ['REGISTRY_DIR', registryInContext.split(sep).join('/')],
  ];
  if (options.baseImage !== undefined) buildArgs.push(['BASE_IMAGE', parseImageReference(options.baseImage, 'base image')]);
  if (options.revision !== undefined) {
    if (!revisionPattern.test(options.revision)) {
      throw new ConfigError(`Invalid revision ${JSON.stringify(options.revision)}: expected a commit id or ref name.`);
    }
    buildArgs.push(['VCS_REF', options.revision]);
  }
  if (options.sourceUrl !== undefined) {
    if (!/^https?:\/\/[^\s"'\\]+$/.test(options.sourceUrl)) {
      throw new ConfigError(`Invalid source URL ${JSON.stringify(options.sourceUrl)}: expected an http(s) URL such as https://github.com/owner/repo.`);
    }
    buildArgs.push(['SOURCE_URL', options.sourceUrl]);
  }
  const args = ['build', '--file', resolve(options.dockerfile ?? join(context, 'Dockerfile')), '--tag', options.image];
  if (engine === 'podman') args.push('--format', 'docker');
  if (options.layers === false) {
    if (engine !== 'podman') throw new ConfigError('layers: false is a podman option; docker always keeps build layers.');
    args.push('--layers=false');
  }
  if (options.offlineNpmCache !== undefined) {
    if (engine !== 'podman') throw new ConfigError('An offline npm cache is mounted with `podman build --volume`; docker builds install from the registry.');
    if (!isAbsolute(options.offlineNpmCache) || options.offlineNpmCache.includes(':')) {
      throw new ConfigError(`The offline npm cache must be an absolute path without ':', not ${JSON.stringify(options.offlineNpmCache)}.`);
    }
    args.push('--volume', `${options.offlineNpmCache}:/root/.npm:O`);
    buildArgs.push(['NPM_OFFLINE', 'true']);
  }
  for (const [key, value] of buildArgs) args.push('--build-arg', `${key}=${value}`);
  args.push(context);
  return args;
}

/**
 * Builds the serving image for `options.modelVersion` and returns its id. Progress lines go to
 * `logger.progress`; a failed build is a DeployError with the end of its output.
 */
export async function buildServingImage(
  engine: ContainerEngine,
  options: ServingImageBuildOptions,
  logger: Logger,
  timeoutMs = 15 * 60_000,
): Promise<BuiltImage> {
  const args = servingImageBuildArgs(engine.name, options);
  const started = Date.now();
  logger.info(`Building ${options.image} (model ${options.modelVersion}) with ${engine.name} ${engine.version}.`);
  await runEngine(engine, args, { timeoutMs, onLine: (line) => logger.progress(line) });
  const description = await inspectImage(engine, options.image);
  const durationMs = Date.now() - started;
  logger.info(`Built ${options.image} (${description.id.slice(0, 12)}, ${(description.sizeBytes / 1e6).toFixed(0)} MB) in ${(durationMs / 1000).toFixed(0)} s.`);
  return { image: options.image, id: description.id, durationMs };
}

const healthcheckSchema = z.object({ Test: z.array(z.string()).nullish() }).loose().nullish();

/** The fields of `image inspect` output that docker and podman share (podman reports the HEALTHCHECK at the top level, docker under Config). */
const inspectedImagesSchema = z.array(
  z
    .object({
      Id: z.string().nullish(),
      Size: z.number().nullish(),
      Config: z
        .object({
          Labels: z.record(z.string(), z.string()).nullish(),
          Env: z.array(z.string()).nullish(),
          User: z.string().nullish(),
          StopSignal: z.string().nullish(),
          Healthcheck: healthcheckSchema,
        })
        .loose()
        .nullish(),
      Healthcheck: healthcheckSchema,
    })
    .loose(),
);

/** A container engine's `inspect` output that cannot be read: not JSON, or not the shape docker and podman print. */
export function inspectOutputError(command: string, problem: JsonFileProblem): DeployError {
  if (problem.kind === 'invalid') return new DeployError(`\`${command}\` printed JSON of an unexpected shape:\n${problem.detail}`);
  return new DeployError(`\`${command}\` printed something other than JSON.`);
}

/** Reads an image's labels, environment, user, stop signal, healthcheck and size. */
export async function inspectImage(engine: ContainerEngine, image: string): Promise<ImageDescription> {
  parseImageReference(image);
  const stdout = await runEngine(engine, ['image', 'inspect', image], { timeoutMs: 30_000 });
  const command = `${engine.name} image inspect ${image}`;
  const parsed = parseJsonText(stdout, command, inspectedImagesSchema, (problem) => inspectOutputError(command, problem));
  const found = parsed[0];
  if (!found?.Id) throw new DeployError(`\`${engine.name} image inspect ${image}\` described no image.`);
  const config = found.Config ?? {};
  const env: Record<string, string> = {};
  for (const entry of config.Env ?? []) {
    const at = entry.indexOf('=');
    if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  const healthcheck = config.Healthcheck?.Test ?? found.Healthcheck?.Test ?? null;
  return {
    id: found.Id.replace(/^sha256:/, ''),
    labels: config.Labels ?? {},
    env,
    user: config.User ?? '',
    stopSignal: config.StopSignal ?? null,
    healthcheck: healthcheck && healthcheck.length > 0 ? healthcheck : null,
    sizeBytes: found.Size ?? 0,
  };
}

/** Removes an image (by reference); one that does not exist is not an error. */
export async function removeImage(engine: ContainerEngine, image: string): Promise<void> {
  parseImageReference(image);
  const exists = await runEngine(engine, ['image', 'inspect', image], { timeoutMs: 30_000 }).then(
    () => true,
    () => false,
  );
  if (exists) await runEngine(engine, ['rmi', '--force', image], { timeoutMs: 60_000 });
}
