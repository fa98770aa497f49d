/**
 * How a command that starts control-plane processes and go builds ends (npm run test:cluster,
 * npm run test:simulation): on SIGINT or SIGTERM it stops every process and build and exits
 * 130 or 143; on exit, however it comes, it kills what is left and runs the cleanups; an error
 * is printed once, prefixed with the command's name, and exits 1.
 */
import { killBuildsSync } from './binaries.js';
import { killAllSync, stopAll } from './control-plane.js';

export function runCommand(
  name: string,
  stopping: string,
  main: () => Promise<number>,
  cleanups: readonly (() => void)[],
): void {
  let signalled = false;
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.on(signal, () => {
      if (signalled) return;
      signalled = true;
      console.error(`${name}: ${signal}: stopping ${stopping}`);
      killBuildsSync();
      stopAll().finally(() => process.exit(code));
    });
  }
  process.on('exit', () => {
    killBuildsSync();
    killAllSync();
    for (const c of cleanups) c();
  });
  /** Ends the run, unless a signal is already ending it (with its own exit code). */
  const finish = async (code: number): Promise<void> => {
    await stopAll();
    if (!signalled) process.exit(code);
  };
  main().then(finish, async (e: unknown) => {
    if (!signalled) console.error(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    await finish(1);
  });
}
