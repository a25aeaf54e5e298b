/** A render the user asked for that cannot be done as asked: one line, no stack trace. */
export class RenderError extends Error {
  override name = "RenderError";
}
