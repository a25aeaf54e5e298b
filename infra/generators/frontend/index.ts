export * from "./concern";
export * from "./new-relic";
export * from "./resources";
