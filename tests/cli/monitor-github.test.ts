import { createServer } from 'node:http';
import { describe, expect, test } from 'vitest';
import { gitHubMonitorTarget, lastRetrainRun } from '../../src/cli/commands/monitor-github.js';

/** The GitHub side of `mlops monitor --github`, as a job sees it (the workflow: tests/gha/monitor-workflow.test.ts). */
describe('mlops monitor --github in a job', () => {
  test('a missing GITHUB_TOKEN or GITHUB_REF_NAME is a ConfigError naming it', () => {
    expect(() => gitHubMonitorTarget({ GITHUB_REPOSITORY: 'o/r', GITHUB_REF_NAME: 'main' })).toThrow(/--github needs GITHUB_TOKEN/);
    expect(() => gitHubMonitorTarget({ GITHUB_TOKEN: 't', GITHUB_REPOSITORY: 'o/r' })).toThrow(/--github needs GITHUB_REF_NAME/);
  });

  test('a token without the permission gets an error that names the permission', async () => {
    // GitHub's answer to a job token without actions: read.
    const server = createServer((_req, res) => res.writeHead(403, { 'content-type': 'application/json' }).end('{"message":"Resource not accessible by integration"}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const target = gitHubMonitorTarget({ GITHUB_TOKEN: 't', GITHUB_REPOSITORY: 'o/r', GITHUB_REF_NAME: 'main', GITHUB_API_URL: `http://127.0.0.1:${port}` });
      await expect(lastRetrainRun(target)).rejects.toThrow(/GitHub refused to list the retrain.yml runs \(403\): the job needs `permissions: actions: read`/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
