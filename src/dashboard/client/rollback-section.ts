import type { ModelInfo, VersionHistory } from '../../serving/api-schema.js';
import { el, replaceBody } from './dom.js';

/** The GitHub workflow that deploys a release tag (workflow_dispatch input "version"). */
const deployWorkflow = 'deploy.yml';

/**
 * The version to roll back to: the champion before the latest promotion of the current one, else
 * the newest archived version; null when there is none.
 */
export function rollbackTarget(history: VersionHistory): string | null {
  for (let i = history.alias_history.length - 1; i >= 0; i--) {
    const move = history.alias_history[i]!;
    if (move.to === history.champion && move.from) return move.from;
  }
  const earlier = history.versions.filter((v) => v.version !== history.champion && v.status === 'archived');
  return earlier[earlier.length - 1]?.version ?? null;
}

/** The commands that serve the previous champion again, locally and on GitHub. */
export function renderRollback(model: ModelInfo, history: VersionHistory): void {
  const found = rollbackTarget(history);
  const target = found ?? '<version>';
  const nodes: Node[] = [];
  if (found === null) {
    nodes.push(
      el('p', { text: 'There is no earlier champion to roll back to yet. Once a second version has been promoted, this section names it.' }),
      el('p', { className: 'muted', text: 'The commands, for any registered version:' }),
    );
  } else {
    nodes.push(el('p', {}, ['The previous champion is ', el('strong', { id: 'rollback-target', text: found }), '. To serve it again:']));
  }
  nodes.push(
    el('p', { text: 'Locally, or on the machine that runs the server (the running server follows the registry’s champion):' }),
    el('pre', {}, [el('code', { id: 'rollback-command', text: `npx mlops rollback ${target}` })]),
    el('p', { text: 'On GitHub, re-deploy the release tag with the deploy workflow (Actions → Deploy → Run workflow), or with the GitHub CLI:' }),
    el('pre', {}, [el('code', { id: 'deploy-command', text: `gh workflow run ${deployWorkflow} -f version=v${target}` })]),
  );
  const others = history.versions.filter((v) => v.version !== model.version).map((v) => v.version);
  if (others.length > 0) nodes.push(el('p', { className: 'muted', text: `Other registered versions: ${others.join(', ')}.` }));
  replaceBody('rollback-body', nodes);
}
