import { grafanaComponentSuite } from "./component-suite";

grafanaComponentSuite("prod");
