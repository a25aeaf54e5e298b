export * from "./alerts";
export * from "./projects";
export * from "./scrubbing";
export * from "./concern";
export * from "./resources";
