/**
 * Facts about every image the workloads run, read in the image's source at the pinned version:
 * the user it runs as, the accounts it has, where its software writes (and the environment
 * variables that move those places), its working directory and entry point. The policy test
 * (test/workloads-images.test.ts) holds every rendered container to them: a container that runs
 * as a uid other than the image's user must have HOME, USER and every cache directory of the
 * image on a writable volume, or the software fails at start (vLLM on NVIDIA did:
 * `KeyError: 'getpwuid(): uid not found: 1000'` from PyTorch's compile cache).
 *
 * `nonRootEnvironment` is how a workload satisfies that: HOME and every cache directory on a
 * writable emptyDir, USER and LOGNAME set. Python's `getpass.getuser()` reads LOGNAME, USER,
 * LNAME and USERNAME before it asks the password database
 * (https://docs.python.org/3/library/getpass.html#getpass.getuser), so the name resolves without
 * an account for the uid.
 */
import { versions } from '../../clusters/versions.js';
import type { EnvVar, Volume, VolumeMount } from '../imports/k8s.js';
import { qty } from '../lib/pod.js';

export interface ImageAccount {
  readonly uid: number;
  readonly name: string;
  readonly home: string;
}

export interface ImageFacts {
  /** The image reference (clusters/versions.ts). */
  readonly image: string;
  /** The user the image runs as when the pod does not say (Dockerfile `USER`). */
  readonly user: ImageAccount;
  /** Accounts of the image's password database besides root that a pod may run as. */
  readonly accounts: readonly ImageAccount[];
  readonly workdir: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /**
   * Environment variables naming directories the image's software writes at start or while
   * serving (caches, configuration). Unset, they default under HOME or a path of the image.
   */
  readonly cacheEnv: readonly string[];
  /** Directories written whatever the environment says. */
  readonly writes: readonly string[];
  /** Directories whose content is baked into the image and read at run time: no volume may hide them. */
  readonly baked: readonly string[];
  /** Where each fact was read (repository@tag:path, or URL). */
  readonly sources: readonly string[];
}

const ROOT: ImageAccount = { uid: 0, name: 'root', home: '/root' };

