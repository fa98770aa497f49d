/**
 * The shell scripts of the vLLM workload (POSIX sh; checked by shellcheck in .ci/run through
 * scripts/embedded-scripts.ts). They read their settings from the environment, never from
 * substitution, and contain no `${`, so Flux leaves them alone.
 */

/**
 * The Neuron compile Job: start the server with the serving arguments (`"$@"`), which compiles
 * the model into NEURON_COMPILED_ARTIFACTS (vllm-neuron saves there when it finds nothing to
 * load), wait until it answers /health, stop it and mark the artifacts complete. Exits at once
 * when they already are.
 */
export const COMPILE_NEURON = `set -eu
marker="$NEURON_COMPILED_ARTIFACTS/.complete"
if [ -f "$marker" ]; then
  echo "compiled artifacts are already in $NEURON_COMPILED_ARTIFACTS"
  exit 0
fi
mkdir -p "$NEURON_COMPILED_ARTIFACTS"
vllm serve "$@" &
server=$!
until curl -sf "http://127.0.0.1:$SERVER_PORT/health" >/dev/null; do
  if ! kill -0 "$server" 2>/dev/null; then
    echo "vllm exited before it answered /health: nothing was compiled" >&2
    exit 1
  fi
  sleep 10
done
kill "$server"
wait "$server" || true
touch "$marker"
echo "compiled into $NEURON_COMPILED_ARTIFACTS"
`;

/** Init container of a Neuron server: wait until the compile Job has marked its artifacts complete. */
export const WAIT_FOR_NEURON_ARTIFACTS = `set -eu
marker="$NEURON_COMPILED_ARTIFACTS/.complete"
until [ -f "$marker" ]; do
  echo "waiting for the compile Job to finish $NEURON_COMPILED_ARTIFACTS"
  sleep 15
done
`;

/**
 * Init container of a vLLM server and of a Neuron compile Job: wait until the staging Job's
 * manifest (STAGED_MARKER in STAGED_MODEL_DIR) exists and names this revision, and every file it lists
 * is on FSx with its size (the data repository association imports objects one by one; `stat`
 * reads the size from the metadata without loading the data). A deployment that streams from S3
 * waits the same way: the manifest on FSx is the staging's end.
 */
export const WAIT_FOR_STAGED_MODEL = `set -eu
dir="$STAGED_MODEL_DIR"
manifest="$dir/$STAGED_MARKER"
staged() {
  [ -f "$manifest" ] || return 1
  first=1
  while read -r size path; do
    if [ "$first" = 1 ]; then
      first=0
      [ "$size $path" = "$EXPECTED" ] || return 1
      continue
    fi
    [ -f "$dir/$path" ] || return 1
    [ "$(stat -c %s "$dir/$path")" = "$size" ] || return 1
  done < "$manifest"
  [ "$first" = 0 ]
}
until staged; do
  echo "waiting for the staging Job: $EXPECTED into $dir"
  sleep 15
done
echo "staged: $EXPECTED"
`;
