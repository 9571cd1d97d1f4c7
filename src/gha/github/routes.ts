/**
 * The REST routes the simulated GitHub implements (method and path under /repos/{owner}/{repo}).
 * Everything else is answered 501 naming the request: an action that calls an endpoint the
 * simulation lacks fails loudly instead of receiving the OpenAPI example as if it were data.
 */
const implemented: [string, RegExp][] = [
  ['GET|POST', /^\/releases$/],
  ['GET|PATCH|DELETE', /^\/releases\/\d+$/],
  ['GET', /^\/releases\/latest$/],
  ['GET', /^\/releases\/tags\/[^/]+$/],
  ['GET|POST', /^\/releases\/\d+\/assets$/],
  ['GET|DELETE', /^\/releases\/assets\/\d+$/],
  ['GET|POST', /^\/deployments$/],
  ['GET', /^\/deployments\/\d+$/],
  ['GET|POST', /^\/deployments\/\d+\/statuses$/],
  ['GET|POST', /^\/issues$/],
  ['GET|PATCH', /^\/issues\/\d+$/],
  ['GET|POST', /^\/issues\/\d+\/comments$/],
  ['GET|PATCH', /^\/issues\/comments\/\d+$/],
  ['GET|POST', /^\/pulls$/],
  ['GET', /^\/pulls\/\d+$/],
  ['GET', /^\/actions\/runs$/],
  ['GET', /^\/actions\/workflows\/[^/]+\/runs$/],
  ['GET', /^\/actions\/runs\/\d+$/],
  ['GET', /^\/actions\/runs\/\d+\/artifacts$/],
  ['GET', /^\/actions\/artifacts\/\d+$/],
  ['GET', /^\/actions\/artifacts\/\d+\/zip$/],
  ['POST', /^\/actions\/workflows\/[^/]+\/dispatches$/],
  ['GET', /^\/pages$/],
  ['POST', /^\/pages\/deployments$/],
  ['GET', /^\/pages\/deployments\/\d+$/],
];

/** The route table as text: part of the cache key of the OpenAPI subset, so a new route refreshes it. */
export const routeTableText = implemented.map(([methods, pattern]) => `${methods} ${pattern.source}`).join('\n');

/** Whether the simulation implements `method` on a path below the repository. */
export function isImplementedRoute(method: string, repoPath: string): boolean {
  return implemented.some(([methods, pattern]) => methods.split('|').includes(method) && pattern.test(repoPath));
}
