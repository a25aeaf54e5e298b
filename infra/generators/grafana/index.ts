export * from "./alerting";
export * from "./availability";
export * from "./concern";
export * from "./dashboards";
export * from "./database";
export * from "./datasources";
export * from "./folders";
export * from "./release";
