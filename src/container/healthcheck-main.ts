/**
 * The serving image's HEALTHCHECK command: `node dist/src/container/healthcheck-main.js`.
 * Exit 0 when `/health` answers 2xx within 3 s, 1 otherwise (the Docker HEALTHCHECK contract).
 */
import { describeError } from '../core/errors.js';
import { healthCheckUrl, probeHealth } from './healthcheck.js';

try {
  const probe = await probeHealth(healthCheckUrl(process.env), 3000);
  process.stdout.write(`${probe.detail}\n`);
  process.exitCode = probe.healthy ? 0 : 1;
} catch (error) {
  process.stdout.write(`${describeError(error)}\n`);
  process.exitCode = 1;
}
