#!/usr/bin/env python
"""The course, measured: one table of figures with units, printed and written to bench/latest.md (the README shows it).

    python bench/run.py            # everything (several minutes: it times the whole test suite)
    python bench/run.py --quick    # skip the whole-suite timing and the per-lesson runs

Figures: the whole test suite's wall time (nbdev-test + pytest, install excluded) and each lesson's time; each
dlcourse module's import time in a fresh process (median of --repeats) and whether it pulls in torch / fastai;
then the figures printed by the other scripts in bench/ (lr finder, gradient accumulation memory, TTA, training
loop overhead), each of which prints a markdown table.
"""
import argparse, json, os, platform, re, statistics, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
BIN = Path(PY).parent

def env(**kw):
    e = dict(os.environ, HF_HUB_OFFLINE='1', PYTHONPATH=os.pathsep.join([str(ROOT/'tests'/'netguard'), str(ROOT)]))
    e.update({k: str(v) for k, v in kw.items()})
    return e

def machine():
    import torch
    cpu = platform.processor() or platform.machine()
    try: cpu = next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no GPU'
    return f"{cpu}, {os.cpu_count()} cores, {gpu}; Python {platform.python_version()}, torch {torch.__version__}"

def import_times(repeats):
    mods = sorted(p.stem for p in (ROOT/'dlcourse').glob('*.py') if not p.stem.startswith('_'))
    rows = []
    code = ("import time, sys; t = time.perf_counter(); import dlcourse.{m}; dt = time.perf_counter() - t; "
            "print(dt, 'torch' in sys.modules, 'fastai' in sys.modules)")
    for m in mods:
        ts, heavy = [], None
        for _ in range(repeats):
            out = subprocess.run([PY, '-c', code.format(m=m)], capture_output=True, text=True, env=env(), cwd=ROOT)
            if out.returncode: raise SystemExit(f'import dlcourse.{m} failed:\n{out.stderr}')
            dt, torch_, fastai_ = out.stdout.split()
            ts.append(float(dt)); heavy = (torch_ == 'True', fastai_ == 'True')
        rows.append((f'import dlcourse.{m}', f'{statistics.median(ts):.2f}', 's',
                     f"median of {repeats}; torch {'yes' if heavy[0] else 'no'}, fastai {'yes' if heavy[1] else 'no'}"))
    return rows

def suite_times():
    "Wall time of nbdev-test (all notebooks, network blocked) and of pytest, as tools/test.sh runs them"
    rows = []
    data = ROOT.parent/'shared'/'data'
    e = env(DLCOURSE_CACHE=tempfile.mkdtemp(), DLCOURSE_NETGUARD_LOG=tempfile.mktemp())
    flags = ''
    if (data/'titanic').exists() and not os.environ.get('DLCOURSE_DATA'): e['DLCOURSE_DATA'] = str(data); flags = 'kaggle'
    t0 = time.time()
    # exactly as tools/test.sh runs them: one PyTorch thread per nbdev-test worker, pytest in two processes
    r = subprocess.run([str(BIN/'nbdev-test'), '--timing', '--flags', flags], capture_output=True, text=True,
                       env=dict(e, OMP_NUM_THREADS=e.get('OMP_NUM_THREADS', '1')), cwd=ROOT)
    t_nb = time.time() - t0
    per = re.findall(r'^(\S+\.ipynb).*?(\d+\.\d+)', r.stdout + r.stderr, re.M)
    t0 = time.time()
    p = subprocess.run([PY, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-n', '2', 'tests',
                        # README.md embeds this very table, so it is stale while the bench runs: not a failure of the suite
                        '--deselect', 'tests/test_readme.py::test_readme_matches_index'], capture_output=True, text=True, env=e, cwd=ROOT)
    t_py = time.time() - t0
    last = (p.stdout.strip().splitlines() or [''])[-1]
    rows.append(('whole test suite (nbdev-test + pytest)', f'{t_nb + t_py:.0f}', 's', f"target < 300 s, aim 180; {'kaggle cells included' if flags else 'embedded data'}"))
    rows.append(('nbdev-test, all notebooks, 2 workers, 1 thread each', f'{t_nb:.0f}', 's', 'ok' if r.returncode == 0 else 'FAILED'))
    rows.append(('pytest, 2 processes', f'{t_py:.0f}', 's', last))
    for name, secs in sorted(per, key=lambda x: -float(x[1])):
        rows.append((f'lesson {Path(name).stem} (under nbdev-test)', f'{float(secs):.1f}', 's', ''))
    return rows

def scripts():
    "Run every other bench/*.py script; each prints a markdown table that is carried over as is"
    out = []
    for s in sorted((ROOT/'bench').glob('*.py')):
        if s.name == 'run.py': continue
        t0 = time.time()
        r = subprocess.run([PY, str(s)], capture_output=True, text=True, env=env(DLCOURSE_CACHE=tempfile.mkdtemp()), cwd=ROOT)
        text = r.stdout.strip() if r.returncode == 0 else f'FAILED ({r.returncode}):\n```\n{r.stderr[-2000:]}\n```'
        out.append(f'### {s.stem} ({time.time() - t0:.0f} s)\n\n{text}\n')
    return out

def table(rows):
    lines = ['| figure | value | unit | notes |', '|---|---:|---|---|']
    lines += [f'| {a} | {b} | {c} | {d} |' for a, b, c, d in rows]
    return '\n'.join(lines)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--quick', action='store_true', help='skip the whole-suite timing')
    ap.add_argument('--repeats', type=int, default=5, help='repeats for import timings (median)')
    ap.add_argument('--out', default=str(ROOT/'bench'/'latest.md'))
    a = ap.parse_args(argv)
    t0 = time.time()
    rows = import_times(a.repeats)
    if not a.quick: rows = suite_times() + rows
    parts = [f'Measured on {time.strftime("%Y-%m-%d")}: {machine()}.', '', table(rows), '', *scripts()]
    text = '\n'.join(parts)
    print(text)
    Path(a.out).write_text(text + '\n')
    print(f'\n(bench took {time.time() - t0:.0f} s; written to {a.out})')

if __name__ == '__main__': main()
