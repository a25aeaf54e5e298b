import { httpTlsSuite } from "./tls-suite";

httpTlsSuite("dev");
