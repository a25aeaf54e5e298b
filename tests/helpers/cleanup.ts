/**
 * Runs in every test file before it (vitest `setupFiles`): its `afterAll`, registered first, runs
 * after the file's own, so servers the file stopped no longer use the folder it removes.
 */
import { afterAll } from "vitest";
import { removeTestTemp } from "./tools";

afterAll(removeTestTemp);
