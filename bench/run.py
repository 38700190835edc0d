#!/usr/bin/env python
"""The course, measured: one table of figures with units, printed and written to bench/latest.md; then README.md is
rendered again, since it embeds that table.

    python bench/run.py            # everything (several minutes: it runs the whole test suite as CI does)
    python bench/run.py --quick    # skip the test suite

Figures: the whole test suite's wall time as CI runs it (`tools/test.sh`, install excluded), its nbdev-test and
pytest parts, each lesson's time and the slowest tests; each dlcourse module's import time in a fresh process (median
of --repeats) and whether it pulls in torch / fastai; then the figures printed by the other scripts in bench/ (lr
finder, gradient accumulation memory, TTA, training loop overhead), each of which prints a markdown table.
Every process runs in the environment of tools/env.sh, the one tools/test.sh uses, except the learner's figures:
the course as `make course` runs it (`dlcourse run`, embedded data, no thread settings), from an empty cache and
again from the warm one; lesson 11 alone, quiet and beside two busy processes (`yes > /dev/null`), with the
runner's thread policy and with PyTorch's defaults; and `dlcourse app`'s first start with an empty cache (until
its page answers); and every `#| slow` cell (tools/slow.py, with and without the kaggle cells: the bench fails if
one fails). The parts run alone with --parts (e.g. `--parts lesson,app`), without the README step unless --write.
"""
import argparse, importlib.util, json, os, platform, re, resource, shutil, statistics, subprocess, sys, tempfile, time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
sys.path.insert(0, str(ROOT/'tools'))
from runenv import suite_env  # tools/env.sh's environment, the one tools/test.sh runs under


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
    nb_cpu, pt_cpu = grab(r'^== nbdev-test: .*[(](\d+) s of CPU'), grab(r'^== pytest: .*[(](\d+) s of CPU')
    rows = [('whole test suite (tools/test.sh, install excluded)', grab(r'^== whole suite: (\d+)s', f'{wall:.0f}'),
             's',
             f"{result}; goal <= 240 s, aim 180; {load()} after; "
             f"{'kaggle cells included' if 'running #| kaggle cells' in log else 'embedded data'}"),
            ('nbdev-test, all notebooks, 2 workers, 1 thread each', grab(r'^== nbdev-test: .* in (\d+)s'), 's',
             grab(r'^== nbdev-test: (\d+ of \d+ notebooks passed)', 'FAILED') + '; ' + nb_cpu + ' s of CPU'),
            ('pytest, 2 processes', grab(r'^== pytest: (\d+)s'), 's', pt_cpu + ' s of CPU')]
    per = [(nb, secs) for nb, secs in re.findall(r'^(\S+)\.ipynb: (\d+) secs$', log, re.M) if nb != 'index']
    rows += [(f'lesson {nb} (under nbdev-test)', secs, 's', '') for nb, secs in sorted(per, key=lambda x: -int(x[1]))]
    cells = sorted(re.findall(r'^(\S+)\.ipynb:(\S+): ([\d.]+)s$', log, re.M), key=lambda c: -float(c[2]))
    rows += [(f'cell {nb} #{cid} (under nbdev-test)', f'{float(secs):.0f}', 's', '') for nb, cid, secs in cells[:15]]
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

def learner_env(cache) -> dict:
    "A learner's shell: embedded data, no thread settings, `cache` as the dataset cache; offline and network-guarded"
    env = {k: v for k, v in os.environ.items()
           if k not in ('OMP_NUM_THREADS', 'OMP_WAIT_POLICY', 'GOMP_SPINCOUNT', 'DLCOURSE_OMP', 'DLCOURSE_DATA',
                        'DLCOURSE_EXERCISES', 'DLCOURSE_FLAGS')}
    guard = str(ROOT/'tests'/'netguard')
    env.update(DLCOURSE_CACHE=str(cache), HF_HUB_OFFLINE='1',
               PYTHONPATH=os.pathsep.join([guard, str(ROOT)] + ([env['PYTHONPATH']] if env.get('PYTHONPATH') else [])))
    return env

def timed(cmd, env, **kw) -> tuple[float, float, subprocess.CompletedProcess]:
    "Run `cmd`: (wall seconds, CPU seconds of it and its children, the result)"
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN); t0 = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, **kw)
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.time() - t0, c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime, r

def load() -> str: return f"load {os.getloadavg()[0]:.1f}"

