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
    for ex in exercises.all_exercises(): by_lesson.setdefault(ex.lesson, []).append(ex.name)
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
    for ex in exercises.all_exercises():
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
def _function_exercises(): return [ex for ex in exercises.all_exercises() if ex.kind == 'function']

def test_bad_kinds_get_one_line():
    for ex in exercises.all_exercises():
        for answer in (None, (lambda: 1) if ex.kind == 'value' else 42, lambda a, b, c, d, e, f, g: 1):
            if ex.kind == 'value' and not callable(answer) and answer is not None: continue
            ok, msg = verdict(ex, answer)
            assert not ok and msg and '\n' not in msg, f'{ex.key} with {answer!r}: {msg!r}'
            assert 'Traceback' not in msg

def _unlisted(ex:Exercise) -> Exercise:
    "`ex`, taken out of the course's list (a test's own exercise must not show up in `exercises.all_exercises()`)"
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
        time.sleep(0.1 + 0.07 * attempt)  # a record takes ~1 ms: a hundred or more writes before the kill
        p.send_signal(signal.SIGKILL); p.wait()
        raw = (tmp_path/'progress.json').read_text()
        d = json.loads(raw)  # whole: a killed writer leaves the previous complete file
        assert len(d) >= 1 and all(v['passed'] for v in d.values())
    assert not [f for f in tmp_path.iterdir() if f.name != 'progress.json' and not f.name.startswith('.progress')]

def test_progress_cli(tmp_path):
    env = fresh_env(DLCOURSE_CACHE=tmp_path)
    bank = exercises.all_exercises()[0]
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
    "lambda: [Case('two short vectors', (torch.tensor([1., 2]), torch.tensor([0., 0])))], hints=['h'], seconds=0.5)",
    "def my_mae(p, t): ___\ndemo.check(my_mae)",
    "def my_mae(p, t): return (p - t).abs().mean()\ndemo.check(my_mae)",
    "def my_mae(p, t): return (p - t).mean() + undefined\ndemo.check(my_mae)",
    "import time\ndef my_mae(p, t):\n    while True: pass\nt0 = time.time(); res = demo.check(my_mae); print(res, time.time() - t0 < 2.5)",
    "q = lesson('{nb}')\nq.q1.check(q.q1.reference if q.q1.kind == 'function' else ___)",
    "from dlcourse import exercises as E\n"
    "print('failed:', [ex.key for ex in E.all() if not E.verdict(ex, ex.reference if ex.kind == 'function' "
    "else E._reference_value(ex))[0]])",
    "import re\ndef my_mae(p, t):\n    print('trying', flush=True)\n    return re.match(r'(a+)+$', 'a' * 64 + 'b')\n"
    "t0 = time.time(); res = demo.check(my_mae); print(res, time.time() - t0 < 3.5)",
]

def test_in_a_real_jupyter_kernel(tmp_path):
    nbformat = pytest.importorskip('nbformat'); nbclient = pytest.importorskip('nbclient')
    nb_name = exercises.all_exercises()[-1].lesson
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
    assert 'too slow, still running after 0.5 s' in out[5] and 'False True' in out[5], out[5]
    assert 'Correct' in out[6], out[6]
    assert 'failed: []' in out[7], out[7]  # every exercise's reference passes in a kernel too
    assert 'trying' in out[8] and 'too slow' in out[8] and 'False True' in out[8], out[8]  # a C loop, its print shown

# ---------------------------------------------------------------------------------------------------------------
# Issue 19, class 5: an exercise cannot be fooled (pandas results keep their index and dtype; inputs changed in
# place in any way are caught) and cannot hang (any answer stops within its limit plus 2 s; SystemExit is reported)
# ---------------------------------------------------------------------------------------------------------------
def test_exercises_cannot_be_fooled_by_index_labels():
    "An answer whose values are right by position but sit on the wrong index is wrong: assigned back, it misaligns"
    ex = exercises.lesson('04_titanic_features').ticket_freq
    ok, msg = verdict(ex, lambda tickets, all_tickets: all_tickets.value_counts()[tickets])
    assert not ok and 'index' in msg, msg
    assert verdict(ex, lambda tickets, all_tickets: tickets.map(all_tickets.value_counts()))[0]

