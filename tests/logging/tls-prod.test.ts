import { httpTlsSuite } from "./tls-suite";

httpTlsSuite("prod");
