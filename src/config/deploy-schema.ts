import { z } from 'zod';

/** The `deploy` section: where `mlops deploy` and the deploy action send a version. */
export const deploySchema = z.strictObject({}).default({});
export type DeployConfig = z.infer<typeof deploySchema>;
