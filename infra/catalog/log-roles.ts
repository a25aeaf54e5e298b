/**
 * The Elasticsearch roles people are given to read logs in Kibana (the spec's audit trail is for
 * auditors alone). Their privileges are generated in infra/generators/logging/roles.ts; the names
 * live here so that the config (`logging.users[].roles`) accepts these and nothing else.
 */
export const READER_ROLES = ["log-reader", "security-analyst", "auditor"] as const;
export type ReaderRole = (typeof READER_ROLES)[number];
