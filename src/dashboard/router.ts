import type { Express } from 'express';

// PLACEHOLDER (owned by the dashboard work, issue 5): serves the dashboard page and its assets at `/`.

/** Mounts the dashboard page (`/`) and its static assets on the serving app. */
export function mountDashboard(_app: Express): void {}
