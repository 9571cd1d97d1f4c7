import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBrowserAssets } from './browser-build.js';

/** `npm run build`'s last step: writes dist/browser from src (see browser-build.ts). */
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const files = await writeBrowserAssets(join(root, 'src'), join(root, 'dist', 'browser'));
process.stdout.write(`dashboard browser code: ${files.length} files in dist/browser\n`);
