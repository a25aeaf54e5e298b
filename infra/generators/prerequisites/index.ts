export * from "./catalog";
export * from "./concern";
