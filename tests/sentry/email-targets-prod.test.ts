import { emailTargetsSuite } from "./email-targets-suite";

emailTargetsSuite("prod");
