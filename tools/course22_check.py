"""Run fast.ai's own course22 notebooks offline on the data `dlcourse data` writes; compare with their stored outputs.

Nothing is fetched here: pass the folder of a course22 checkout (https://github.com/fastai/course22, fetched by you).
The notebooks are read from there, changed in memory only (the changes are listed in CHANGES below and printed with
the results), and run one by one in a fresh Python process, from WORK/working, as Kaggle runs them
(KAGGLE_KERNEL_RUN_TYPE set, so they read ../input/<competition>), with:
- the network guard of tests/netguard on (any connection but to this machine fails) and HF_HUB_OFFLINE=1;
- `pip` replaced by a stub on PATH and PIP_NO_INDEX=1, so fastkaggle's `setup_comp(install=...)` installs nothing;
- a private DLCOURSE_CACHE and HF_HUB_CACHE under WORK (the weights `dlcourse data paddy --preset kaggle` installs).

    python tools/course22_check.py COURSE22_DIR [--work DIR] [--only 06,07] [--scale 0.25] [--prepare-only]
    python tools/course22_check.py --summary COURSE22_DIR WORK   # compare the executed notebooks again

It is not part of the test suite (it takes many minutes of CPU). For each notebook it prints what ran, the error
rates of every fastai fit (the last epoch's metrics), and, cell by cell, whether the text the notebook prints equals
what the course's stored copy printed; WORK/results-<notebook>.json keeps it all, WORK/executed/ the executed
notebooks. `--prepare-only` writes the input folders and stops (then several `--only` runs can share them).
"""
import json, os, re, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LITE = "'tf_efficientnet_lite0'"
ARCHS = ['resnet26d', 'convnext_small_in22k', 'convnext_large_in22k', 'vit_large_patch16_224',
         'swinv2_large_window12_192_22k', 'swin_large_patch4_window7_224']
_arch = [(f"'{a}'", LITE) for a in ARCHS]
# notebook file name prefix -> (what it needs from `dlcourse data`, [(old text, new text), ...] applied to every cell)
CHANGES = {
    '04': (None, []),
    '05': ('titanic', [('[indep_cols].values, dtype=torch.float)',  # pandas 3: get_dummies' bool columns make
                        '[indep_cols].astype(float).values, dtype=torch.float)'),  # .values an object array
                       ('sympy.plot("1/(1+exp(-x))"', 'sympy.plot(sympy.sympify("1/(1+exp(-x))")')]),  # sympy >= 1.13
    '06': ('titanic', []),
    '07': ('titanic', []),
    '08': ('paddy', _arch + [("Resize(480, method='squish')", "Resize(128, method='squish')"),
                             ('size=128', 'size=64'), ('learn.fine_tune(3, 0.01)', 'learn.fine_tune(1, 0.01)')]),
    '09': ('paddy', _arch + [('epochs=5', 'epochs=1'), ('epochs=12', 'epochs=1'), ('Resize(192', 'Resize(96'),
                             ('size=128', 'size=64'), ('size=(171,128)', 'size=(86,64)'),
                             ('Resize((480, 360)', 'Resize((128, 96)'), ('size=(256,192)', 'size=(86,64)')]),
    '10': ('paddy', _arch + [('epochs=12', 'epochs=1'), ('res = 640,480', 'res = 128,96'),
                             ("Resize(480, method='squish')", "Resize(128, method='squish')"),
                             ("', 128, epochs", "', 64, epochs"),
                             ("', 224, epochs", "', 64, epochs"), ("', (320,240), epochs", "', 64, epochs"),
                             ("', 192, epochs", "', 64, epochs"), ('), 224)', '), 64)'), ('), 192)', '), 64)'),
                             ('), (320,224))', '), (86,64))'), ('size=224', 'size=64'),
                             ('print(torch.cuda.list_gpu_processes())',  # NVML fails where there is no NVIDIA driver
                              "print(torch.cuda.list_gpu_processes() if torch.cuda.is_available() else 'no GPU')")]),
}
# every notebook: `!pip ...` lines become `pass`; a first cell records each fit's last metrics (fastai's Learner.fit
# wrapped, nothing else changed); a last cell prints them
_RECORD = '''import fastai.learner as _dlc_fl
_dlc_fits, _dlc_fit0 = [], _dlc_fl.Learner.fit
def _dlc_fit(self, *args, **kwargs):
    res = _dlc_fit0(self, *args, **kwargs)
    if self.recorder.values: _dlc_fits.append([round(float(v), 4) for v in self.recorder.values[-1]])
    return res
_dlc_fl.Learner.fit = _dlc_fit'''
_REPORT = "print('DLCOURSE_FITS', _dlc_fits)"

