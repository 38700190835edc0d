"""What the exercise notebooks cannot check about themselves: the whole set (every lesson has its exercises and its
"your turn" cells), properties of `check` over many answers, a progress file killed mid-write, a real Jupyter kernel,
and a module that stays light to import."""
import json, os, re, signal, subprocess, sys, textwrap, time
from pathlib import Path
import pytest
from hypothesis import given, settings, strategies as st
from conftest import ROOT, fresh_env
from dlcourse import exercises
from dlcourse.exercises import Exercise, Case, verdict, load_progress, ___

LESSONS = sorted(p.stem for p in (ROOT/'nbs').glob('[01][0-9]*_*.ipynb') if not p.stem.startswith('00'))

def _cells(nb:str) -> list:
    return [''.join(c['source']) for c in json.loads((ROOT/'nbs'/f'{nb}.ipynb').read_text())['cells']]

# ---------------------------------------------------------------------------------------------------------------
# The set of exercises
# ---------------------------------------------------------------------------------------------------------------
def test_every_lesson_has_at_least_three():
    by_lesson = {}
    for ex in exercises.all(): by_lesson.setdefault(ex.lesson, []).append(ex.name)
    assert set(by_lesson) <= set(LESSONS), f'exercises for notebooks that do not exist: {set(by_lesson) - set(LESSONS)}'
    few = {nb: len(by_lesson.get(nb, [])) for nb in LESSONS if len(by_lesson.get(nb, [])) < 3}
    assert not few, f'lessons with fewer than 3 exercises: {few}'
    assert sum(map(len, by_lesson.values())) >= 50
    for nb, names in by_lesson.items(): assert len(names) == len(set(names)), f'{nb}: duplicate names {names}'

def test_every_exercise_has_its_cell_in_its_lesson():
    "Each exercise is practised in a 'your turn' cell of its own lesson: `q.qN.check(...)`, after `lesson(...)`"
    missing = []
    for nb in LESSONS:
        src = '\n'.join(_cells(nb))
        exs = exercises.lesson(nb)
        if not exs: continue
        assert f"lesson('{nb}')" in src, f'{nb}: no `q = lesson({nb!r})` cell'
        missing += [f'{nb} q{i+1} ({ex.name})' for i, ex in enumerate(exs) if not re.search(rf'\bq\.q{i+1}\.check\(', src)]
    assert not missing, 'exercises with no "your turn" cell: ' + ', '.join(missing)

def test_every_exercise_is_complete():
    for ex in exercises.all():
        assert ex.task and ex.hints, f'{ex.key}: needs a task and at least one hint'
        assert callable(ex.reference), f'{ex.key}: reference {ex._reference!r} does not resolve'
        cases = ex.cases()
        assert cases and all(isinstance(c, Case) and c.says for c in cases), f'{ex.key}: cases need `says`'

def test_light_import():
    "Importing the framework and listing every exercise loads neither numpy, pandas nor torch"
    code = ("import sys, dlcourse.exercises as E; n = len(E.all()); "
            "print(n, [m for m in ('numpy', 'pandas', 'torch') if m in sys.modules])")
    out = subprocess.run([sys.executable, '-c', code], env=fresh_env(), capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    n, heavy = out.stdout.split(' ', 1)
    assert int(n) >= 50 and heavy.strip() == '[]', out.stdout

# ---------------------------------------------------------------------------------------------------------------
# check on odd answers: bad kinds get one line; nothing the learner passes is changed; errors are reported
# ---------------------------------------------------------------------------------------------------------------
def _function_exercises(): return [ex for ex in exercises.all() if ex.kind == 'function']

def test_bad_kinds_get_one_line():
    for ex in exercises.all():
        for answer in (None, (lambda: 1) if ex.kind == 'value' else 42, lambda a, b, c, d, e, f, g: 1):
            if ex.kind == 'value' and not callable(answer) and answer is not None: continue
            ok, msg = verdict(ex, answer)
            assert not ok and msg and '\n' not in msg, f'{ex.key} with {answer!r}: {msg!r}'
            assert 'Traceback' not in msg

def _unlisted(ex:Exercise) -> Exercise:
    "`ex`, taken out of the course's list (a test's own exercise must not show up in `exercises.all()`)"
    exercises._REGISTRY.pop(ex.key, None)
    return ex

def _demo():
    import torch
    cases = lambda: [Case('two short vectors', (torch.tensor([1., 2, 3]), torch.tensor([1., 1, 1])))]
    return _unlisted(Exercise('mae', '00_test', 'mae', torch.nn.functional.l1_loss, cases, hints=['h'], seconds=1))

answers = st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), st.text(max_size=5),
                    st.lists(st.floats(allow_nan=False, width=32), max_size=4),
                    st.dictionaries(st.text(max_size=2), st.integers(), max_size=3))

