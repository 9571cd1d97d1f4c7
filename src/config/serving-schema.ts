import { z } from 'zod';

/** The `serving` section: how `mlops serve` answers requests. */
export const servingSchema = z
  .strictObject({
    /** Port when neither --port nor PORT is given. */
    port: z.number().int().min(0).max(65535).default(8080),
  })
  .default({ port: 8080 });
export type ServingConfig = z.infer<typeof servingSchema>;

/** The `monitoring` section: drift thresholds against the training profile. */
export const monitoringSchema = z.strictObject({}).default({});
export type MonitoringConfig = z.infer<typeof monitoringSchema>;
