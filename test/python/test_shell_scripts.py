"""The shell scripts of the workloads' Jobs and init containers, run with stand-ins for the
programs they drive (vllm, curl, python, sleep) on PATH: their logic needs no GPU or network."""
import os
import stat
import subprocess
import tempfile
import unittest

import embedded


def stub(directory, name, body):
    """An executable `name` in `directory` running the sh `body`."""
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write("#!/bin/sh\n" + body + "\n")
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


class Case(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.bin = os.path.join(self.tmp, "bin")
        os.makedirs(self.bin)
        # sleep returns at once, so that polling loops run fast.
        stub(self.bin, "sleep", "exit 0")

    def run_script(self, name, args=(), env=None, timeout=20):
        environment = {"PATH": self.bin + os.pathsep + os.environ["PATH"], **(env or {})}
        return subprocess.run(["sh", embedded.shell(name), *args], env=environment,
                              capture_output=True, text=True, timeout=timeout)


class ModelDataDirectories(Case):
    def test_creates_each_directory_group_writable_with_setgid(self):
        dirs = [os.path.join(self.tmp, "cache"), os.path.join(self.tmp, "cache", "huggingface")]
        owner = f"{os.getuid()}:{os.getgid()}"
        r = self.run_script("model-data.directories.sh", dirs, {"OWNER": owner})
        self.assertEqual(r.returncode, 0, r.stderr)
        for d in dirs:
            self.assertEqual(stat.S_IMODE(os.stat(d).st_mode), 0o2775, d)


class ServePackages(Case):
    def setUp(self):
        super().setUp()
        self.target = os.path.join(self.tmp, "python", "dogbooth-serve")
        # A pip that records what it installs into --target.
        stub(self.bin, "python", 'while [ "$1" != "--target" ]; do shift; done; shift; dir="$1"; shift; '
                                 'mkdir -p "$dir"; for p in "$@"; do touch "$dir/$p"; done')

    def test_installs_into_the_target_once_and_marks_it_complete(self):
        os.makedirs(self.target + ".partial")  # left by a Job that died
        r = self.run_script("dogbooth.install.sh", ["torch==2.6.0"], {"TARGET": self.target})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.isfile(os.path.join(self.target, "torch==2.6.0")))
        self.assertTrue(os.path.isfile(os.path.join(self.target, ".complete")))
        self.assertFalse(os.path.exists(self.target + ".partial"))
        stub(self.bin, "python", "exit 1")  # a second run must not install again
        r = self.run_script("dogbooth.install.sh", ["torch==2.6.0"], {"TARGET": self.target})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("already", r.stdout)

    def test_workers_wait_until_the_target_is_complete(self):
        # The stand-in sleep completes the target, as the Job would while the worker waits.
        stub(self.bin, "sleep", f'mkdir -p "{self.target}" && touch "{self.target}/.complete"')
        r = self.run_script("dogbooth.wait-for-packages.sh", env={"TARGET": self.target})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("waiting", r.stdout)


class NeuronCompile(Case):
    def setUp(self):
        super().setUp()
        self.artifacts = os.path.join(self.tmp, "neuron-compiled", "model", "tp2")
        self.env = {"NEURON_COMPILED_ARTIFACTS": self.artifacts, "SERVER_PORT": "8000"}

    def test_compiles_by_serving_once_then_marks_the_artifacts_complete(self):
        # vllm writes the artifacts and serves; curl answers once they exist.
        stub(self.bin, "vllm", f'echo "$@" > "{self.tmp}/args"; touch "$NEURON_COMPILED_ARTIFACTS/model.neff"; '
                               'trap "exit 0" TERM; while :; do /bin/sleep 1; done')
        stub(self.bin, "curl", '[ -f "$NEURON_COMPILED_ARTIFACTS/model.neff" ]')
        r = self.run_script("inference.compile.sh", ["/models/m", "--max-num-seqs", "4"], self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.isfile(os.path.join(self.artifacts, ".complete")))
        with open(os.path.join(self.tmp, "args"), encoding="utf-8") as f:
            self.assertEqual(f.read().split(), ["serve", "/models/m", "--max-num-seqs", "4"])
        stub(self.bin, "vllm", "exit 1")  # complete artifacts: nothing runs again
        r = self.run_script("inference.compile.sh", ["/models/m"], self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("already", r.stdout)

    def test_a_server_that_dies_fails_the_job_and_marks_nothing(self):
        stub(self.bin, "vllm", "exit 1")
        stub(self.bin, "curl", "exit 7")
        r = self.run_script("inference.compile.sh", ["/models/m"], self.env)
        self.assertNotEqual(r.returncode, 0)
        self.assertFalse(os.path.exists(os.path.join(self.artifacts, ".complete")))

    def test_replicas_wait_for_the_marker(self):
        stub(self.bin, "sleep", f'mkdir -p "{self.artifacts}" && touch "{self.artifacts}/.complete"')
        r = self.run_script("inference.wait-for-compiled-artifacts.sh", env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)


class WaitForStagedModel(Case):
    """Replicas and Neuron compile Jobs start once the staging Job's manifest and every file it
    lists (with its size) are on FSx."""

    HEAD = "owner/model 0123456789abcdef0123456789abcdef01234567"

    def setUp(self):
        super().setUp()
        self.dir = os.path.join(self.tmp, "models", "owner", "model", "rev")
        os.makedirs(self.dir)
        self.env = {"STAGED_MODEL_DIR": self.dir, "STAGED_MARKER": ".staged", "EXPECTED": self.HEAD}
        # A sleep that counts the waits and gives up after a few, so that a wait that never ends fails.
        self.count = os.path.join(self.tmp, "waits")
        stub(self.bin, "sleep", f'echo x >> "{self.count}"; [ "$(wc -l < "{self.count}")" -lt 3 ] || exit 99')

    def write(self, name, size):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(b"x" * size)

    def manifest(self, head, files):
        with open(os.path.join(self.dir, ".staged"), "w", encoding="utf-8") as f:
            f.write("\n".join([head] + [f"{size} {name}" for name, size in files]) + "\n")

    def run_wait(self):
        return self.run_script("inference.wait-for-staged-model.sh", env=self.env)

    def test_starts_at_once_when_every_listed_file_has_its_size(self):
        self.write("config.json", 3)
        self.write("model 1.safetensors", 5)
        self.manifest(self.HEAD, [("config.json", 3), ("model 1.safetensors", 5)])
        r = self.run_wait()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(self.count))

    def test_waits_for_a_file_not_imported_yet_or_of_another_size(self):
        self.write("config.json", 3)
        self.manifest(self.HEAD, [("config.json", 3), ("model.safetensors", 5)])
        self.assertNotEqual(self.run_wait().returncode, 0)
        os.remove(self.count)
        self.write("model.safetensors", 4)
        self.assertNotEqual(self.run_wait().returncode, 0)

    def test_waits_while_the_manifest_is_missing_or_names_another_revision(self):
        self.write("config.json", 3)
        self.assertNotEqual(self.run_wait().returncode, 0)
        os.remove(self.count)
        self.manifest("owner/model ffffffffffffffffffffffffffffffffffffffff", [("config.json", 3)])
        self.assertNotEqual(self.run_wait().returncode, 0)


if __name__ == "__main__":
    unittest.main()
