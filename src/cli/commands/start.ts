import { z } from 'zod';
import { ExitCode } from '../../core/errors.js';
import { registryPath } from '../../config/paths.js';
import { ModelRegistry } from '../../registry/registry.js';
import { commonOptions, defineCommand, loadCommandConfig } from '../command.js';
import { text } from '../options.js';
import { reportFailure } from '../report-failure.js';
import { pipelineCommand } from './step-commands.js';
import { serveCommand } from './serve.js';

export const startCommand = defineCommand({
  name: 'start',
  summary: 'the whole loop, then serve: pipeline → serve the champion (npm start)',
  usage: `mlops start [--port N] [--host H] [--config FILE]

Runs \`mlops pipeline\`, then \`mlops serve\`. When the pipeline produces no new version (the
data is rejected, the gate rejects the candidate) but a champion exists, the champion is
served anyway and the reason is printed; with no champion, it exits with the pipeline's code.
  -p, --port N        port (default: PORT, else serving.port, 8080)
      --host H        address to listen on (default: serving.host, 127.0.0.1)
  -c, --config FILE   config file (default: mlops.config.yaml)
  -q, --quiet         only warnings, errors and results
      --debug         print stack traces of internal errors
  -h, --help          this help`,
  options: z.strictObject({ ...commonOptions, port: text('p'), host: text() }),
  async run(context) {
    const { config, quiet, debug, port, host } = context.options;
    try {
      await pipelineCommand.run({ ...context, options: pipelineCommand.options.parse({ config, quiet, debug }) });
    } catch (error) {
      const code = reportFailure(error, context.logger, debug);
      const registry = await ModelRegistry.open(registryPath(await loadCommandConfig(context)));
      const champion = await registry.champion();
      if (!champion || code === ExitCode.usage || code === ExitCode.internal) return code;
      context.logger.warn(`The pipeline registered no new version (exit ${code}); serving the champion ${champion.version}.`);
    }
    return serveCommand.run({ ...context, options: serveCommand.options.parse({ config, port, host, debug }) });
  },
});