def _pandas_pairs():
    "(expected, got) pairs that pandas.testing tells apart and that must therefore differ"
    import numpy as np, pandas as pd
    s = pd.Series([1., 2., 3.], index=[10, 11, 12])
    df = pd.DataFrame(dict(a=[1, 2], b=['x', 'y']))
    return [(s, s.reset_index(drop=True)), (s, pd.Series(s.to_numpy(), index=[12, 11, 10])),
            (s, s.tolist()), (s, pd.DataFrame(dict(v=s))), (df, df.to_numpy()),
            (pd.Series([True, False]), np.array([1, 0])),
            (pd.Series([True, False]), pd.Series([1, 0])), (pd.Series([1, 2]), pd.Series(['1', '2'])),
            (pd.Series(pd.to_datetime(['2020-01-01'])), pd.Series(['2020-01-01'])),
            (pd.Series(['a', 'b'], dtype='category'), pd.Series(['a', 'b'])),
            (df, df.set_index(pd.Index([5, 6]))), (df, df.astype(dict(a=bool))),
            (pd.Index(['a', 'b']), pd.Index(['b', 'a'])), (pd.Index(['a', 'b']), ['a', 'b']),
            (pd.Index([1, 2]), pd.Series([1, 2]))]

def test_exercises_cannot_be_fooled_pandas_pairs():
    "pandas results keep their index and kind of values; an array, which has no index to misalign, goes by position"
    import numpy as np, pandas as pd, torch
    from dlcourse.exercises import differs
    for e, g in _pandas_pairs():
        assert differs(e, g) is not None, f'differs says {e!r} and {g!r} match'
    s = pd.Series([1., 2., 3.], index=[10, 11, 12])
    for g in (s.copy(), s.to_numpy(), torch.tensor([1., 2., 3.]), pd.Series([1, 2, 3], index=[10, 11, 12])):
        assert differs(s, g) is None, f'differs says {s!r} and {g!r} differ'

@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.floats(-5, 5), min_size=2, max_size=6), seed=st.integers(0, 10**6))
def test_exercises_cannot_be_fooled_by_a_permuted_index(values, seed):
    "Property: the same values on a permuted index match only if the permutation keeps every label in place"
    import numpy as np, pandas as pd
    from dlcourse.exercises import differs
    perm = np.random.default_rng(seed).permutation(len(values))
    e, g = pd.Series(values), pd.Series(values, index=perm)
    assert (differs(e, g) is None) == bool((perm == np.arange(len(values))).all())

def _frame_exercise():
    import pandas as pd
    cases = lambda: [Case('a small frame', (pd.DataFrame(dict(a=[1, 2, 3], b=[0.5, 1.5, 2.5])),))]
    return _unlisted(Exercise('total', '00_test', 'total', lambda df: float(df.b.sum()), cases, hints=['h'], seconds=5))

def test_exercises_cannot_be_fooled_in_place():
    "Every change to an input frame is caught: index, dtype, attrs, column order, column or index names"
    def sets(f):
        def answer(df): f(df); return float(df.b.sum())
        return answer
    changes = dict(index=lambda df: setattr(df, 'index', [2, 1, 0]), dtype=lambda df: df.__setitem__('a', df.a * 1.0),
                   attrs=lambda df: df.attrs.update(source='me'), order=lambda df: df.insert(0, 'a2', df.pop('a')),
                   names=lambda df: setattr(df.index, 'name', 'row'), columns=lambda df: setattr(df.columns, 'name', 'c'),
                   flags=lambda df: df.flags.__setattr__('allows_duplicate_labels', False))
    ex = _frame_exercise()
    assert verdict(ex, lambda df: float(df.b.sum()))[0]
    for what, change in changes.items():
        ok, msg = verdict(ex, sets(change))
        assert not ok and 'changed its input' in msg, f'{what}: {msg}'

