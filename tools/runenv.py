"""tools/env.sh's environment for a Python script that runs parts of the suite (bench/run.py, tools/slow.py,
tools/suite_cpu.py): read back from bash, with the run's folder (caches, the guard's log, TMPDIR) made here, named by
this process's pid as env.sh names its own, and removed when this process exits.
"""
import atexit, os, shutil, subprocess, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def suite_env() -> dict:
    "tools/env.sh sourced by bash, read back; its run folder is this process's, removed at exit"
    run_dir = tempfile.mkdtemp(prefix=f'dlcourse-run.{os.getpid()}.')  # env.sh's sweep keeps it while we live
    atexit.register(shutil.rmtree, run_dir, ignore_errors=True)
    out = subprocess.run(['bash', '-c', '. tools/env.sh && env -0'], capture_output=True, cwd=ROOT, check=True,
                         env=dict(os.environ, DLCOURSE_RUN_DIR=run_dir)).stdout
    return dict(kv.split('=', 1) for kv in out.decode().split('\0') if '=' in kv)
