export * from "./buckets";
export * from "./concern";
export * from "./cost";
export * from "./lifecycle";
export * from "./storage-classes";