HANG = textwrap.dedent(r"""
    import os, re, signal, sys, threading, time
    from dlcourse.exercises import Exercise, Case, verdict
    mode, log, limit, timer, whats = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5:]
    def loop_in_c(x): return re.match(r'(a+)+$', 'a' * 64 + 'b')  # catastrophic backtracking: one C call
    def sleep_in_c(x): time.sleep(60)
    def swallow(x):
        while True:
            try:
                while True: pass
            except BaseException: pass
    def ignores(x):
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        while True: pass
    def rebinds(x):
        signal.signal(signal.SIGALRM, lambda *a: None)
        while True: pass
    def keeps_writing(x):
        while True:
            with open(log, 'a') as f: f.write('x')
            time.sleep(0.02)
    def exits(x): sys.exit(3)
    def interrupts(x): raise KeyboardInterrupt
    def gen_exit(x): raise GeneratorExit
    def os_exit(x): os._exit(4)
    ex = Exercise('double', '00_hang', 'double', lambda x: 2 * x, lambda: [Case('two', (2,))], hints=['h'],
                  seconds=limit)
    assert verdict(ex, lambda x: 2 * x)[0]  # a right answer first: what a check imports is loaded before the timers
    fired = []
    def mine(*a): fired.append('alarm')
    t_set = time.monotonic()  # the caller's own timers, due while the checks run: they must fire, as set
    if mode == 'main': signal.signal(signal.SIGALRM, mine); signal.setitimer(signal.ITIMER_REAL, timer)
    threading.Timer(timer, lambda: fired.append('timer')).start()
    out = {}
    def run():
        for what in whats:
            t0 = time.monotonic(); ok, msg = verdict(ex, globals()[what]); out[what] = dict(ok=ok, msg=msg)
            out[what]['took'] = time.monotonic() - t0
    if mode == 'main': run()
    else: t = threading.Thread(target=run); t.start(); t.join()
    size = os.path.getsize(log) if os.path.exists(log) else 0
    time.sleep(max(0.5, t_set + timer + 0.2 - time.monotonic()))  # writes every 0.02 s, if still running
    grew = (os.path.getsize(log) if os.path.exists(log) else 0) > size
    handler = signal.getsignal(signal.SIGALRM) is mine if mode == 'main' else True
    print(repr(dict(out=out, grew=grew, fired=sorted(fired), handler=handler)))
""")

SLOW = ['loop_in_c', 'sleep_in_c', 'swallow', 'ignores', 'rebinds', 'keeps_writing']
ENDS = ['exits', 'interrupts', 'gen_exit', 'os_exit']

