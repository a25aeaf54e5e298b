import type { SentryConfig } from "../../config";
import type { ScrubbingSettings } from "../../components/sentry-api";

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
