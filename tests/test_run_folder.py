"""A test run leaves nothing behind outside the clone. tools/env.sh made three temporary folders per run (the dataset
cache, the Hugging Face cache with the shipped weights, the guard's log) and tools/test.sh removed two: ~60 MB a run,
and every process's own temporary files besides, until the disk was full and CI's install failed (ENOSPC). Now a run
has one folder, TMPDIR included, removed however the run ends; a folder left by a run killed outright goes at the next.
"""
import os, re, signal, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WRITE = ("import os, tempfile, pathlib; tempfile.mkstemp(); tempfile.mkdtemp(); "
         "[pathlib.Path(os.environ[k], 'x').write_bytes(b'x' * 1000) for k in ('DLCOURSE_CACHE', 'HF_HUB_CACHE')]; "
         "pathlib.Path(os.environ['DLCOURSE_NETGUARD_LOG']).write_text('x')")

def _sourced(parent: Path, then: str) -> subprocess.Popen:
    "bash sourcing tools/env.sh with TMPDIR=`parent`, a Python child writing into every place of the run, then `then`"
    script = f'. tools/env.sh && {sys.executable} -c "$WRITE" && echo "$DLCOURSE_RUN_DIR" && {then}'
    return subprocess.Popen(['bash', '-c', script], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            start_new_session=True,  # its own process group, as a terminal's job is: signals go to all
                            env=dict(os.environ, TMPDIR=str(parent), WRITE=WRITE, DLCOURSE_RUN_DIR=''))

def _running(p: subprocess.Popen) -> Path:
    "The run's folder, once the shell has started its last command (a signal sent sooner races bash's fork)"
    d, t0 = Path(p.stdout.readline().strip()), time.time()
    kids = Path(f'/proc/{p.pid}/task/{p.pid}/children')  # (a kernel without it: a pause instead)
    while kids.exists() and not kids.read_text().split() and time.time() - t0 < 10: time.sleep(0.01)
    time.sleep(0.05 if kids.exists() else 0.5)  # the child past its exec
    return d

def test_a_run_leaves_nothing_when_it_ends(tmp_path):
    p = _sourced(tmp_path, 'true')
    d = Path(p.stdout.readline().strip()); p.wait()
    assert p.returncode == 0 and d.parent == tmp_path and re.fullmatch(rf'dlcourse-run\.{p.pid}\.\w+', d.name)
    assert list(tmp_path.iterdir()) == []

def test_a_run_leaves_nothing_when_it_is_stopped(tmp_path):
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):  # kill, Ctrl-C, a closed terminal
        p = _sourced(tmp_path, 'sleep 30')
        d = _running(p)
        assert d.is_dir() and (d/'tmp').is_dir() and any((d/'tmp').iterdir())  # the child's temporary files are there
        os.killpg(p.pid, sig); p.wait(10)
        assert list(tmp_path.iterdir()) == [], sig

def test_a_killed_run_is_swept_by_the_next(tmp_path):
    p = _sourced(tmp_path, 'sleep 30')
    killed = _running(p)
    os.killpg(p.pid, signal.SIGKILL); p.wait()  # no trap runs
    assert killed.is_dir()
    alive = tmp_path/f'dlcourse-run.{os.getpid()}.live'; alive.mkdir()  # another run, still going: kept
    mine = tmp_path/'dlcourse-run.notes'; mine.mkdir()  # not a run's folder: kept
    q = _sourced(tmp_path, 'true'); q.stdout.read(); q.wait()
    assert sorted(tmp_path.iterdir()) == [alive, mine]

def test_python_callers_own_their_run_folder(tmp_path):
    "tools/runenv.py (bench/run.py, tools/slow.py, tools/suite_cpu.py): the folder lives as long as the caller"
    code = ("import sys, os, subprocess; sys.path.insert(0, 'tools'); from runenv import suite_env; env = suite_env(); "
            f"subprocess.run([sys.executable, '-c', {WRITE!r}], env=env, check=True); "
            "assert os.path.isdir(env['DLCOURSE_RUN_DIR']); print(env['DLCOURSE_RUN_DIR'], env['TMPDIR'])")
    out = subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True, text=True,
                         env=dict(os.environ, TMPDIR=str(tmp_path)))
    assert out.returncode == 0, out.stderr
    d, tmp = map(Path, out.stdout.split())
    assert d.parent == tmp_path and tmp == d/'tmp'
    assert list(tmp_path.iterdir()) == []

def test_the_suite_makes_its_run_folder_first():
    "tools/test.sh sources env.sh before it makes any temporary file, so they all go with the run's folder"
    lines = (ROOT/'tools'/'test.sh').read_text().splitlines()
    first = lambda pat: next(i for i, l in enumerate(lines) if re.search(pat, l))
    assert first(r'^\. tools/env\.sh') < first(r'mktemp')
    assert not any(re.search(r'\brm -r?f\b', l) for l in lines)  # nothing left to remove by hand

def test_leftovers_are_listed_and_fail_the_suite(tmp_path):
    "tools/test.sh, after the notebooks: anything in TMPDIR but the caches kept there on purpose is listed, and fails"
    import importlib.util
    spec = importlib.util.spec_from_file_location('runenv', ROOT/'tools'/'runenv.py')
    runenv = importlib.util.module_from_spec(spec); spec.loader.exec_module(runenv)
    (tmp_path/'torchinductor_root').mkdir(); (tmp_path/'gradio').mkdir()
    assert runenv.leftovers(tmp_path) == []
    (tmp_path/'tmpab12').mkdir(); (tmp_path/'tmpab12'/'model.pth').write_bytes(b'x' * 2_000_000)
    (tmp_path/'notes.txt').write_text('x'); (tmp_path/'gradio-old').mkdir()
    assert runenv.leftovers(tmp_path) == ['tmpab12 (2.0 MB)', 'notes.txt (0.0 MB)', 'gradio-old (0.0 MB)']
    r = subprocess.run([sys.executable, 'tools/runenv.py', '--leftovers', str(tmp_path)], cwd=ROOT, capture_output=True,
                       text=True)
    assert r.returncode == 1 and 'tmpab12 (2.0 MB)' in r.stdout
