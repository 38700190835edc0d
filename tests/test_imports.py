"""Importing dlcourse: every module imports, light modules stay light, and the library is pyflakes-clean.

A helper exported from a notebook that leans on a notebook global passes `nbdev-test` (the global exists in the
notebook) but fails once imported. pytest catches that without a fresh process: it imports each module itself, where
no notebook global exists, and pyflakes (below) reports the undefined name without even calling the helper. So the
only fresh process here is for what an import inside pytest cannot show: which heavy packages (torch, fastai) an
import pulls in, since pytest has loaded them already. One process imports every module in turn, light ones first.
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

@pytest.fixture(scope='module')
def probe():
    "Import every module in one fresh process, light modules first: {module: row from tools/import_probe.py}"
    light = [m for m in LIGHT if m in MODULES]
    order = [f'dlcourse.{m}' for m in light + [m for m in MODULES if m not in light]]
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'import_probe.py'), *order], capture_output=True, text=True,
                       env=fresh_env(), cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return {row['module'].split('.')[-1]: row for row in json.loads(r.stdout)}

def test_every_module_imports(probe):
    bad = {m: row['error'] for m, row in probe.items() if row['error']}
    assert not bad, '\n'.join(f'dlcourse.{m}:\n{e}' for m, e in bad.items())
    assert sorted(probe) == MODULES

def test_every_module_has_its_notebook_subtitle_as_docstring(probe):
    assert [m for m, row in probe.items() if not row['doc']] == []

@pytest.mark.parametrize('module', LIGHT)
def test_light_module_loads_no_torch_or_fastai(module, probe):
    if module not in probe: pytest.skip(f'dlcourse.{module} does not exist on this branch')
    assert not set(probe[module]['new']) & set(HEAVY), f"dlcourse.{module} imports {probe[module]['new']}"

def test_the_probe_sees_heavy_imports(probe):
    "The check above can fail: some module does load torch, and the probe blames it"
    assert any('torch' in row['new'] for row in probe.values())

def test_pyflakes_clean(capsys):
    "No undefined names (a leaked notebook global), unused imports or redefinitions in the library"
    out = Reporter(sys.stdout, sys.stderr)
    n = sum(checkPath(str(p), out) for p in sorted((ROOT/'dlcourse').glob('*.py')))
    assert n == 0, capsys.readouterr().out
