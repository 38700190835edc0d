"""The course runner's edges (issue 19 class 3, issue 21): no stale success page, Ctrl-C, lessons at once, their order
and the thread policy of each lesson's process."""
import json, os, shutil, signal, subprocess, sys, time
import contextlib
from pathlib import Path
import nbformat, pytest
from nbformat.v4 import new_notebook, new_code_cell
from dlcourse.cli import run_lessons
from conftest import ROOT, fresh_env
from forkwriter import run_together

KERNEL = dict(kernelspec=dict(name='python3', display_name='python3', language='python'))
quiet = lambda s: None

def mk(folder, name, *cells) -> Path:
    "A notebook `name` in `folder` with code `cells`"
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells], metadata=KERNEL), folder/f'{name}.ipynb')
    return folder/f'{name}.ipynb'

ASSETS = {'mathjax', 'site.css', 'site.js'}  # the site template's files, written beside the first page

def pages(out) -> list: return sorted(p.name for p in Path(out).iterdir() if p.name not in ASSETS)

def run_twice(tmp_path, second:str) -> tuple[dict, Path]:
    "Run a lesson that succeeds, then the same lesson changed to `second`: the second row and the output folder"
    nb, out = mk(tmp_path/'nbs', 'lesson', 'print("first-run-output")'), tmp_path/'out'
    assert run_lessons([nb], out, log=quiet)[0]['status'] == 'ok'
    assert 'first-run-output' in (out/'lesson.html').read_text()
    mk(tmp_path/'nbs', 'lesson', 'print("second run")', second, 'print("never")')
    return run_lessons([nb], out, log=quiet)[0], out

def test_class3_failed_lesson_page_is_marked_failed(tmp_path):
    row, out = run_twice(tmp_path, 'raise ValueError("broken now")')
    assert row['status'] == 'FAILED'
    page = (out/'lesson.html').read_text()
    assert 'did not complete' in page and 'broken now' in page and 'first-run-output' not in page
    assert 'did not complete' in (out/'lesson.ipynb').read_text()

def test_class3_lesson_that_exits_early_leaves_no_page(tmp_path):
    row, out = run_twice(tmp_path, 'import os; os._exit(0)')  # exit code 0, yet the notebook did not complete
    assert row['status'] != 'ok' and row['html'] == ''
    assert pages(out) == []

def test_class3_killed_lesson_leaves_no_page(tmp_path):
    row, out = run_twice(tmp_path, 'import os, signal; os.kill(os.getpid(), signal.SIGKILL)')
    assert row['status'] == 'killed (SIGKILL)' and pages(out) == []

@pytest.mark.costly(cpu_s=3)
def test_class3_ctrl_c_prints_the_table_and_exits_130(tmp_path):
    "Ctrl-C while a lesson runs: the table so far, exit code 130, and that lesson's old success page gone"
    nbs, out, started = tmp_path/'nbs', tmp_path/'out', tmp_path/'started'
    shutil.copy(ROOT/'pyproject.toml', tmp_path/'pyproject.toml')
    mk(nbs, 'a_quick', 'print(1)')
    mk(nbs, 'b_slow', f'import time, pathlib; pathlib.Path({str(started)!r}).touch(); time.sleep(120)')
    out.mkdir(); (out/'b_slow.html').write_text('an old success page'); (out/'b_slow.ipynb').write_text('{}')
    p = subprocess.Popen([str(Path(sys.executable).parent/'dlcourse'), 'run', '-j', '1', '--out', str(out)],
                         cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         env=fresh_env(DLCOURSE_CACHE=tmp_path/'cache', DLCOURSE_DATA=''))
    t0 = time.time()
    while not started.exists() and p.poll() is None and time.time() - t0 < 120: time.sleep(0.2)
    assert started.exists(), p.communicate()[0]
    p.send_signal(signal.SIGINT)
    text = p.communicate(timeout=60)[0]
    assert p.returncode == 130, text
    assert 'Traceback' not in text, text
    lines = text.splitlines()
    assert any(l.startswith('a_quick') and l.split()[2] == 'ok' for l in lines), text
    assert any(l.startswith('b_slow') and 'interrupted' in l for l in lines), text
    assert pages(out) == ['a_quick.html', 'a_quick.ipynb']

