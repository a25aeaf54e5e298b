export * from "./alerting";
export * from "./concern";
export * from "./dashboards";
export * from "./datasources";
export * from "./folders";
export * from "./ingress";
export * from "./release";
