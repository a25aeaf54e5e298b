import { ALL_POLICIES } from "../../policy/policies";
import { stackSuite } from "./stack-suite";

stackSuite(
  "prod",
  ALL_POLICIES.map((p) => p.name),
);
