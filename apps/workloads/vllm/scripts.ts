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