/** The images of the workloads, by the key their workload uses. */
export const IMAGES = {
  vllm: {
    image: versions.vllmImage,
    user: ROOT,
    accounts: [],
    workdir: '/vllm-workspace',
    entrypoint: ['vllm', 'serve'],
    cmd: [],
    // vLLM's caches and config derive from XDG_CACHE_HOME / XDG_CONFIG_HOME (default ~/.cache,
    // ~/.config); Triton (~/.triton), TorchInductor (/tmp/torchinductor_<user>, named by
    // getpass.getuser()) and FlashInfer (~/.cache) write their compile caches; the Hugging Face
    // cache follows HF_HOME.
    cacheEnv: [
      'XDG_CACHE_HOME',
      'XDG_CONFIG_HOME',
      'VLLM_CACHE_ROOT',
      'TRITON_CACHE_DIR',
      'TORCHINDUCTOR_CACHE_DIR',
      'HF_HOME',
    ],
    // The API server and engine talk over IPC sockets in tempfile.gettempdir() (VLLM_RPC_BASE_PATH).
    writes: ['/tmp', '/dev/shm'],
    baked: [],
    sources: [
      'vllm-project/vllm docker/Dockerfile, stage vllm-openai: no USER (root), WORKDIR /vllm-workspace, ENTRYPOINT ["vllm", "serve"] (read at the stored commit dead20ba of the v0.11 line; the repository is over the snapshot limit here, so the v0.12.0 tag itself was not readable)',
      'https://github.com/vllm-project/vllm/pull/40275 (merged April 2026, after v0.12.0): the first non-root support of the image, fixing issue #31959 "Cannot Run vLLM Docker Container as Non-Root User"',
      'vllm-project/vllm vllm/envs.py: VLLM_CACHE_ROOT and VLLM_CONFIG_ROOT default under XDG_CACHE_HOME / XDG_CONFIG_HOME, VLLM_RPC_BASE_PATH under tempfile.gettempdir()',
      'torch/_inductor/runtime/cache_dir_utils.py default_cache_dir() calls getpass.getuser() unless TORCHINDUCTOR_CACHE_DIR is set (traceback in https://github.com/HabanaAI/vllm-fork/issues/929)',
    ],
  },
  vllmNeuron: {
    image: versions.vllmNeuronImage,
    user: ROOT,
    // ubuntu:24.04 ships user ubuntu (uid 1000); the Dockerfile adds model-server (uid 1001).
    accounts: [
      { uid: 1000, name: 'ubuntu', home: '/home/ubuntu' },
      { uid: 1001, name: 'model-server', home: '/home/model-server' },
    ],
    workdir: '/workspace/vllm',
    entrypoint: ['python', '/usr/local/bin/vllm_entrypoint.py'],
    cmd: ['/bin/bash'],
    // The Neuron compiler's cache (NEURON_COMPILE_CACHE_URL, default /var/tmp/neuron-compile-cache)
    // and NxD Inference's compiled artifacts (NEURON_COMPILED_ARTIFACTS) besides the Python caches.
    cacheEnv: ['XDG_CACHE_HOME', 'HF_HOME', 'NEURON_COMPILE_CACHE_URL', 'NEURON_COMPILED_ARTIFACTS'],
    writes: ['/tmp', '/dev/shm'],
    baked: [],
    sources: [
      'aws-neuron/deep-learning-containers@2.31.1:vllm/inference/0.16.0/Dockerfile.neuronx: FROM ubuntu:24.04, no USER (root), `useradd -m model-server`, VOLUME /workspace, WORKDIR /workspace/vllm, ENTRYPOINT ["python", "/usr/local/bin/vllm_entrypoint.py"], CMD ["/bin/bash"]; common/vllm_entrypoint.py runs its arguments',
      'ubuntu:24.04 includes user ubuntu with uid 1000 (https://bugs.launchpad.net/cloud-images/+bug/2005129)',
      'vllm-project/vllm-neuron@0.2.0:vllm_neuron/worker/neuronx_distributed_model_loader.py _get_compiled_model_path: NEURON_COMPILED_ARTIFACTS is where compiled artifacts are loaded from and saved to (release-0.5.3 not readable here)',
    ],
  },
  openWebUI: {
    image: versions.openWebUIImage,
    user: ROOT,
    accounts: [],
    workdir: '/app/backend',
    entrypoint: [],
    cmd: ['bash', 'start.sh'],
    // DATA_DIR holds the SQLite database, uploads and the vector store; STATIC_DIR is written at
    // start. The embedding, speech and tokenizer models are baked in at build time under
    // /app/backend/data/cache (SENTENCE_TRANSFORMERS_HOME, WHISPER_MODEL_DIR, TIKTOKEN_CACHE_DIR,
    // HF_HOME point there) and are only read.
    cacheEnv: ['DATA_DIR', 'STATIC_DIR'],
    writes: ['/tmp'],
    baked: [
      '/app/backend/data/cache/embedding/models',
      '/app/backend/data/cache/whisper/models',
      '/app/backend/data/cache/tiktoken',
    ],
    sources: [
      'open-webui/open-webui Dockerfile (stored commit 08d67bf; the repository is over the snapshot limit here, so the v0.11.3 tag itself was not readable): ARG UID=0 (root), ENV HOME=/root, WORKDIR /app/backend, CMD ["bash", "start.sh"]; RAG, whisper and tiktoken models downloaded at build time into /app/backend/data/cache/{embedding,whisper,tiktoken}',
      'open-webui/open-webui backend/open_webui/env.py (stored commit 3773001): DATA_DIR (default backend/data), STATIC_DIR, DATABASE_URL sqlite under DATA_DIR',
      'open-webui/open-webui backend/start.sh (stored commit 8b02007): writes .webui_secret_key in /app/backend only when WEBUI_SECRET_KEY is unset',
    ],
  },
  notebook: {
    image: `${versions.notebookImage.name}:${versions.notebookImage.tag}`,
    user: { uid: 1000, name: 'jovyan', home: '/home/jovyan' },
    accounts: [{ uid: 1000, name: 'jovyan', home: '/home/jovyan' }],
    workdir: '/home/jovyan',
    entrypoint: ['tini', '-g', '--'],
    cmd: ['start.sh'],
    cacheEnv: ['HF_HOME'],
    // pip installs into the conda environment, owned by jovyan.
    writes: ['/tmp', '/opt/conda'],
    baked: [],
    sources: [
      'jupyter/docker-stacks images/docker-stacks-foundation/Dockerfile (stored commit 93d8348): NB_USER jovyan, NB_UID 1000, NB_GID 100, HOME /home/jovyan, CONDA_DIR /opt/conda owned by jovyan, USER NB_UID, WORKDIR HOME, ENTRYPOINT ["tini", "-g", "--"], CMD ["start.sh"]; `/` stays root-owned',
    ],
  },
  ray: {
    image: versions.rayImage,
    user: { uid: 1000, name: 'ray', home: '/home/ray' },
    accounts: [{ uid: 1000, name: 'ray', home: '/home/ray' }],
    workdir: '/home/ray',
    entrypoint: [],
    cmd: [],
    cacheEnv: ['HF_HOME'],
    // Ray's session directory (logs, sockets).
    writes: ['/tmp/ray', '/dev/shm'],
    baked: [],
    sources: [
      'ray-project/ray docker/base-deps/Dockerfile (stored commit 2135df0): RAY_UID 1000, RAY_GID 100, useradd ray with HOME /home/ray, Python under /home/ray/anaconda3, USER $RAY_UID, WORKDIR $HOME',
    ],
  },
  busybox: {
    image: versions.busyboxImage,
    user: ROOT,
    accounts: [],
    workdir: '/',
    entrypoint: [],
    cmd: ['sh'],
    cacheEnv: [],
    writes: [],
    baked: [],
    sources: [
      'docker-library/busybox@master:Dockerfile.template (latest-1 = the 1.37 line; docker-library/official-images library/busybox lists 1.37.0): FROM scratch, ADD busybox.tar.gz /, CMD ["sh"], no USER (root)',
    ],
  },
} as const satisfies Record<string, ImageFacts>;

