"""What running an exercise's answer in a forked child costs (issue 19, class 5).

Usage: python bench/exercise_fork.py [--calls 50] [--lessons 01a 09 11_ 12]
Prints the wall and CPU time (this process plus its children) of `call_limited` on a trivial function against a plain
call, in a process that has imported torch and pandas as a lesson has; then of `verdict` on every exercise of the
course, once with the library's reference (run in this process, as the tests' fill mode does) and once with a learner's
copy of it (a wrapper, so it runs in one child per check), first without trimming the C heap before each fork, then
with it (`_trim_heap`, what the library does). `--lessons` first runs those lesson notebooks in this process (as
nbdev-test's worker or a learner's kernel has): a big process, whose forks cost more. Figures taken on a busy machine
are inflated.
"""
import argparse, resource, time
import numpy as np, pandas as pd, torch  # noqa: F401  (a lesson's process: its size is what fork copies)
from dlcourse import exercises as E

def clock():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter(), s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime

def timed(f, n):
    (w0, c0) = clock()
    for _ in range(n): f()
    (w1, c1) = clock()
    return (w1 - w0) / n * 1000, (c1 - c0) / n * 1000

def learners(ex):
    ref = ex.reference
    return lambda *a, **k: ref(*a, **k)  # not the reference object itself: checked as a learner's answer is

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--calls', type=int, default=50)
    ap.add_argument('--lessons', nargs='*', default=[], help='lesson notebooks (name prefixes) to run here first')
    a = ap.parse_args()
    if a.lessons:
        from pathlib import Path
        from nbdev.test import test_nb
        for pre in a.lessons:
            nb = next(Path(__file__).resolve().parents[1].glob(f'nbs/{pre}*.ipynb'))
            assert test_nb(nb, skip_flags=['notest', 'slow', 'cuda', 'kaggle'])[0], nb
    trim, E._TRIM['fn'] = E._TRIM['fn'], False  # untrimmed until the row that trims
    torch.ones(200, 200) @ torch.ones(200, 200)
    rows = [('plain call', *timed(lambda: sum([1, 2]), a.calls)),
            ('call_limited (forked child)', *timed(lambda: E.call_limited(sum, ([1, 2],)), a.calls))]
    exs = [ex for ex in E.all_exercises() if ex.kind == 'function']
    n_cases = sum(len(ex.cases()) for ex in exs)
    for name, answer, trimmed in (('reference, in process', lambda ex: ex.reference, None),
                                  ("a learner's copy, forked, heap not trimmed", learners, False),
                                  ("a learner's copy, forked, heap trimmed", learners, True)):
        E._TRIM['fn'] = trim if trimmed else False
        (w0, c0) = clock()
        assert all(E.verdict(ex, answer(ex))[0] for ex in exs)
        (w1, c1) = clock()
        rows.append((f'verdict on {len(exs)} exercises ({n_cases} cases), {name}', (w1 - w0) * 1000, (c1 - c0) * 1000))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f'process RSS {rss:.0f} MB; per call over {a.calls} calls, or per whole run\n')
    print('| what | wall ms | CPU ms (with children) |\n|---|---:|---:|')
    for what, w, c in rows: print(f'| {what} | {w:.1f} | {c:.1f} |')
