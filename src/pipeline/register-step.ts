import { join } from 'node:path';
import { modelCardsPath, registryPath } from '../config/paths.js';
import { githubRunUrl, readCodeVersion } from '../core/git-info.js';
import { writeModelCardFiles } from '../cards/model-card.js';
import { dataProfileSchema } from '../data/profile-schema.js';
import { validationReportSchema } from '../data/validate.js';
import { evaluationReportSchema, gateVerdictSchema } from '../evaluation/report-schema.js';
import { ModelRegistry, type RegisteredVersion } from '../registry/registry.js';
import { recordExperiment } from './experiments.js';
import { readCurrentRun, readCurrentTraining, staleVerdictProblem } from './freshness.js';
import { buildLineage, unchangedChampion } from './lineage.js';
import type { StepContext } from './step-context.js';

/** What register did: a new version, or nothing because the champion is the same model. */
export interface RegisterOutcome {
  version: RegisteredVersion;
  /** False when the candidate duplicated the champion and nothing was written. */
  created: boolean;
}

/** register: stores the gated model as a new version, writes its model card, and promotes it. */
export async function registerStep(ctx: StepContext, options: { promote?: boolean; force?: boolean; takenElsewhere?: readonly string[] } = {}): Promise<RegisterOutcome> {
  const { loaded, workspace, logger } = ctx;
  const config = loaded.config;
  const run = await readCurrentRun(ctx);
  const training = await readCurrentTraining(ctx, run);
  const validation = await workspace.read('validation', validationReportSchema, 'validate');
  const profile = await workspace.read('profile', dataProfileSchema, 'validate');
  const evaluation = await workspace.read('metrics', evaluationReportSchema, 'evaluate');
  const gate = await workspace.read('gate', gateVerdictSchema, 'evaluate');
  const stale = staleVerdictProblem(workspace.path('gate'), gate, run);
  if (stale) throw stale;
  const registry = await ModelRegistry.open(registryPath(loaded));
  const code = await readCodeVersion(loaded.baseDir, ctx.env);
  const lineage = buildLineage({ run, training, validation, gate, loaded, code, runUrl: githubRunUrl(ctx.env, { attempt: false }) });
  const promote = options.promote ?? true;
  const unchanged = await unchangedChampion(registry, lineage, training);
  if (unchanged && !options.force) {
    logger.info(
      `Nothing new to register: champion ${unchanged.version} was trained from the same data, config and commit and has identical weights.`,
    );
    await workspace.write('registered', { version: unchanged.version, created: false, promoted: false, registered_at: new Date().toISOString() });
    await recordExperiment(ctx, registry, { status: 'unchanged', verdict: gate, candidate: evaluation, version: unchanged.version, championVersion: gate.champion_version });
    return { version: unchanged, created: false };
  }
  const { entry: registered, card, markdown: cardMarkdown } = await registry.register({
    modelDir: workspace.path('modelDir'),
    profile,
    evaluation,
    gate,
    lineage,
    promote,
    force: options.force,
    takenElsewhere: options.takenElsewhere ?? [],
  });
  await writeModelCardFiles(modelCardsPath(loaded), registered.version, card, cardMarkdown);
  await workspace.write('registered', { version: registered.version, created: true, promoted: promote, registered_at: new Date().toISOString(), card: join(modelCardsPath(loaded), `${registered.version}.md`) });
  await recordExperiment(ctx, registry, {
    status: promote ? 'promoted' : 'registered',
    verdict: gate,
    candidate: evaluation,
    version: registered.version,
    championVersion: gate.champion_version,
  });
  logger.info(`Registered ${config.name} ${registered.version}${promote ? ' as champion' : ''}; model card model-cards/${registered.version}.md`);
  return { version: registered, created: true };
}
