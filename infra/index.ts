// Entry point for `pulumi up` / `pulumi preview`: the returned object becomes the stack outputs.
import { runProgram } from "./main";

export = runProgram();
