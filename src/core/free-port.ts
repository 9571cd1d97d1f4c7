import { createServer } from 'node:net';

/**
 * A TCP port free on 127.0.0.1 right now: the kernel picks one for a throwaway listener, which
 * is closed before the port is returned. Another process may take it before the caller binds
 * it, so callers that can listen on port 0 themselves should; this is for programs that must be
 * told a port up front (a registry's config, a container's published port).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