def _text(outputs) -> str:
    "The text a cell printed or returned (streams and text/plain), without object addresses"
    t = ''.join(''.join(o.get('text', '')) if o.get('output_type') == 'stream'
                else ''.join(o.get('data', {}).get('text/plain', '')) for o in outputs
                if o.get('output_type') in ('stream', 'execute_result'))
    return re.sub(r' at 0x[0-9a-f]+', '', t).strip()

def _norm(t:str) -> str:
    "`t` without what only library versions change: NumPy 2's `np.float64(x)` reprs, pandas 3's `str` dtype, spacing"
    t = re.sub(r'np\.(?:float|int|uint|bool_|str_)\d*\(([^()]*)\)', r'\1', t)
    return ' '.join(t.replace(', str)', ', object)').split())

def _changed(nb:dict, prefix:str) -> tuple[dict, list]:
    "The notebook with CHANGES applied, and which (old, new) pairs were used in which cells"
    used = []
    for i, c in enumerate(nb['cells']):
        if c['cell_type'] != 'code': continue
        src = ''.join(c['source'])
        for old, new in CHANGES[prefix][1]:
            if old in src: src = src.replace(old, new); used.append((i, old, new))
        lines = [re.sub(r'^(\s*)!pip\b.*$', r'\1pass  # !pip removed', l) for l in src.split('\n')]
        if lines != src.split('\n'): used.append((i, '!pip ...', 'pass'))
        c['source'] = '\n'.join(lines)
    cell = lambda s: dict(cell_type='code', source=s, metadata={}, outputs=[], execution_count=None)
    nb['cells'] = [cell(_RECORD)] + nb['cells'] + [cell(_REPORT)]
    return nb, used

def run_one(src:str, dest:str) -> int:
    "In this (fresh) process: run notebook `src` (already changed) from the current folder, save it to `dest`"
    from execnb.shell import CaptureShell
    from fastcore.nbio import read_nb, write_nb
    nb = read_nb(src)
    sh = CaptureShell()
    err = 0
    try: sh.run_all(nb, exc_stop=True)
    except BaseException as e:
        err = 1
        print(sh.prettytb(fname=Path(src).name) if getattr(sh, 'exc', None) else repr(e), file=sys.stderr)
    for c in nb.cells: c.get('metadata', {}).pop('execution', None)
    write_nb(nb, dest)
    print('DLCOURSE_FITS', sh.user_ns.get('_dlc_fits'))  # also when a cell failed: the fits before it
    return err