def test_runner_runs_lessons_at_once(tmp_path):
    "jobs=2: two lessons that each wait for the other's file can only both pass if they run at the same time"
    wait = ('import pathlib, time\npathlib.Path({me!r}).touch(); t0 = time.time()\n'
            'while not pathlib.Path({other!r}).exists() and time.time() - t0 < 60: time.sleep(0.1)\n'
            'assert pathlib.Path({other!r}).exists(), "ran alone"')
    a, b = str(tmp_path/'a'), str(tmp_path/'b')
    nbs = [mk(tmp_path/'nbs', 'n1', wait.format(me=a, other=b)), mk(tmp_path/'nbs', 'n2', wait.format(me=b, other=a))]
    assert [r['status'] for r in run_lessons(nbs, tmp_path/'out', log=quiet, jobs=2)] == ['ok', 'ok']

def test_runner_waits_for_the_lesson_that_builds_a_shared_model(tmp_path):
    "A lesson calling `pretrained_paddy(` starts once the first lesson calling it has finished, even with free slots"
    built, n3 = str(tmp_path/'built'), str(tmp_path/'n3')
    # n1 builds once n3, started with it, has run, and 1 s later: n2, had it been started in a free slot too, would
    # have found nothing built by then
    nbs = [mk(tmp_path/'nbs', 'n1', 'import time, pathlib\ndef pretrained_paddy():\n'
                                    f'    t0 = time.time()\n    while not pathlib.Path({n3!r}).exists() and '
                                    'time.time() - t0 < 30: time.sleep(0.05)\n'
                                    f'    time.sleep(1); pathlib.Path({built!r}).touch()\n'
                                    'pretrained_paddy()'),
           mk(tmp_path/'nbs', 'n2', f'import pathlib\ndef pretrained_paddy(): assert pathlib.Path({built!r}).exists()\n'
                                    'pretrained_paddy()'),
           mk(tmp_path/'nbs', 'n3', f'import pathlib; pathlib.Path({n3!r}).touch()')]
    assert [r['status'] for r in run_lessons(nbs, tmp_path/'out', log=quiet, jobs=3)] == ['ok', 'ok', 'ok']

WAIT_VARS = ('OMP_WAIT_POLICY', 'GOMP_SPINCOUNT', 'OMP_NUM_THREADS', 'DLCOURSE_OMP')

@contextlib.contextmanager
def busy_cores():
    "One program that never waits per core this process may use, for the block's duration"
    spin = [subprocess.Popen([sys.executable, '-c', 'while True: pass']) for _ in range(len(os.sched_getaffinity(0)))]
    try: time.sleep(0.2); yield  # they spin within ~0.05 s; their CPU is the suite's: keep the blocks short
    finally: [p.kill() for p in spin]; [p.wait() for p in spin]

def _printed(nb_out) -> list[str]:
    return ''.join(json.loads(nb_out.read_text())['cells'][0]['outputs'][0]['text']).split()

def test_lesson_process_threads_sleep_on_a_busy_machine(tmp_path, monkeypatch):
    """A lesson started on a busy machine: its share of the cores as threads, which sleep while they wait
    (OMP_WAIT_POLICY=PASSIVE, no spin count); a lesson with one thread gets no wait setting; the user's settings win"""
    for k in WAIT_VARS: monkeypatch.delenv(k, raising=False)
    nb = mk(tmp_path/'nbs', 'env', 'import os; print(*[os.environ.get(k) for k in '
                                   '("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_NUM_THREADS")])')
    cores = len(os.sched_getaffinity(0))
    with busy_cores(): run_lessons([nb], tmp_path/'out', log=quiet, jobs=1)
    assert _printed(tmp_path/'out'/'env.ipynb') == (['PASSIVE', 'None', str(cores)] if cores > 1 else
                                                    ['None', 'None', '1'])
    run_lessons([nb], tmp_path/'out', log=quiet, jobs=cores)  # one thread each: nothing waits, nothing set
    assert _printed(tmp_path/'out'/'env.ipynb') == ['None', 'None', '1']
    monkeypatch.setenv('OMP_WAIT_POLICY', 'ACTIVE')  # (load or not: a setting the user made is never replaced)
    run_lessons([nb], tmp_path/'out', log=quiet, jobs=1)
    assert _printed(tmp_path/'out'/'env.ipynb')[:2] == ['ACTIVE', 'None']

