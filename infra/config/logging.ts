import { z } from "zod";

/** Logging settings (filled in by the logging concern). */
export const loggingSchema = z.strictObject({}).prefault({});
export type LoggingConfig = z.infer<typeof loggingSchema>;
