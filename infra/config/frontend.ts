import { z } from "zod";

/** Frontend settings (filled in by the frontend concern). */
export const frontendSchema = z.strictObject({}).prefault({});
export type FrontendConfig = z.infer<typeof frontendSchema>;