@settings(max_examples=60, deadline=None)
@given(answer=answers)
def test_check_never_changes_the_answer(answer):
    import copy, math
    ex = _demo()
    keep = copy.deepcopy(answer)
    ok, msg = verdict(ex, answer)
    assert ok is False and msg
    assert answer == keep or (answer != answer and keep != keep)  # NaN is not equal to itself
    value = _unlisted(Exercise('v', '00_test', 'a value', lambda: 1.0, lambda: [Case('the value')], kind='value',
                               hints=['h']))
    right = isinstance(answer, (int, float)) and not isinstance(answer, bool) and math.isclose(answer, 1.0, rel_tol=1e-5)
    assert verdict(value, answer)[0] is right
    assert answer == keep or (answer != answer and keep != keep)

errors = st.sampled_from([ValueError('v'), KeyError('k'), ZeroDivisionError(), RecursionError(), TypeError('t'),
                          IndexError('i'), AssertionError('a'), NotImplementedError(), type('MyError', (Exception,), {})()])

@settings(max_examples=20, deadline=None)
@given(err=errors)
def test_a_raising_answer_is_reported(err):
    def my_answer(*args, **kwargs): raise err
    ok, msg = verdict(_demo(), my_answer)
    assert not ok and 'your function raised an error' in msg and type(err).__name__ in msg and 'my_answer' in msg
    assert '_try_case' not in msg and 'call_limited' not in msg

def test_every_function_exercise_reports_a_raising_answer():
    "On the real exercises too: a function that raises is reported with its traceback, never propagated"
    def my_answer(*args, **kwargs): return 1 / 0
    for ex in _function_exercises():
        ok, msg = verdict(ex, my_answer)
        assert not ok and 'ZeroDivisionError' in msg, f'{ex.key}: {msg}'

