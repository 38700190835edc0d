"""tools/env.sh's environment for a Python script that runs parts of the suite (bench/run.py, tools/slow.py,
tools/suite_cpu.py): read back from bash, with the run's folder (caches, the guard's log, TMPDIR) made here, named by
this process's pid as env.sh names its own, and removed when this process exits; `private_tmp`, the same for a
script's own temporary files (tools/fuzz.py, tools/fuzz_edges.py). And `leftovers`: what the lessons left in the
temporary folder (tools/test.sh fails on any, after the notebooks).
"""
import atexit, os, re, shutil, subprocess, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def removed_at_exit(folder:str) -> str:
    "`folder`, removed when this process exits (not when a fork of it does)"
    owner = os.getpid()
    atexit.register(lambda: os.getpid() == owner and shutil.rmtree(folder, ignore_errors=True))
    return folder

def private_tmp(prefix:str) -> str:
    "A new folder for every temporary file of this process (tempfile) and of those it starts (TMPDIR); removed at exit"
    d = removed_at_exit(tempfile.mkdtemp(prefix=prefix))
    tempfile.tempdir = os.environ['TMPDIR'] = d
    return d

def suite_env() -> dict:
    "tools/env.sh sourced by bash, read back; its run folder is this process's, removed at exit"
    run_dir = removed_at_exit(tempfile.mkdtemp(prefix=f'dlcourse-run.{os.getpid()}.'))  # env.sh's sweep keeps it
    out = subprocess.run(['bash', '-c', '. tools/env.sh && env -0'], capture_output=True, cwd=ROOT, check=True,
                         env=dict(os.environ, DLCOURSE_RUN_DIR=run_dir)).stdout
    return dict(kv.split('=', 1) for kv in out.decode().split('\0') if '=' in kv)

# What a run of the lessons may leave in TMPDIR: the caches kept there on purpose, torch.compile's
# (torchinductor_<user>) and Gradio's copies of the app's examples (uploads are deleted: make_app's keep_uploads)
KEPT = re.compile(r'torchinductor_.+|gradio')

def leftovers(tmpdir) -> list[str]:
    "What the lessons left in `tmpdir` besides the caches in `KEPT`: each entry with its size, largest first"
    def size(p: Path) -> int:
        if p.is_symlink() or not p.is_dir(): return p.lstat().st_size
        return sum(f.lstat().st_size for f in p.rglob('*') if not f.is_dir() or f.is_symlink())
    left = [p for p in Path(tmpdir).iterdir() if not KEPT.fullmatch(p.name)]
    return [f'{p.name} ({size(p) / 1e6:.1f} MB)' for p in sorted(left, key=size, reverse=True)]

if __name__ == '__main__':  # python tools/runenv.py --leftovers DIR: list them; exit 1 if there are any
    import sys
    if sys.argv[1:2] != ['--leftovers'] or len(sys.argv) != 3: sys.exit('usage: runenv.py --leftovers DIR')
    left = leftovers(sys.argv[2])
    if left: print('the notebooks left these in the temporary folder (a lesson removes what it makes there:\n'
                   'tempfile.TemporaryDirectory, cleaned up at the end):\n  ' + '\n  '.join(left))
    sys.exit(1 if left else 0)