@pytest.mark.parametrize('code, busy, expect', [
    ('import dlcourse', True, ['PASSIVE', 'None']),  # chosen before torch loads: the machine is busy
    ('import torch, dlcourse', False, ['None', 'None']),  # too late to matter: left alone, whatever the load
    ('import os; os.environ["GOMP_SPINCOUNT"] = "5"; import dlcourse', False, ['None', '5']),  # the user's wins
    ('import os; os.environ.update(DLCOURSE_OMP="1", GOMP_SPINCOUNT="10000"); import dlcourse', True,
     ['PASSIVE', 'None'])])  # dlcourse's own earlier choice (a parent's): chosen again
def test_import_dlcourse_chooses_the_wait_only_before_torch(code, busy, expect):
    env = fresh_env(OMP_NUM_THREADS=str(max(2, len(os.sched_getaffinity(0)))))
    for k in WAIT_VARS[:2] + WAIT_VARS[3:]: env.pop(k, None)
    with busy_cores() if busy else contextlib.nullcontext():
        r = subprocess.run([sys.executable, '-c', f'{code}; import os; '
                            'print(os.environ.get("OMP_WAIT_POLICY"), os.environ.get("GOMP_SPINCOUNT"))'],
                           capture_output=True, text=True, env=env)
    assert r.stdout.split()[-2:] == expect, r.stderr

# The two models the lessons train once and share through the cache, each asked for by two processes at once with an
# empty cache: four processes forked at the same moment from one set-up (`forkwriter.run_together`: its imports, and
# the generated leaves, paid once); 0 and 1 ask for the app's model, 2 and 3 for the lessons' pretrained one
AT_ONCE_SETUP = """import timm
from dlcourse.app import lesson_model, load_model
from dlcourse.vision import pretrained_paddy
from dlcourse.synth import synth_paddy
synth_paddy()"""
AT_ONCE = """import os
if int(os.environ['TOGETHER_INDEX']) < 2:
    m = lesson_model(epochs=1, seed=7)
    print("DEST", m, load_model(m).classes[:1])
else:
    m, info = pretrained_paddy(n_per_class=1, size=32, epochs=1, progress=False)
    print("CACHED", info["cached"], info["file"])"""

@pytest.mark.costly(cpu_s=9)
def test_shared_models_are_trained_once_by_two_processes_at_once(tmp_path):
    """Issue 21. The app's model: one of the two trains it (and says so), the other waits, and both get the same
    folder (the data is drawn once before them: test_synth has two processes drawing it at once). The lessons'
    shared pretrained model: one trains it, the other loads the first one's file"""
    env = fresh_env(DLCOURSE_CACHE=tmp_path/'cache', DLCOURSE_DATA='')
    res = run_together(AT_ONCE_SETUP, AT_ONCE, 4, tmp_path, env)
    outs = [out for _, out in res]
    assert [rc for rc, _ in res] == [0, 0, 0, 0], outs
    app, shared = outs[:2], outs[2:]
    assert sum("Training the lesson's model" in o for o in app) == 1, app
    assert len({l for o in app for l in o.splitlines() if l.startswith('DEST')}) == 1, app
    lines = sorted(l.split()[1:] for o in shared for l in o.splitlines() if l.startswith('CACHED'))
    assert [l[0] for l in lines] == ['False', 'True'] and lines[0][1] == lines[1][1], shared

def test_the_lessons_scratch_folder_goes_even_when_the_launcher_cannot_start(tmp_path, monkeypatch):
    "run_lessons' private TMPDIR for the lessons is removed on every way out, a launcher that fails to start included"
    import tempfile, dlcourse.cli as cli
    monkeypatch.setattr(tempfile, 'tempdir', str(tmp_path/'tmp')); (tmp_path/'tmp').mkdir()
    def broken(*a, **k): raise OSError('no launcher today')
    monkeypatch.setattr(cli, '_Launcher', broken)
    with pytest.raises(OSError, match='no launcher today'):
        run_lessons([mk(tmp_path/'nbs', 'lesson', 'x = 1')], tmp_path/'out', log=quiet)
    assert list((tmp_path/'tmp').iterdir()) == []