def _hang(mode, whats, tmp_path, limit:float, timer:float):
    """Run hostile answers in a fresh process (today's code may hang: the process is killed after 60 s), each with a
    limit of `limit` s, while the process's own timers are due after `timer` s"""
    import ast
    try: out = subprocess.run([sys.executable, '-c', HANG, mode, str(tmp_path/f'{mode}.log'), str(limit), str(timer),
                               *whats],
                              env=fresh_env(DLCOURSE_CACHE=tmp_path), capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired: pytest.fail(f'{whats} ({mode} thread): the check hung for 60 s')
    assert out.returncode == 0, f'{whats} ({mode} thread): exit {out.returncode}\n{out.stderr[-2000:]}'
    return ast.literal_eval(out.stdout.strip().splitlines()[-1])

@pytest.mark.costly(cpu_s=2)  # measured 1.1-1.4 (3 s of wall: mostly the six limits of 0.3 s)
@pytest.mark.parametrize('mode', ['main', 'worker'])
def test_exercises_cannot_hang(mode, tmp_path):
    """Each answer that will not stop is stopped (really: it writes nothing after) within its limit + 2 s; the caller's
    timers, due during the checks, fire as set. A limit of 0.3 s (not the default 5): how long a limit is changes
    nothing in how an answer is stopped, and each of these answers runs until its limit"""
    limit = 0.3
    r = _hang(mode, SLOW, tmp_path, limit, timer=2.5 * limit)  # due during the third answer
    for what in SLOW:
        a = r['out'][what]
        assert not a['ok'] and 'too slow' in a['msg'] and a['took'] < limit + 2, f'{what} ({mode} thread): {a}'
    assert not r['grew'], r
    assert r['handler'] and r['fired'] == (['alarm', 'timer'] if mode == 'main' else ['timer']), r

def test_exercises_cannot_hang_in_the_comparison():
    "A result whose comparison never ends (an `__array__` that loops) is stopped too: the limit plus 2 s"
    import time
    class Endless:
        shape, dtype = (3,), 'float32'
        def __array__(self, *a, **k):
            while True: pass
    import torch
    neg = _unlisted(Exercise('neg', '00_test', 'neg', torch.neg, lambda: [Case('a vector', (torch.tensor([1., 2, 3]),))],
                             hints=['h'], seconds=1))
    t0 = time.monotonic()
    ok, msg = verdict(neg, lambda x: Endless())
    assert not ok and 'took over 2 s to compare' in msg and time.monotonic() - t0 < 1 + 2 + 1, msg

def test_exercises_leave_nothing_running(tmp_path):
    "What an answer starts (here a `sleep 60`) is killed with it, even when the answer itself returns"
    import time
    pid_file = tmp_path/'pid'
    def starts(p, t):
        pid_file.write_text(str(subprocess.Popen(['sleep', '60']).pid))
        return (p - t).abs().mean()
    assert verdict(_demo(), starts)[0]
    pid = int(pid_file.read_text())
    time.sleep(0.2)
    status = Path(f'/proc/{pid}/status')
    assert not status.exists() or re.search(r'^State:\s+Z', status.read_text(), re.M), status.read_text()

def test_exercises_without_fork(monkeypatch):
    "Where there is no fork (Windows), the old way: a timer signal on the main thread; errors and results as before"
    import time
    monkeypatch.setattr(exercises, '_can_fork', lambda: False)
    t0 = time.monotonic()
    with pytest.raises(exercises.TooSlow): exercises.call_limited(time.sleep, (3,), seconds=0.2)
    assert time.monotonic() - t0 < 2
    ok, msg = verdict(_demo(), lambda p, t: 1 / 0)
    assert not ok and 'ZeroDivisionError' in msg
    assert verdict(_demo(), lambda p, t: (p - t).abs().mean())[0]

@pytest.mark.parametrize('mode', ['main', 'worker'])
def test_exercises_cannot_end_the_check(mode, tmp_path):
    "An answer that exits (sys.exit, KeyboardInterrupt, GeneratorExit, os._exit) is reported, not raised"
    r = _hang(mode, ENDS, tmp_path, limit=1, timer=0.1)  # 1 s: ample for an answer that ends at once
    for what, says in zip(ENDS, ['SystemExit', 'KeyboardInterrupt', 'GeneratorExit', 'ended']):
        a = r['out'][what]
        assert not a['ok'] and says in a['msg'] and a['took'] < 3, f'{what} ({mode} thread): {a}'

# ---------------------------------------------------------------------------------------------------------------
# Issue 19, class 2: progress.json under a lock (no lost entries); a damaged file is kept aside and reported
# ---------------------------------------------------------------------------------------------------------------
RECORDER = textwrap.dedent('''
    import sys
    from dlcourse.exercises import Exercise, Case, record
    ex = Exercise(f'x{sys.argv[1]}', '00_test', 'x', len, lambda: [Case('c')])
    for _ in range(int(sys.argv[2])): record(ex, True)
''')

def test_exercises_progress_nothing_lost(tmp_path):
    "Many processes record at once, each its own exercise: every entry and every try is there at the end"
    n, tries = 12, 8
    procs = [subprocess.Popen([sys.executable, '-c', RECORDER, str(i), str(tries)], env=fresh_env(DLCOURSE_CACHE=tmp_path))
             for i in range(n)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    d = json.loads((tmp_path/'progress.json').read_text())
    assert {k: v['tries'] for k, v in d.items()} == {f'00_test/x{i}': tries for i in range(n)}

def test_exercises_progress_damaged_file_kept(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv('DLCOURSE_CACHE', str(tmp_path))
    ex = _demo()
    (tmp_path/'progress.json').write_text('{"06_dates/elapsed": {"passed": true, "tr')  # half a file
    exercises.record(ex, True)
    out = capsys.readouterr().out
    kept = [f for f in tmp_path.iterdir() if f.name.startswith('progress.json.damaged')]
    assert len(kept) == 1 and kept[0].read_text().startswith('{"06_dates/elapsed"'), list(tmp_path.iterdir())
    assert kept[0].name in out, out
    assert load_progress()['00_test/mae']['tries'] == 1
    (tmp_path/'progress.json').write_text('[1, 2]')  # JSON, but not progress: kept aside too
    exercises.show_progress()
    assert 'could not be read' in capsys.readouterr().out
    exercises.record(ex, True)
    assert len([f for f in tmp_path.iterdir() if f.name.startswith('progress.json.damaged')]) == 2
    assert load_progress()['00_test/mae']['tries'] == 1

# ---------------------------------------------------------------------------------------------------------------
# Issue 23: the API of dlcourse.exercises
# ---------------------------------------------------------------------------------------------------------------
def test_exercises_api_names():
    "check, hint and solution are methods of Exercise (no None module attributes); `import *` keeps builtins.all"
    import builtins
    for n in ('check', 'hint', 'solution'):
        assert getattr(exercises, n, 'absent') is not None, f'dlcourse.exercises.{n} is None'
        assert getattr(Exercise, n).__qualname__ == f'Exercise.{n}'
    assert 'all' not in exercises.__all__ and all(n in vars(exercises) for n in exercises.__all__)
    ns = {}
    exec('from dlcourse.exercises import *', ns)
    assert ns.get('all', builtins.all) is builtins.all
    assert exercises.all is exercises.all_exercises  # the old name still works as `exercises.all()`
