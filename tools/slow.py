#!/usr/bin/env python
"""Every `#| slow` cell of every lesson, run as a learner would run them: `dlcourse run --flags "slow kaggle"` with the
real Kaggle files (when `DLCOURSE_DATA` or ../shared/data has them), then `dlcourse run --flags slow` on the embedded
data. Writes bench/slow.md (the date, the machine, each lesson's result and time in both runs, and which lessons' slow
cells passed), which README.md embeds; exits 1 if any lesson failed in either run.

    python tools/slow.py                 # both runs, every lesson (about 15 to 20 minutes on 2 cores)
    python tools/slow.py 07 13           # some lessons only (the table then says so)
    python tools/slow.py --modes slow    # only the run on the embedded data
    python tools/slow.py --save          # and commit-ready outputs: the embedded run's notebooks replace nbs/'s
    python tools/slow.py 09 --modes default --save   # `make outputs`: a lesson's default cells only, outputs saved

Committed notebook outputs come from the embedded data, slow cells included: `--save` copies each lesson that passed
the `slow` run back into nbs/ and runs nbdev-clean, so a lesson's stored slow figures are those of the current code.
`--modes default` runs only the default cells (the slow ones keep their stored outputs) and writes no bench/slow.md:
that is `make outputs`, the one way to refresh a lesson's committed outputs. Every run here is the one `make course`
gives a lesson on a machine of up to 4 cores: one PyTorch thread (a training's numbers depend on the thread count), no
progress bars (`IN_TEST`: their elapsed times would churn), and the embedded data unless the kaggle cells run.

`make slow` runs it; `make bench` runs it too. Each run uses a fresh private cache, so the cold-cache path is the one
measured, and the network guard, as the test suite does.
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODES = {'slow kaggle': 'real Kaggle files (DLCOURSE_DATA), slow and kaggle cells', 'slow': 'embedded data, slow cells',
         'default': 'embedded data, default cells only'}
SAVED = ('slow', 'default')  # the modes whose executed notebooks --save copies into nbs/

def flagged_cells(nb:Path, flag:str) -> int:
    "How many code cells of `nb` carry the directive `#| flag`"
    n = 0
    for c in json.loads(nb.read_text())['cells']:
        if c['cell_type'] != 'code': continue
        src = ''.join(c['source'])
        heads = [l.strip() for l in src.splitlines() if l.strip().startswith('#|')]
        n += any(re.fullmatch(rf'#\|\s*{flag}\b.*', h) for h in heads)
    return n

def base_env() -> dict:
    "tools/env.sh's environment (network guard, one thread per process, the real data if it is beside the clone)"
    from runenv import suite_env  # (tools/ is on sys.path: this script's own folder)
    env = suite_env()
    env.pop('DLCOURSE_CACHE')  # each mode runs from a fresh cache of its own (run_mode)
    return env

def parse_rows(text:str, stems:set) -> dict:
    "{lesson: (seconds, status)} from `dlcourse run`'s closing table"
    rows = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] in stems and re.fullmatch(r'\d+(\.\d+)?', parts[1]):
            rows[parts[0]] = (float(parts[1]), parts[2])
    return rows

def run_mode(flags:str, lessons:list, env:dict, jobs:int, out:Path) -> tuple[dict, float, str]:
    "Run the lessons with `flags` in a fresh cache, pages to `out`; ({lesson: (seconds, status)}, wall seconds, log tail)"
    env = dict(env, IN_TEST='1', OMP_NUM_THREADS='1')
    if 'kaggle' not in flags:  # the embedded data, and the learner's view of a blank your-turn cell (its outputs may
        env.pop('DLCOURSE_DATA', None); env.pop('DLCOURSE_EXERCISES', None)  # be saved); the kaggle run checks them
    with tempfile.TemporaryDirectory() as tmp:
        env['DLCOURSE_CACHE'] = str(Path(tmp)/'cache')
        cmd = [str(ROOT/'.venv'/'bin'/'dlcourse'), 'run', *lessons, '--flags', flags.replace('default', ''),
               '--out', str(out)]
        if jobs > 1 and '-j' in subprocess.run(cmd[:2] + ['--help'], capture_output=True, text=True, env=env).stdout:
            cmd += ['-j', str(jobs)]
        t0 = time.time()
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
        wall = time.time() - t0
    log = r.stdout + r.stderr
    return parse_rows(log, {p.stem for p in (ROOT/'nbs').glob('*.ipynb')}), wall, log[-4000:]

def save_outputs(rows:dict, out:Path) -> list[str]:
    "Copy each lesson that passed from `out` back into nbs/, then nbdev-clean: the committed outputs"
    saved = [nb for nb, (_, status) in rows.items() if status == 'ok' and (out/f'{nb}.ipynb').exists()]
    for nb in saved: shutil.copy(out/f'{nb}.ipynb', ROOT/'nbs'/f'{nb}.ipynb')
    subprocess.run([str(ROOT/'.venv'/'bin'/'nbdev-clean')], cwd=ROOT, check=True)
    return saved

def report(results:dict, nbs:list, subset:bool) -> str:
    "bench/slow.md: what ran, when, and what passed"
    import platform
    ok = {m: sum(s == 'ok' for _, s in rows.values()) for m, (rows, _, _) in results.items()}
    lines = [f'Slow cells run on {time.strftime("%Y-%m-%d")} by `make slow` (tools/slow.py): '
             f'{os.cpu_count()} cores, Python {platform.python_version()}'
             + ('; **some lessons only**' if subset else '') + '.', '']
    for m, (rows, wall, _) in results.items():
        lines.append(f'- `dlcourse run --flags "{m}"` ({MODES[m]}): **{ok[m]} of {len(nbs)} lessons passed** in '
                     f'{wall:.0f} s')
    head = '| lesson | slow cells | kaggle cells | ' + ' | '.join(f'`{m}`' for m in results) + ' |'
    lines += ['', head, '|---|---:|---:|' + '---|' * len(results)]
    for nb in nbs:
        cells = [f"{s} in {t:.0f} s" if (t, s) != (None, None) else 'did not run'
                 for t, s in (rows.get(nb.stem, (None, None)) for rows, _, _ in results.values())]
        lines.append(f'| {nb.stem} | {flagged_cells(nb, "slow")} | {flagged_cells(nb, "kaggle")} | '
                     + ' | '.join(cells) + ' |')
    return '\n'.join(lines)

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('lessons', nargs='*', help="lessons to run, by name or part of it; default: all")
    ap.add_argument('--modes', nargs='+', default=['slow kaggle', 'slow'], choices=list(MODES), help='which runs')
    ap.add_argument('-j', '--jobs', type=int, default=os.cpu_count() or 1, help='lessons at a time, if the runner can')
    ap.add_argument('--out', default=str(ROOT/'bench'/'slow.md'))
    ap.add_argument('--save', action='store_true', help="copy the embedded run's executed notebooks into nbs/")
    a = ap.parse_args(argv)
    env = base_env()
    if 'slow kaggle' in a.modes and not env.get('DLCOURSE_DATA'):
        print('no real Kaggle files (DLCOURSE_DATA, or ../shared/data beside the clone): the kaggle run is skipped')
        a.modes = [m for m in a.modes if m != 'slow kaggle']
    from dlcourse.cli import lesson_notebooks
    nbs = lesson_notebooks(ROOT/'nbs', a.lessons)
    results, pages = {}, Path(tempfile.mkdtemp(prefix='dlcourse-slow-'))
    for m in a.modes:
        print(f'== dlcourse run --flags "{m}": {len(nbs)} lessons', flush=True)
        results[m] = run_mode(m, a.lessons, env, a.jobs, pages/m.replace(' ', '-'))
        rows = results[m][0]
        if a.save and m in SAVED: print(f"   outputs saved to nbs/ for {len(save_outputs(rows, pages/m))} lessons")
        bad = [nb.stem for nb in nbs if rows.get(nb.stem, (0, 'missing'))[1] != 'ok']
        print(f'   {len(nbs) - len(bad)} of {len(nbs)} passed in {results[m][1]:.0f} s' + (f'; failed: {bad}' if bad else ''))
        if bad: print(results[m][2])
    shutil.rmtree(pages, ignore_errors=True)
    if set(results) - {'default'}:  # bench/slow.md is about the slow cells
        text = report(results, nbs, bool(a.lessons))
        Path(a.out).write_text(text + '\n')
        print('\n' + text)
    failed = any(rows.get(nb.stem, (0, 'missing'))[1] != 'ok' for rows, _, _ in results.values() for nb in nbs)
    return 1 if failed or not results else 0

if __name__ == '__main__': sys.exit(main())
