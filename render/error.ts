/** A render that cannot complete: the message names the environment and what is wrong. */
export class RenderError extends Error {
  override name = 'RenderError';
}
