import type { StandInSpec } from '../runner/local-action.js';
import { downloadArtifact, uploadArtifact } from './artifacts.js';
import { cache } from './cache.js';
import { checkout } from './checkout.js';
import { configurePages, deployPages, uploadPagesArtifact } from './pages.js';
import { setupNode } from './setup-node.js';

/** The third-party actions the local runner stands in for, keyed by owner/repo (any version). */
export const standIns: Record<string, StandInSpec> = {
  'actions/checkout': checkout,
  'actions/setup-node': setupNode,
  'actions/upload-artifact': uploadArtifact,
  'actions/download-artifact': downloadArtifact,
  'actions/cache': cache,
  'actions/configure-pages': configurePages,
  'actions/upload-pages-artifact': uploadPagesArtifact,
  'actions/deploy-pages': deployPages,
};
