export * from "./concern";
export * from "./probes";
