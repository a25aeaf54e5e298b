export * from "./bucket";
export * from "./concern";
export * from "./iam";
export * from "./names";
export * from "./objstore";
export * from "./sidecar";
