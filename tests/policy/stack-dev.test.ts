import { ALL_POLICIES } from "../../policy/policies";
import { stackSuite } from "./stack-suite";

stackSuite(
  "dev",
  ALL_POLICIES.map((p) => p.name).filter(
    (n) => !["prod-stateful-protected", "prod-high-availability"].includes(n),
  ),
);
