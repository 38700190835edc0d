"""Importing dlcourse: every module imports, light modules stay light, and the library is pyflakes-clean.

A helper exported from a notebook that leans on a notebook global passes `nbdev-test` (the global exists in the
notebook) but fails once imported. Catching that needs no fresh process: a notebook's globals never exist in a module
that pytest imports, so any test calling the helper fails, and pyflakes (below) reports the undefined name without
calling anything. The one fresh process here is for what an import inside pytest cannot show, since pytest has loaded
torch already: which heavy packages (torch, fastai) each import pulls in. It imports every module in turn, the light
ones first, and records what each one added to `sys.modules`.
"""
import json, subprocess, sys
import pytest
from pyflakes.api import checkPath
from pyflakes.reporter import Reporter
from conftest import ROOT, fresh_env

MODULES = sorted(p.stem for p in (ROOT/'dlcourse').glob('*.py') if not p.stem.startswith('_'))
# Modules a learner imports for tabular work: they promise not to load torch or fastai (a second or more each).
LIGHT = ['checks', 'cli', 'data', 'dates', 'models', 'stats', 'tabular', 'titanic']
HEAVY = ('torch', 'fastai')

def probe() -> dict:
    "Import every module in one fresh process, light modules first: {module: row from tools/import_probe.py}"
    light = [m for m in LIGHT if m in MODULES]
    order = [f'dlcourse.{m}' for m in light + [m for m in MODULES if m not in light]]
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'import_probe.py'), *order], capture_output=True, text=True,
                       env=fresh_env(), cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return {row['module'].split('.')[-1]: row for row in json.loads(r.stdout)}

def preload_of(module, tmp_path) -> set:
    "What the course runner's launcher would import for a lesson that imports dlcourse.`module` (`lesson_preload`)"
    from dlcourse.cli import lesson_preload
    nb = tmp_path/f'{module}.ipynb'
    cell = dict(cell_type='code', metadata={}, source=f'from dlcourse.{module} import *', outputs=[], execution_count=None)
    nb.write_text(json.dumps(dict(cells=[cell], metadata={}, nbformat=4, nbformat_minor=5)))
    return set(lesson_preload([nb]))

@pytest.mark.costly(cpu_s=5)
def test_fresh_imports(tmp_path):
    "One test, so that one process does all the importing (pytest-xdist would run a shared fixture once per worker)"
    rows = probe()
    assert sorted(rows) == MODULES
    bad = {m: row['error'] for m, row in rows.items() if row['error']}
    assert not bad, '\n'.join(f'dlcourse.{m}:\n{e}' for m, e in bad.items())
    assert [m for m, row in rows.items() if not row['doc']] == [], 'a module lacks its notebook subtitle as docstring'
    heavy = {m: sorted(set(rows[m]['new']) & set(HEAVY)) for m in LIGHT if m in rows}
    heavy = {m: h for m, h in heavy.items() if h}
    assert not heavy, f'light modules that load torch or fastai: {heavy}'
    # the check can fail: some module does load torch, and the probe blames it
    assert any('torch' in row['new'] for row in rows.values())
    # the runner's launcher (dlcourse.cli.lesson_preload) reads imports from the source; the real import is its oracle:
    # a library a module's import loaded first must be preloaded for a lesson importing that module, and a light
    # module's lesson gets nothing heavy
    from dlcourse.cli import PRELOAD
    missed = {m: sorted(set(row['new']) & set(PRELOAD) - preload_of(m, tmp_path)) for m, row in rows.items()}
    assert not {m: v for m, v in missed.items() if v}, missed
    assert {m: sorted(preload_of(m, tmp_path) & set(HEAVY)) for m in LIGHT} == {m: [] for m in LIGHT}

def test_pyflakes_clean(capsys):
    "No undefined names (a leaked notebook global), unused imports or redefinitions in the library"
    out = Reporter(sys.stdout, sys.stderr)
    n = sum(checkPath(str(p), out) for p in sorted((ROOT/'dlcourse').glob('*.py')))
    assert n == 0, capsys.readouterr().out