def course_times(cache) -> list[tuple]:
    "`dlcourse run` as `make course` runs it: from an empty cache (cold), then again (warm)"
    rows, env = [], learner_env(cache)
    for kind in ('cold', 'warm'):
        out = tempfile.mkdtemp(prefix='bench-course-')
        wall, cpu, r = timed([str(Path(PY).parent/'dlcourse'), 'run', '--out', out], env)
        res = (re.findall(r'^(\d+ passed, \d+ failed)', r.stdout, re.M) or [f'exit {r.returncode}'])[-1]
        jobs = (re.findall(r', (\d+) at a time', r.stdout) or ['?'])[0]
        rows.append((f'the course, `dlcourse run`, {kind} cache', f'{wall:.0f}', 's',
                     f'{res}; {jobs} lessons at a time; {cpu:.0f} s of CPU; {load()} after; goal <= 180 s'))
        if r.returncode: print(r.stdout[-3000:], r.stderr[-2000:], file=sys.stderr)
        shutil.rmtree(out, ignore_errors=True)
    return rows

def busy(n=2) -> list:
    "Start `n` processes that keep a core busy (`yes > /dev/null`); stop them with `[p.kill() for p in ...]`"
    return [subprocess.Popen(['yes'], stdout=subprocess.DEVNULL) for _ in range(n)]

def lesson_busy_times(cache, lesson='11_transfer') -> list[tuple]:
    "One lesson alone, quiet and beside two busy processes, back to back: the runner's policy, then PyTorch's defaults"
    env, nb = learner_env(cache), ROOT/'nbs'/f'{lesson}.ipynb'
    skip = 'notest slow cuda kaggle'
    child = [PY, '-c', 'import sys; from dlcourse.cli import main; sys.exit(main(sys.argv[1:]))', 'exec']
    out = Path(tempfile.mkdtemp(prefix='bench-lesson-'))
    timed(child + [str(nb), str(out/'warm.ipynb'), '--skip', skip], env)  # builds what the lesson caches
    from dlcourse.cli import lesson_env, cpu_cores
    # PyTorch's defaults: torch imported before dlcourse, which then leaves OpenMP's wait policy alone
    torch_first = [PY, '-c', 'import torch, sys; from dlcourse.cli import main; sys.exit(main(sys.argv[1:]))', 'exec']
    rows = []
    # what the lesson's process chose (dlcourse.threads.wait_env), asked the same way at the same moment
    chosen = [PY, '-c', 'import os, dlcourse; print(os.environ.get("OMP_WAIT_POLICY"), os.environ.get("GOMP_SPINCOUNT"))']
    for policy, e, cmd in (("dlcourse's choice by load (dlcourse.threads)", lesson_env(cpu_cores(), env), child),
                           ("PyTorch's default threads", env, torch_first)):
        res = {}
        for where in ('quiet', 'busy'):
            procs = busy() if where == 'busy' else []
            try:
                if cmd is child:
                    wp, spin = subprocess.run(chosen, capture_output=True, text=True, env=e).stdout.split()[-2:]
                    how = f"chose OMP_WAIT_POLICY={wp}; " if wp != 'None' else f"chose GOMP_SPINCOUNT={spin}; "
                else: how = ''
                wall, cpu, r = timed(cmd + [str(nb), str(out/f'{where}.ipynb'), '--skip', skip], e)
            finally: [p.kill() for p in procs]; [p.wait() for p in procs]
            res[where] = wall
            rows.append((f'lesson {lesson}, {where}, {policy}', f'{wall:.1f}', 's',
                         f"{'ok' if r.returncode == 0 else 'FAILED'}; {how}{cpu:.0f} s of CPU; {load()} after"))
        rows.append((f'lesson {lesson}, busy / quiet, {policy}', f"{res['busy'] / res['quiet']:.2f}", 'x',
                     'beside two `yes > /dev/null`; goal <= 2.5'))
    shutil.rmtree(out, ignore_errors=True)
    return rows

