import type { Policies } from "@pulumi/policy";
import { archivePolicies } from "./archive";
import { bucketPolicies } from "./buckets";

/** Every policy of the pack, in the order the README's table lists them. */
export const ALL_POLICIES: Policies = [...archivePolicies, ...bucketPolicies];
