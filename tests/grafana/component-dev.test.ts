import { grafanaComponentSuite } from "./component-suite";

grafanaComponentSuite("dev");
