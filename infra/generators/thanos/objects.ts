import { compactorObjects } from "./compactor";
import { queryObjects } from "./query";
import { queryFrontendObjects } from "./query-frontend";
import { storeObjects } from "./store";
import { serviceAccount, serviceMonitor, type ThanosInput, type WorkloadPart } from "./workload";

/**
 * Every Kubernetes object of the Thanos query path and Compactor, per part, as the component
 * creates them. `roleArns` says which bucket users get an IAM role (`ref("roleArn:<part>")`).
 */

export const WORKLOAD_PARTS = [
  "query",
  "queryFrontend",
  "storeGateway",
  "compactor",
] as const satisfies readonly WorkloadPart[];

export interface ThanosObjectOptions {
  roleArns: { storeGateway: boolean; compactor: boolean };
}

export function thanosObjects(config: ThanosInput, opts: ThanosObjectOptions) {
  const roleArn = (part: WorkloadPart) =>
    part === "storeGateway" || part === "compactor" ? opts.roleArns[part] : false;
  const common = (part: WorkloadPart) => ({
    serviceAccount: serviceAccount(config, part, { roleArn: roleArn(part) }),
    serviceMonitor: serviceMonitor(config, part),
  });
  return {
    query: { ...queryObjects(config), ...common("query") },
    queryFrontend: { ...queryFrontendObjects(config), ...common("queryFrontend") },
    storeGateway: { ...storeObjects(config), ...common("storeGateway") },
    compactor: { ...compactorObjects(config), ...common("compactor") },
  };
}
export type ThanosObjects = ReturnType<typeof thanosObjects>;
