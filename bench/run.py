#!/usr/bin/env python
"""The course, measured: one table of figures with units, printed and written to bench/latest.md; then README.md is
rendered again, since it embeds that table.

    python bench/run.py            # everything (several minutes: it runs the whole test suite as CI does)
    python bench/run.py --quick    # skip the test suite

Figures: the whole test suite's wall time as CI runs it (`tools/test.sh`, install excluded), its nbdev-test and
pytest parts, each lesson's time and the slowest tests; each dlcourse module's import time in a fresh process (median
of --repeats) and whether it pulls in torch / fastai; then the figures printed by the other scripts in bench/ (lr
finder, gradient accumulation memory, TTA, training loop overhead), each of which prints a markdown table.
Every process runs in the environment of tools/env.sh, the one tools/test.sh uses.
"""
import argparse, importlib.util, json, os, platform, re, shutil, statistics, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable

def suite_env() -> dict:
    "The environment tools/test.sh runs under: tools/env.sh sourced by bash, read back"
    out = subprocess.run(['bash', '-c', '. tools/env.sh && env -0'], capture_output=True, cwd=ROOT, check=True).stdout
    return dict(kv.split('=', 1) for kv in out.decode().split('\0') if '=' in kv)

def machine() -> str:
    import torch
    cpu = platform.processor() or platform.machine()
    try: cpu = next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no GPU'
    return f"{cpu}, {os.cpu_count()} cores, {gpu}; Python {platform.python_version()}, torch {torch.__version__}"

def import_times(env, repeats) -> list[tuple]:
    "Each module imported alone in a fresh process, `repeats` times (tools/import_probe.py)"
    mods = sorted(p.stem for p in (ROOT/'dlcourse').glob('*.py') if not p.stem.startswith('_'))
    rows = []
    for m in mods:
        res = []
        for _ in range(repeats):
            out = subprocess.run([PY, str(ROOT/'tools'/'import_probe.py'), f'dlcourse.{m}'], capture_output=True,
                                 text=True, env=env, cwd=ROOT)
            if out.returncode: raise SystemExit(f'import dlcourse.{m} failed:\n{out.stderr}')
            res.append(json.loads(out.stdout)[0])
        if res[0]['error']: raise SystemExit(f"import dlcourse.{m} failed:\n{res[0]['error']}")
        heavy = ', '.join(f"{p} {'yes' if p in res[0]['new'] else 'no'}" for p in ('torch', 'fastai'))
        rows.append((f'import dlcourse.{m}', f"{statistics.median(r['seconds'] for r in res):.2f}", 's',
                     f'median of {repeats}; {heavy}'))
    return rows

def suite_times() -> tuple[list[tuple], str]:
    "Run tools/test.sh, the CI command, and read its figures from its log: (rows, the slowest tests as text)"
    t0 = time.time()
    r = subprocess.run(['bash', 'tools/test.sh'], capture_output=True, text=True, cwd=ROOT)
    wall, log = time.time() - t0, r.stdout + r.stderr
    def grab(rx, default='?'):
        m = re.search(rx, log, re.M)
        return m.group(1) if m else default
    result = (r.stdout.strip().splitlines() or ['no output'])[-1]
    rows = [('whole test suite (tools/test.sh, install excluded)', grab(r'^== whole suite: (\d+)s', f'{wall:.0f}'),
             's',
             f"{result}; target < 300 s, aim 180; "
             f"{'kaggle cells included' if 'running #| kaggle cells' in log else 'embedded data'}"),
            ('nbdev-test, all notebooks, 2 workers, 1 thread each', grab(r'^== nbdev-test: .* in (\d+)s'), 's',
             grab(r'^== nbdev-test: (\d+ of \d+ notebooks passed)', 'FAILED')),
            ('pytest, 2 processes', grab(r'^== pytest: (\d+)s'), 's', '')]
    per = [(nb, secs) for nb, secs in re.findall(r'^(\S+)\.ipynb: (\d+) secs$', log, re.M) if nb != 'index']
    rows += [(f'lesson {nb} (under nbdev-test)', secs, 's', '') for nb, secs in sorted(per, key=lambda x: -int(x[1]))]
    slow = re.search(r'=+ slowest 10 durations =+\n(.*?)\n\n', log, re.S)
    rounded = lambda m: f'{float(m.group(1)):5.0f} s'  # whole seconds: the figures are contended anyway
    slowest = re.sub(r'^(\d+\.\d+)s', rounded, slow.group(1), flags=re.M) if slow else ''
    if r.returncode: print(log[-5000:], file=sys.stderr)
    return rows, slowest

def scripts(env) -> list[str]:
    "Run every other bench/*.py script; each prints a markdown table that is carried over as is"
    out = []
    for s in sorted((ROOT/'bench').glob('*.py')):
        if s.name == 'run.py': continue
        t0 = time.time()
        r = subprocess.run([PY, str(s)], capture_output=True, text=True, env=env, cwd=ROOT)
        text = r.stdout.strip() if r.returncode == 0 else f'FAILED ({r.returncode}):\n```\n{r.stderr[-2000:]}\n```'
        out.append(f'### {s.stem} ({time.time() - t0:.0f} s)\n\n{text}\n')
    return out

def table(rows) -> str:
    lines = ['| figure | value | unit | notes |', '|---|---:|---|---|']
    lines += [f'| {a} | {b} | {c} | {d} |' for a, b, c, d in rows]
    return '\n'.join(lines)

def render_readme():
    "README.md rendered again from nbs/index.ipynb, with the new bench/latest.md (tools/make_readme.py)"
    spec = importlib.util.spec_from_file_location('make_readme', ROOT/'tools'/'make_readme.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    (ROOT/'README.md').write_text(mod.render())

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--quick', action='store_true', help='skip the whole-suite timing')
    ap.add_argument('--repeats', type=int, default=5, help='repeats for import timings (median)')
    ap.add_argument('--out', default=str(ROOT/'bench'/'latest.md'))
    a = ap.parse_args(argv)
    t0 = time.time()
    env = suite_env()
    try:
        rows, slowest = suite_times() if not a.quick else ([], '')
        rows += import_times(env, a.repeats)
        # the bench scripts measure speed: they get every core unless OMP_NUM_THREADS was set by the caller
        script_env = {k: v for k, v in env.items() if k != 'OMP_NUM_THREADS' or 'OMP_NUM_THREADS' in os.environ}
        parts = [f'Measured on {time.strftime("%Y-%m-%d")}: {machine()}.', '', table(rows), '']
        if slowest: parts += ['The slowest tests (pytest --durations=10):', '', '```', slowest, '```', '']
        text = '\n'.join(parts + scripts(script_env))
    finally:
        shutil.rmtree(env['DLCOURSE_CACHE'], ignore_errors=True)
        Path(env['DLCOURSE_NETGUARD_LOG']).unlink(missing_ok=True)
    print(text)
    Path(a.out).write_text(text + '\n')
    render_readme()
    print(f'\n(bench took {time.time() - t0:.0f} s; written to {a.out}, and README.md rendered again)')

if __name__ == '__main__': main()
