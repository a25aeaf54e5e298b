import { existsSync, readdirSync, statSync } from "node:fs";
import type { Artifact } from "../../infra/artifacts";
import { RenderError } from "./render-error";

/**
 * Written into every render directory: the render only ever clears a directory holding this file
 * (one it wrote itself) or an empty one, so `--out` cannot delete anything else.
 */
export const RENDER_MARKER: Artifact = {
  path: ".rendered",
  content: "Written by `npm run render`: this directory is replaced on every render.\n",
};

/** Throws unless `outDir` is absent, empty or a render's own directory (RENDER_MARKER). */
export function assertReplaceable(outDir: string): void {
  if (!existsSync(outDir)) return;
  if (!statSync(outDir).isDirectory()) throw new RenderError(`${outDir} is a file, not a directory`);
  const entries = readdirSync(outDir);
  if (entries.length > 0 && !entries.includes(RENDER_MARKER.path))
    throw new RenderError(
      `refusing to replace ${outDir}: it is not empty and the render did not write it (no ${RENDER_MARKER.path} file); choose another --out`,
    );
}
