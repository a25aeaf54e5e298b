// The pack alone: constructing it starts the analyzer's gRPC server, so tests import the policies instead.
import { PolicyPack } from "@pulumi/policy";
import { ALL_POLICIES } from "./policies";

new PolicyPack("observability", { policies: ALL_POLICIES });