def _env(work:Path) -> dict:
    "The environment of every child: offline, guarded, Kaggle-like, no pip"
    stub = work/'bin'; stub.mkdir(parents=True, exist_ok=True)
    (stub/'pip').write_text('#!/bin/sh\necho "pip disabled by tools/course22_check.py: $*"\n')
    (stub/'pip').chmod(0o755)
    return dict(os.environ, KAGGLE_KERNEL_RUN_TYPE='Interactive', HF_HUB_OFFLINE='1', PIP_NO_INDEX='1',
                PATH=f"{stub}{os.pathsep}{os.environ['PATH']}", DLCOURSE_CACHE=str(work/'cache'),
                HF_HUB_CACHE=str(work/'hub'), DLCOURSE_NETGUARD_LOG=str(work/'netguard.log'), DLCOURSE_DATA='',
                PYTHONPATH=os.pathsep.join([str(ROOT/'tests'/'netguard'), str(ROOT)]), MPLBACKEND='agg',
                OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS', '1'))  # one thread: kind to a shared machine

def _prepare(work:Path, needs:set, scale:float, env:dict):
    "Write the input folders with `dlcourse data` only"
    exe = [sys.executable, '-c', 'import sys; from dlcourse.cli import _console; sys.argv[0] = "dlcourse"; _console()']
    for name in sorted(needs - {None}):
        if (work/'input'/{'titanic': 'titanic', 'paddy': 'paddy-disease-classification'}[name]).exists(): continue
        args = ['data', name, '--kaggle-input', str(work/'input')]
        if name == 'paddy': args += ['--preset', 'kaggle', '--scale', str(scale)]
        t0 = time.time()
        r = subprocess.run(exe + args, env=env, capture_output=True, text=True)
        print(f"dlcourse {' '.join(args[:2])}: {r.stdout.strip().splitlines()[-1:] or r.stderr[-500:]} "
              f"({time.time() - t0:.0f}s)")
        if r.returncode: raise SystemExit(r.stderr[-3000:])

def _compare(stored:dict, ran:dict) -> list:
    "Per code cell of the course's notebook: (index, stored text, our text) where the stored copy printed something"
    ours = [c for c in ran['cells'] if c['cell_type'] == 'code'][1:-1]  # without the record and report cells
    theirs = [c for c in stored['cells'] if c['cell_type'] == 'code']
    return [(i, _norm(_text(a.get('outputs', []))), _norm(_text(b.get('outputs', []))))
            for i, (a, b) in enumerate(zip(theirs, ours)) if _text(a.get('outputs', []))]

def summary(course:Path, work:Path):
    "Compare again every notebook executed in `work` with the stored copy in `course` (no running)"
    for dest in sorted((work/'executed').glob('[0-9]*.ipynb')):
        cmp = _compare(json.loads((course/dest.name).read_text()), json.loads(dest.read_text()))
        print(f"{dest.stem}: printed outputs equal to the course's (up to NumPy/pandas reprs): "
              f"{sum(a == b for _, a, b in cmp)} of {len(cmp)}")
        for i, a, b in cmp:
            if a != b: print(f'  code cell {i}: course {a[:150]!r}\n{" " * len(str(i))}           ours   {b[:150]!r}')

def main(argv):
    if argv[:1] == ['--one']: return run_one(argv[1], argv[2])
    if argv[:1] == ['--summary']: return summary(Path(argv[1]), Path(argv[2]))
    course = Path(argv[0]).expanduser().resolve()
    rest = [a for a in argv[1:] if a != '--prepare-only']
    opt = dict(zip(rest[::2], rest[1::2]))
    work = Path(opt.get('--work', '/tmp/course22-check')).resolve()
    only = opt.get('--only', ','.join(CHANGES)).split(',')
    env = _env(work)
    nbs = {p: next(course.glob(f'{p}-*.ipynb')) for p in only}
    _prepare(work, {CHANGES[p][0] for p in only}, float(opt.get('--scale', 0.25)), env)
    if '--prepare-only' in argv: return 0
    (work/'working').mkdir(exist_ok=True); (work/'executed').mkdir(exist_ok=True)
    for p, src in nbs.items():
        stored = json.loads(src.read_text())
        nb, used = _changed(json.loads(src.read_text()), p)
        changed = work/'executed'/f'in-{src.name}'
        changed.write_text(json.dumps(nb))
        dest, t0 = work/'executed'/src.name, time.time()
        r = subprocess.run([sys.executable, __file__, '--one', str(changed), str(dest)], cwd=work/'working', env=env,
                           capture_output=True, text=True)
        ran = json.loads(dest.read_text())
        fits = [l.split(' ', 1)[1] for l in r.stdout.splitlines() if l.startswith('DLCOURSE_FITS')]
        cmp = _compare(stored, ran)
        res = dict(ok=r.returncode == 0, seconds=round(time.time() - t0), changes=used, fits=fits,
                   same=sum(a == b for _, a, b in cmp), differ=[(i, a[:300], b[:300]) for i, a, b in cmp if a != b],
                   error=r.stderr[-3000:] if r.returncode else '')
        (work/f'results-{src.stem}.json').write_text(json.dumps(res, indent=1))  # one file each: runs can overlap
        print(f"{src.stem}: {'ran to the end' if res['ok'] else 'FAILED'} in {res['seconds']}s; fits: {fits}; "
              f"printed outputs equal to the course's: {res['same']} of {len(cmp)}")
        if res['error']: print(res['error'][-1500:])
    log = work/'netguard.log'
    print('network attempts:', log.read_text().count('\n') if log.exists() else 0)
    return 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
