export * from "./alertmanager";
export * from "./alerts";
export * from "./business";
export * from "./concern";
export * from "./kubernetes";
export * from "./rules";
export * from "./settings";
