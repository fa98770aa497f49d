/**
 * Shell scripts of the dogbooth RayService (POSIX sh; shellcheck in .ci/run through
 * scripts/embedded-scripts.ts). Settings come from the environment and arguments; no `${`, so
 * Flux substitution leaves them alone.
 */

/**
 * The packages Job: install the Serve application's pinned packages once into TARGET on the
 * shared FSx cache, then mark it complete. An existing complete TARGET is kept; a half-written
 * one (a Job that died) is replaced.
 */
export const INSTALL_PACKAGES = `set -eu
marker="$TARGET/.complete"
if [ -f "$marker" ]; then
  echo "packages are already in $TARGET"
  exit 0
fi
rm -rf "$TARGET.partial"
python -m pip install --no-cache-dir --target "$TARGET.partial" "$@"
rm -rf "$TARGET"
mv "$TARGET.partial" "$TARGET"
touch "$marker"
echo "installed into $TARGET"
`;

/** Init container of a Ray worker: wait until the packages Job has finished TARGET. */
export const WAIT_FOR_PACKAGES = `set -eu
until [ -f "$TARGET/.complete" ]; do
  echo "waiting for the packages Job to finish $TARGET"
  sleep 15
done
`;
