/**
 * Runs a render step without the stack traces cdktf records for its error messages.
 *
 * cdktf records the creation stack of every token it makes (`Lazy`, `Intrinsic`, references:
 * cdktf@0.21.0 lib/tokens/private/stack-trace.js calls `Error.captureStackTrace` on a plain
 * object with `Error.stackTraceLimit` raised to Number.MAX_SAFE_INTEGER and formats it), only
 * to quote it if that token later fails to resolve. That was about a fifth of the render's CPU
 * time in a profile (docs/performance.md). While `fn` runs, `Error.captureStackTrace` skips
 * targets that are not errors, so those records are empty; real errors keep their stacks.
 * Source maps are off too: formatting any remaining stack through them is slow (tsx turns them
 * on). Both are restored afterwards.
 */
export function withoutTokenStacks<T>(fn: () => T): T {
  const capture = Error.captureStackTrace;
  const sourceMaps = process.sourceMapsEnabled;
  Error.captureStackTrace = (target: object, below?: Parameters<typeof capture>[1]) => {
    if (target instanceof Error) capture(target, below);
  };
  process.setSourceMapsEnabled(false);
  try {
    return fn();
  } finally {
    Error.captureStackTrace = capture;
    process.setSourceMapsEnabled(sourceMaps);
  }
}