def test_check_prints_and_records(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv('DLCOURSE_CACHE', str(tmp_path)); monkeypatch.delenv('DLCOURSE_EXERCISES', raising=False)
    ex = _demo()
    assert ex.check(lambda p, t: (p - t).abs().mean()) is True
    assert capsys.readouterr().out.startswith('Correct: mae passes its case')
    assert ex.check(lambda p, t: (p - t).abs().sum()) is False
    assert 'Case 1 of 1, two short vectors: expected' in capsys.readouterr().out
    def my_mae(p, t): ___
    assert ex.check(my_mae) is False and 'Your turn' in capsys.readouterr().out
    assert load_progress()['00_test/mae'] == dict(passed=True, tries=2, last='failed',
                                                   when=load_progress()['00_test/mae']['when'])

# ---------------------------------------------------------------------------------------------------------------
# The progress file: a crash mid-write leaves a whole file
# ---------------------------------------------------------------------------------------------------------------
WRITER = textwrap.dedent('''
    import sys
    from dlcourse.exercises import Exercise, Case, record
    exs = [Exercise(f'x{i}', '00_test', 'x', len, lambda: [Case('c')]) for i in range(300)]
    print('ready', flush=True)
    while True:
        for ex in exs: record(ex, True)
''')

def test_progress_survives_a_kill_mid_write(tmp_path):
    for attempt in range(4):
        p = subprocess.Popen([sys.executable, '-c', WRITER], env=fresh_env(DLCOURSE_CACHE=tmp_path),
                             stdout=subprocess.PIPE, text=True)
        assert p.stdout.readline().strip() == 'ready'
        time.sleep(0.3 + 0.17 * attempt)
        p.send_signal(signal.SIGKILL); p.wait()
        raw = (tmp_path/'progress.json').read_text()
        d = json.loads(raw)  # whole: a killed writer leaves the previous complete file
        assert len(d) >= 1 and all(v['passed'] for v in d.values())
    assert not [f for f in tmp_path.iterdir() if f.name != 'progress.json' and not f.name.startswith('.progress')]

def test_progress_cli(tmp_path):
    env = fresh_env(DLCOURSE_CACHE=tmp_path)
    bank = exercises.all()[0]
    (tmp_path/'progress.json').write_text(json.dumps({bank.key: dict(passed=True, tries=1, last='passed')}))
    exe = str(Path(sys.executable).with_name('dlcourse'))  # the console script, as a learner runs it
    out = subprocess.run([exe, 'progress'], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert re.search(rf'^{bank.lesson}\s+█+░*\s+1/\d+', out.stdout, re.M), out.stdout
    assert re.search(r'^the whole course\s+\S+\s+1/\d+', out.stdout, re.M), out.stdout
    one = subprocess.run([exe, 'progress', bank.lesson], env=env, capture_output=True, text=True, timeout=60)
    assert f'q1  {bank.name}' in one.stdout and 'passed' in one.stdout, one.stdout

# ---------------------------------------------------------------------------------------------------------------
# A real Jupyter kernel: the main thread, so a timer signal stops an endless loop
# ---------------------------------------------------------------------------------------------------------------
KERNEL_CELLS = [
    "from dlcourse.exercises import lesson, Exercise, Case, ___\nimport torch",
    "demo = Exercise('mae', '00_kernel', 'mae', torch.nn.functional.l1_loss, "
    "lambda: [Case('two short vectors', (torch.tensor([1., 2]), torch.tensor([0., 0])))], hints=['h'], seconds=1)",
    "def my_mae(p, t): ___\ndemo.check(my_mae)",
    "def my_mae(p, t): return (p - t).abs().mean()\ndemo.check(my_mae)",
    "def my_mae(p, t): return (p - t).mean() + undefined\ndemo.check(my_mae)",
    "import time\ndef my_mae(p, t):\n    while True: pass\nt0 = time.time(); res = demo.check(my_mae); print(res, time.time() - t0 < 3)",
    "q = lesson('{nb}')\nq.q1.check(q.q1.reference if q.q1.kind == 'function' else ___)",
    "from dlcourse import exercises as E\n"
    "print('failed:', [ex.key for ex in E.all() if not E.verdict(ex, ex.reference if ex.kind == 'function' "
    "else E._reference_value(ex))[0]])",
]

def test_in_a_real_jupyter_kernel(tmp_path):
    nbformat = pytest.importorskip('nbformat'); nbclient = pytest.importorskip('nbclient')
    nb_name = exercises.all()[-1].lesson
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c.replace('{nb}', nb_name)) for c in KERNEL_CELLS])
    env_keep = {k: os.environ.get(k) for k in ('DLCOURSE_CACHE', 'PYTHONPATH', 'DLCOURSE_EXERCISES')}
    os.environ.update(DLCOURSE_CACHE=str(tmp_path), PYTHONPATH=fresh_env()['PYTHONPATH'])
    os.environ.pop('DLCOURSE_EXERCISES', None)
    try: nbclient.NotebookClient(nb, timeout=120, kernel_name='python3').execute()
    finally:
        for k, v in env_keep.items():
            if v is None: os.environ.pop(k, None)
            else: os.environ[k] = v
    out = ['\n'.join(o.get('text', '') or str(o.get('data', {}).get('text/plain', '')) for o in c.outputs)
           for c in nb.cells]
    assert 'Your turn' in out[2] and 'False' in out[2]
    assert 'Correct: mae passes its case' in out[3] and 'True' in out[3]
    assert "NameError: name 'undefined' is not defined" in out[4] and 'my_mae' in out[4]
    assert 'too slow, still running after 1 s' in out[5] and 'False True' in out[5], out[5]
    assert 'Correct' in out[6], out[6]
    assert 'failed: []' in out[7], out[7]  # every exercise's reference passes in a kernel too
