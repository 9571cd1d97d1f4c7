import { commandLineLogOptions, createServingLog } from '../../serving/log.js';
import { startServer } from '../../serving/server.js';
import { resolveServeSettings } from '../../serving/settings.js';
import { z } from 'zod';
import { commonOptions, defineCommand } from '../command.js';
import { text } from '../options.js';

export const serveCommand = defineCommand({
  name: 'serve',
  summary: 'serve the champion over HTTP (predict, health, metrics, drift); follows rollbacks',
  usage: `mlops serve [--port N] [--host H] [--allowed-hosts LIST] [--registry DIR] [--version V] [--feedback-dir DIR] [--config FILE]

Serves the registry's champion with Express and follows it: a promotion or \`mlops rollback\`
is picked up within about a second (POST /admin/reload checks at once when MLOPS_ADMIN_TOKEN, at
least 32 characters, is set). Prints the URL it listens on; logs go to stderr, as readable lines
on a terminal and as JSON otherwise (LOG_FORMAT=json or pretty chooses). Stops gracefully on
SIGTERM/SIGINT.

  -p, --port N        port (default: PORT, else serving.port, 8080; 0 picks a free one)
      --host H        address to listen on (default: serving.host, 127.0.0.1; a container
                      passes --host 0.0.0.0)
      --allowed-hosts LIST  host names the Host header may carry, comma-separated
                      (default: MLOPS_ALLOWED_HOSTS, else serving.allowed_hosts, else localhost
                      on a loopback address and any host on others; IP addresses always)
      --registry DIR  serve this registry; without --config the serving and monitoring
                      settings come from the served version's lineage (no config file needed)
      --version V     serve this version only (no following)
      --feedback-dir DIR  folder of the prediction log (default: MLOPS_FEEDBACK_DIR, else
                      feedback.log_dir, .mlops/feedback beside the config)

Every prediction carries a prediction_id; POST /feedback takes the true labels back
({"feedback": [{"prediction_id": "…", "label": "Yes"}]}), and /monitoring shows live quality.

Endpoints: POST /predict /feedback, GET /health /ready /metrics /model /monitoring, /api/*.json.
Common options:
  -c, --config FILE   config file (default: mlops.config.yaml when present)
      --debug         print stack traces of internal errors
  -h, --help          this help`,
  options: z.strictObject({ ...commonOptions, port: text('p'), host: text(), 'allowed-hosts': text(), registry: text(), version: text(), 'feedback-dir': text() }),
  async run(context) {
    const settings = await resolveServeSettings({
      config: context.options.config,
      registry: context.options.registry,
      version: context.options.version,
      port: context.options.port,
      host: context.options.host,
      allowedHosts: context.options['allowed-hosts'],
      feedbackDir: context.options['feedback-dir'],
      cwd: context.io.cwd,
      env: context.io.env,
    });
    const { log, flush } = createServingLog(settings.serving.log_level, commandLineLogOptions(context.io.stderr, context.io.env));
    const running = await startServer({ settings, log, adminToken: context.io.env.MLOPS_ADMIN_TOKEN ?? null }).catch(async (error: unknown) => {
      await flush();
      throw error;
    });
    context.io.stdout.write(`Serving ${running.model.name} ${running.model.version} at ${running.url}\n`);

    // Node as PID 1 in a container gets no default SIGTERM handling: without this it would not stop.
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      const onSignal = (received: NodeJS.Signals) => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        resolve(received);
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    const force = () => running.forceClose();
    process.once('SIGTERM', force);
    process.once('SIGINT', force);
    await running.shutdown(signal);
    process.off('SIGTERM', force);
    process.off('SIGINT', force);
    await flush();
    context.io.stdout.write(`Stopped (${signal}).\n`);
    return 0;
  },
});
