import type { SentryConfig } from "../../config";

/** A project's server-side scrubbing options, with the field names of Sentry's project API. */
export interface ScrubbingSettings {
  dataScrubber: boolean;
  dataScrubberDefaults: boolean;
  scrubIPAddresses: boolean;
  sensitiveFields: string[];
  safeFields: string[];
}

/** The body of the PUT that applies a project's data scrubbing (Sentry's field names). */
export function scrubbingSettings(sentry: Pick<SentryConfig, "scrubbing">): ScrubbingSettings {
  const s = sentry.scrubbing;
  return {
    dataScrubber: s.dataScrubber,
    dataScrubberDefaults: s.dataScrubberDefaults,
    scrubIPAddresses: s.scrubIpAddresses,
    sensitiveFields: [...s.sensitiveFields],
    safeFields: [...s.safeFields],
  };
}
