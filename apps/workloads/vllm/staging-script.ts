/**
 * The model staging program (Python 3, standard library plus huggingface_hub and boto3, both in
 * the vLLM image: apps/workloads/vllm/staging.ts says where each was read). Shipped in a
 * ConfigMap as the module `stage_model`, checked by py_compile and pyflakes and unit-tested
 * (test/python/test_stage_model.py) in .ci/run. It contains no `${`, so Flux leaves it alone.
 *
 * What it does, once per model revision:
 * 1. asks the Hub for the repository at REVISION and refuses anything but that exact commit;
 * 2. picks the files a server needs (plan()): no `original/` checkpoints, and where safetensors
 *    exist only the safetensors an index names (or all of them without an index), never the
 *    same weights in another format;
 * 3. copies them one at a time (download to a scratch directory, upload, delete), skipping what
 *    an earlier run already uploaded with the same size;
 * 4. writes the manifest MARKER last: `<repo> <revision>`, then `<bytes> <path>` per file.
 * A run that finds the manifest already describing this revision exits at once.
 */
export const STAGE_MODEL_MODULE = 'stage_model';

export const STAGE_MODEL_SOURCE = `"""Copy one Hugging Face model revision into the model bucket (see the ConfigMap's owner)."""
import fnmatch
import json
import os
import sys

WEIGHT_SUFFIXES = (".bin", ".pt", ".pth", ".h5", ".msgpack", ".ot", ".gguf", ".safetensors")
SKIPPED_PREFIXES = ("original/",)


def plan(files, index=None):
    """The files to stage, sorted: \`files\` maps repository paths to sizes; \`index\` is the parsed
    *.safetensors.index.json if the repository has one."""
    names = [f for f in files if not f.startswith(SKIPPED_PREFIXES)]
    safetensors = [f for f in names if f.endswith(".safetensors")]
    if index is not None:
        shards = set(index.get("weight_map", {}).values())
        missing = sorted(shards - set(safetensors))
        if missing:
            raise ValueError(f"the safetensors index names files the repository lacks: {missing}")
        safetensors = [f for f in safetensors if f in shards]
    wanted = {}
    for name in names:
        # Weights: the safetensors chosen above where there are any, else every checkpoint file.
        if name.endswith(WEIGHT_SUFFIXES) and safetensors and name not in safetensors:
            continue
        if files[name] is None:
            raise ValueError(f"the Hub lists no size for {name}")
        wanted[name] = files[name]
    if not any(n.endswith(WEIGHT_SUFFIXES) for n in wanted):
        raise ValueError("no weights to stage: the repository has no safetensors or other checkpoint")
    if "config.json" not in wanted:
        raise ValueError("no config.json: not a model repository vLLM can serve")
    return sorted(wanted.items())


def manifest(repo, revision, files):
    """The marker's content: what a replica checks before it starts."""
    lines = [f"{repo} {revision}"] + [f"{size} {name}" for name, size in files]
    return "\\n".join(lines) + "\\n"


def is_staged(text, repo, revision):
    """Whether an existing marker describes this revision."""
    first = text.splitlines()[0] if text else ""
    return first == f"{repo} {revision}"


def find_index(names):
    """The safetensors index of the repository, if any (model.safetensors.index.json)."""
    candidates = [n for n in names if fnmatch.fnmatch(n, "*.safetensors.index.json") and "/" not in n]
    return sorted(candidates)[0] if candidates else None


def main():
    from botocore.exceptions import ClientError
    import boto3
    from huggingface_hub import HfApi, hf_hub_download

    repo = os.environ["REPO"]
    revision = os.environ["REVISION"]
    bucket = os.environ["BUCKET"]
    prefix = os.environ["PREFIX"].rstrip("/")
    marker = os.environ["MARKER"]
    scratch = os.environ["SCRATCH"]
    s3 = boto3.client("s3", region_name=os.environ["AWS_REGION"])

    def object_size(key):
        try:
            return s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    marker_key = f"{prefix}/{marker}"
    if object_size(marker_key) is not None:
        text = s3.get_object(Bucket=bucket, Key=marker_key)["Body"].read().decode("utf-8")
        if is_staged(text, repo, revision):
            print(f"{repo}@{revision} is already staged in s3://{bucket}/{prefix}/")
            return 0

    info = HfApi().model_info(repo, revision=revision, files_metadata=True)
    if info.sha != revision:
        print(f"the Hub resolves {repo}@{revision} to {info.sha}: pin a full commit id", file=sys.stderr)
        return 1
    files = {s.rfilename: s.size for s in info.siblings}
    index_name = find_index(files)
    index = None
    if index_name:
        path = hf_hub_download(repo, index_name, revision=revision, local_dir=scratch)
        with open(path, encoding="utf-8") as f:
            index = json.load(f)
    staged = plan(files, index)
    total = sum(size for _, size in staged)
    print(f"staging {len(staged)} files, {total / 1e9:.1f} GB, of {repo}@{revision} into s3://{bucket}/{prefix}/")
    for name, size in staged:
        key = f"{prefix}/{name}"
        if object_size(key) == size:
            print(f"already uploaded: {name}")
            continue
        local = hf_hub_download(repo, name, revision=revision, local_dir=scratch)
        if os.path.getsize(local) != size:
            print(f"{name}: downloaded {os.path.getsize(local)} bytes, the Hub lists {size}", file=sys.stderr)
            return 1
        s3.upload_file(local, bucket, key)
        os.remove(local)
        print(f"uploaded {name} ({size} bytes)")
    s3.put_object(Bucket=bucket, Key=marker_key, Body=manifest(repo, revision, staged).encode("utf-8"))
    print(f"staged {repo}@{revision}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
`;
