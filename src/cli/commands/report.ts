import { relative, resolve } from 'node:path';
import { z } from 'zod';
import { registryPath } from '../../config/paths.js';
import { ModelRegistry } from '../../registry/registry.js';
import { buildReportData } from '../../reports/report-data.js';
import { writeReportSite } from '../../reports/site.js';
import { commonOptions, commonUsage, defineCommand, loadCommandConfig } from '../command.js';
import { text } from '../options.js';

export const reportCommand = defineCommand({
  name: 'report',
  summary: 'write the model dashboard as a static site (history readable without a server)',
  usage: `mlops report [--out DIR] [--registry DIR]

Writes the dashboard page with the registry's data beside it: the champion (or the newest
version) with its lineage, metrics per slice with intervals, the gate verdict, every version and
every run. Open DIR/index.html in a browser, serve the folder, or publish it on GitHub Pages.
Live monitoring is only shown by \`mlops serve\`.
  --out DIR           folder to write (default: .mlops/report beside the config); an earlier
                      report there is replaced, any other non-empty folder is refused
  --registry DIR      read this registry folder instead of the config's registry.path
${commonUsage}`,
  options: z.strictObject({ ...commonOptions, out: text(), registry: text() }),
  async run(context) {
    const { registry: registryOption, out: outOption } = context.options;
    let registryDir: string;
    let outDir: string;
    if (registryOption !== undefined && outOption !== undefined) {
      // Both folders given: the report needs no config file at all (e.g. in the Pages workflow).
      registryDir = resolve(context.io.cwd, registryOption);
      outDir = resolve(context.io.cwd, outOption);
    } else {
      const loaded = await loadCommandConfig(context);
      registryDir = registryOption !== undefined ? resolve(context.io.cwd, registryOption) : registryPath(loaded);
      outDir = outOption !== undefined ? resolve(context.io.cwd, outOption) : resolve(loaded.baseDir, '.mlops/report');
    }
    const registry = await ModelRegistry.open(registryDir);
    const data = await buildReportData(registry);
    const site = await writeReportSite(data, outDir, context.logger);
    const shown = relative(context.io.cwd, site.dir) || '.';
    const history = data.versions;
    const runs = history.experiments.length;
    context.io.stdout.write(
      `report: ${data.model.name} ${data.model.version}${data.model.champion ? ' (champion)' : ' (newest; no champion yet)'}, ` +
        `${history.versions.length} version${history.versions.length === 1 ? '' : 's'}, ${runs} run${runs === 1 ? '' : 's'} → ${shown}/index.html\n`,
    );
    return 0;
  },
});