export type ImageName = keyof typeof IMAGES;

/** Mount points of the writable scratch volumes `nonRootEnvironment` uses. */
export const SCRATCH = { home: '/home/app', tmp: '/tmp' } as const;

/**
 * HOME, USER, LOGNAME and every cache directory of `image` for a container running as a uid the
 * image has no account for: HOME and the caches on an emptyDir (`home`), /tmp on another, both
 * bounded. `overrides` places chosen caches elsewhere (a shared volume); the others go under HOME.
 */
export function nonRootEnvironment(
  name: ImageName,
  overrides: Readonly<Record<string, string>> = {},
): { env: EnvVar[]; volumeMounts: VolumeMount[]; volumes: Volume[] } {
  const facts: ImageFacts = IMAGES[name];
  const home = SCRATCH.home;
  const defaults: Record<string, string> = {
    XDG_CACHE_HOME: `${home}/.cache`,
    XDG_CONFIG_HOME: `${home}/.config`,
    VLLM_CACHE_ROOT: `${home}/.cache/vllm`,
    TRITON_CACHE_DIR: `${home}/.triton`,
    TORCHINDUCTOR_CACHE_DIR: `${home}/.cache/torchinductor`,
    HF_HOME: `${home}/.cache/huggingface`,
    NEURON_COMPILE_CACHE_URL: `${home}/.cache/neuron-compile-cache`,
  };
  const env: EnvVar[] = [
    { name: 'HOME', value: home },
    { name: 'USER', value: 'app' },
    { name: 'LOGNAME', value: 'app' },
  ];
  for (const key of facts.cacheEnv) {
    const value = overrides[key] ?? defaults[key];
    if (value === undefined) throw new Error(`${name}: no place for ${key}; pass it in overrides`);
    env.push({ name: key, value });
  }
  return {
    env,
    volumeMounts: [
      { name: 'home', mountPath: home },
      { name: 'tmp', mountPath: SCRATCH.tmp },
    ],
    volumes: [
      { name: 'home', emptyDir: { sizeLimit: qty('10Gi') } },
      { name: 'tmp', emptyDir: { sizeLimit: qty('10Gi') } },
    ],
  };
}
