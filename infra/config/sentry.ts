import { z } from "zod";

/** Sentry settings (filled in by the sentry concern). */
export const sentrySchema = z.strictObject({}).prefault({});
export type SentryConfig = z.infer<typeof sentrySchema>;