def app_cold_start(cache, port=7871, timeout=600) -> list[tuple]:
    "`dlcourse app` with an empty cache: seconds until its page answers, and whether it said what it was doing"
    env = learner_env(cache)
    t0, c0 = time.time(), resource.getrusage(resource.RUSAGE_CHILDREN)
    log = tempfile.TemporaryFile(mode='w+')
    p = subprocess.Popen([str(Path(PY).parent/'dlcourse'), 'app', '--port', str(port)], stdout=log,
                         stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    up = False
    try:
        while not up and p.poll() is None and time.time() - t0 < timeout:
            try: up = urllib.request.urlopen(f'http://127.0.0.1:{port}/', timeout=2).status == 200
            except OSError: time.sleep(0.5)
    finally:
        wall = time.time() - t0
        p.terminate(); p.wait(30)
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime  # until it was stopped: serving idles, so about the same
    log.seek(0); text = log.read()
    said = 'a progress line' if 'Training' in text else 'NO progress line'
    return [('`dlcourse app`, first start with an empty cache', f'{wall:.0f}', 's',
             f"{'page answered' if up else 'FAILED: ' + text[-300:]!r}; {said}; {cpu:.0f} s of CPU; {load()}; "
             "goal <= 30 s")]

def table(rows) -> str:
    lines = ['| figure | value | unit | notes |', '|---|---:|---|---|']
    lines += [f'| {a} | {b} | {c} | {d} |' for a, b, c, d in rows]
    return '\n'.join(lines)

def render_readme():
    "README.md rendered again from nbs/index.ipynb, with the new bench/latest.md (tools/make_readme.py)"
    spec = importlib.util.spec_from_file_location('make_readme', ROOT/'tools'/'make_readme.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    (ROOT/'README.md').write_text(mod.render())

PARTS = ('suite', 'course', 'lesson', 'app', 'imports', 'scripts', 'slow')

def slow_cells() -> tuple[list[tuple], bool]:
    "Every `#| slow` cell, with and without the kaggle cells (tools/slow.py, which writes bench/slow.md): rows, passed"
    t0 = time.time()
    r = subprocess.run([PY, str(ROOT/'tools'/'slow.py')], capture_output=True, text=True, cwd=ROOT)
    line = r'^- `dlcourse run --flags "([^"]+)"`.*?\*\*(\d+ of \d+ lessons passed)\*\* in (\d+) s'
    runs = re.findall(line, r.stdout, re.M)
    rows = [(f'every slow cell, dlcourse run --flags "{f}"', secs, 's', ok) for f, ok, secs in runs]
    if r.returncode: print(r.stdout[-4000:] + r.stderr[-2000:], file=sys.stderr)
    return rows or [('every slow cell (tools/slow.py)', f'{time.time() - t0:.0f}', 's', 'FAILED')], r.returncode == 0

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--quick', action='store_true', help='skip the whole-suite timing')
    ap.add_argument('--parts', default=','.join(PARTS), help=f"comma-separated parts to run: {', '.join(PARTS)}")
    ap.add_argument('--repeats', type=int, default=5, help='repeats for import timings (median)')
    ap.add_argument('--out', default=str(ROOT/'bench'/'latest.md'))
    ap.add_argument('--write', action='store_true', help='write --out and README.md even when only some parts ran')
    a = ap.parse_args(argv)
    parts = set(a.parts.split(',')) - ({'suite'} if a.quick else set())
    if parts - set(PARTS): ap.error(f"--parts: unknown {sorted(parts - set(PARTS))}; expected some of {PARTS}")
    everything = parts == set(PARTS)
    t0 = time.time()
    env = suite_env()
    caches = [Path(tempfile.mkdtemp(prefix='bench-cache-')) for _ in range(3)]  # course, lesson, app: each from empty
    try:
        rows, slowest = suite_times() if 'suite' in parts else ([], '')
        if 'course' in parts: rows += course_times(caches[0])
        if 'lesson' in parts: rows += lesson_busy_times(caches[1])
        if 'app' in parts: rows += app_cold_start(caches[2])
        if 'imports' in parts: rows += import_times(env, a.repeats)
        slow_ok = True
        if 'slow' in parts:
            slow_rows, slow_ok = slow_cells(); rows += slow_rows
        # the bench scripts measure speed: they get every core unless OMP_NUM_THREADS was set by the caller
        script_env = {k: v for k, v in env.items() if k != 'OMP_NUM_THREADS' or 'OMP_NUM_THREADS' in os.environ}
        parts_md = [f'Measured on {time.strftime("%Y-%m-%d")}: {machine()}.', '', table(rows), '']
        if slowest: parts_md += ['The slowest tests (pytest --durations=10):', '', '```', slowest, '```', '']
        text = '\n'.join(parts_md + (scripts(script_env) if 'scripts' in parts else []))
    finally:
        shutil.rmtree(env['DLCOURSE_CACHE'], ignore_errors=True)
        for c in caches: shutil.rmtree(c, ignore_errors=True)
        Path(env['DLCOURSE_NETGUARD_LOG']).unlink(missing_ok=True)
    print(text)
    if not everything and a.out == ap.get_default('out') and not a.write:
        print(f'\n(parts {sorted(parts)} took {time.time() - t0:.0f} s; bench/latest.md and README.md left alone)')
    else:
        Path(a.out).write_text(text + '\n')
        render_readme()
        print(f'\n(bench took {time.time() - t0:.0f} s; written to {a.out}, and README.md rendered again)')
    if not slow_ok: sys.exit('a slow cell failed (bench/slow.md): the bench fails')

if __name__ == '__main__': main()
