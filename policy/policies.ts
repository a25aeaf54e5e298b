import type { Policies } from "@pulumi/policy";
import { alertPolicies } from "./alerts";
import { archivePolicies } from "./archive";
import { bucketPolicies } from "./buckets";
import { grafanaAccessPolicies } from "./grafana-access";
import { loggingPolicies } from "./logging";
import { metricsBucketPolicies } from "./metrics-bucket";
import { networkPolicies } from "./network";
import { podSecurityPolicies } from "./pod-security";
import { prodPolicies } from "./prod";
import { secretPolicies } from "./secrets";
import { sentryPolicies } from "./sentry";
import { thanosPolicies } from "./thanos";

/** Every policy of the pack, in the order the README's table lists them. */
export const ALL_POLICIES: Policies = [
  ...archivePolicies,
  ...bucketPolicies,
  ...metricsBucketPolicies,
  ...loggingPolicies,
  ...alertPolicies,
  ...secretPolicies,
  ...thanosPolicies,
  ...prodPolicies,
  ...networkPolicies,
  ...grafanaAccessPolicies,
  ...podSecurityPolicies,
  ...sentryPolicies,
];
