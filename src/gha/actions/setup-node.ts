import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StandInSpec } from '../runner/local-action.js';

/**
 * actions/setup-node: this machine has one Node.js (the one running gha); a different major
 * version requested is a warning, not a download (the runner cannot reach nodejs.org). `cache:
 * npm` needs no restore here: jobs share this machine's npm cache (npm_config_cache), as a warm
 * runner image would. `registry-url` is not supported and says so.
 */
export const setupNode: StandInSpec = {
  inputs: {
    'node-version': '',
    'node-version-file': '',
    architecture: '',
    'check-latest': 'false',
    'registry-url': '',
    scope: '',
    token: '',
    cache: '',
    'package-manager-cache': 'true',
    'cache-dependency-path': '',
    mirror: '',
    'mirror-token': '',
  },
  async run(job, inputs) {
    if (inputs['registry-url']) throw new Error('actions/setup-node stand-in: registry-url is not supported by the local runner');
    let wanted = inputs['node-version'];
    if (!wanted && inputs['node-version-file']) wanted = (await readFile(join(job.workspace, inputs['node-version-file']), 'utf8')).trim();
    const have = process.versions.node;
    if (wanted && wanted.replace(/^v/, '').split('.')[0] !== have.split('.')[0]) {
      job.annotations.push({ level: 'warning', message: `setup-node: node-version ${wanted} requested; the local runner has only Node.js ${have}, which runs the job.` });
      job.log(`Requested Node.js ${wanted}; using ${have} (the local runner installs no other version).`);
    }
    if (inputs.cache && inputs.cache !== 'npm') throw new Error(`actions/setup-node stand-in: cache '${inputs.cache}' is not supported (npm is)`);
    return { 'node-version': `v${have}`, 'cache-hit': 'false' };
  },
};
