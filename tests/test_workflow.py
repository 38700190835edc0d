"""The GitHub workflow: it runs the README's test command (the same `make test` as .ci/run, not a second definition of
the suite), and it passes actionlint and zizmor, both run offline from the dev tools in .venv. Each linter is also shown
a broken workflow, so a check that could not fail would be caught."""
import shutil, subprocess, sys
from pathlib import Path
import pytest, yaml
from conftest import ROOT

WORKFLOWS = ROOT/'.github'/'workflows'
BIN = Path(sys.executable).parent

def tool(name) -> str:
    p = BIN/name if (BIN/name).exists() else shutil.which(name)
    assert p, f"{name} not found: it is a dev dependency in pyproject.toml (pip install -e '.[dev]')"
    return str(p)

def run(*cmd, cwd=ROOT):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, cwd=cwd, timeout=120)

def workflow_files() -> list[Path]:
    fs = sorted(WORKFLOWS.glob('*.y*ml'))
    assert fs, 'no workflow in .github/workflows'
    return fs

def test_workflow_runs_make_test_like_ci():
    wf = yaml.safe_load((WORKFLOWS/'test.yml').read_text())
    on = wf.get('on', wf.get(True))  # YAML 1.1 reads a bare `on` key as True
    assert 'push' in on and 'pull_request' in on
    steps = [s for job in wf['jobs'].values() for s in job['steps']]
    runs = [s['run'].strip() for s in steps if 'run' in s]
    assert 'make test' in runs, runs
    assert 'exec make test' in (ROOT/'.ci'/'run').read_text()
    assert all(job['runs-on'].startswith('ubuntu') for job in wf['jobs'].values())
    assert any('chromium' in r for r in runs), 'the browser tests need Chromium from apt'
    assert any(s.get('with', {}).get('cache') == 'pip' for s in steps), 'pip cache'

def test_actionlint_passes():
    r = run(tool('actionlint'), '-no-color', *workflow_files())
    assert r.returncode == 0, r.stdout + r.stderr

def test_zizmor_passes():
    r = run(tool('zizmor'), '--offline', '--no-progress', WORKFLOWS)
    assert r.returncode == 0, r.stdout + r.stderr

BAD = """name: bad
on: [push]
jobs:
  t:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.head_commit.message }}"
      - run: echo ${{ matrix.nope }}
"""

@pytest.mark.parametrize('name', ['actionlint', 'zizmor'])
def test_linters_catch_a_bad_workflow(tmp_path, name):
    d = tmp_path/'.github'/'workflows'; d.mkdir(parents=True)
    (d/'bad.yml').write_text(BAD)
    args = ['-no-color', d/'bad.yml'] if name == 'actionlint' else ['--offline', '--no-progress', d]
    r = run(tool(name), *args, cwd=tmp_path)
    assert r.returncode != 0, f'{name} passed a broken workflow:\n{r.stdout}{r.stderr}'
