"""Where the unit tests find the programs the rendered objects carry.

scripts/embedded-scripts.ts writes them to <dir>/<env>/{modules,steps,notebooks,shell}; .ci/run
sets EMBEDDED_DIR to one environment's folder and runs these tests once per environment.
"""
import os
import sys
import unittest

DIR = os.environ.get("EMBEDDED_DIR", "")
if not DIR or not os.path.isdir(os.path.join(DIR, "modules")):
    raise SystemExit("set EMBEDDED_DIR to an environment folder written by scripts/embedded-scripts.ts")
sys.path.insert(0, os.path.join(DIR, "modules"))


def shell(name):
    """Path of an extracted shell script (shell/<namespace>.<container>.sh)."""
    path = os.path.join(DIR, "shell", name)
    if not os.path.isfile(path):
        raise unittest.SkipTest(f"{path}: not rendered in this environment")
    return path


def module(name):
    """An extracted Python module (modules/<name>.py), imported."""
    import importlib

    if not os.path.isfile(os.path.join(DIR, "modules", f"{name}.py")):
        raise unittest.SkipTest(f"{name}: not rendered in this environment")
    return importlib.import_module(name)
