"""`make hooks` in a fresh clone (tools/install-hooks.sh): a notebook committed with execution counts and metadata
noise lands cleaned by the pre-commit hook, and git knows nbdev's merge and diff drivers for notebooks."""
import json, os, shutil, subprocess
import pytest
from conftest import ROOT

FILES = ['tools/install-hooks.sh', 'tools/hooks/pre-commit', 'pyproject.toml', '.gitattributes']

def git(*args, cwd, env=None, check=True):
    r = subprocess.run(['git', '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', *args], cwd=cwd, env=env,
                       capture_output=True, text=True, timeout=120)
    if check: assert r.returncode == 0, r.stdout + r.stderr
    return r

@pytest.fixture
def clone(tmp_path):
    "A fresh clone of this repository with this tree's hook files, sharing the project's .venv, and a private HOME"
    d = tmp_path/'clone'
    git('clone', '--quiet', '--no-hardlinks', str(ROOT), str(d), cwd=tmp_path)
    for f in FILES:  # the working tree's versions: the test checks the code as it is now, committed or not
        if (ROOT/f).exists(): (d/f).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(ROOT/f, d/f)
    os.symlink(ROOT/'.venv', d/'.venv')
    env = dict(os.environ, HOME=str(tmp_path/'home'))
    (tmp_path/'home').mkdir()
    r = subprocess.run(['bash', 'tools/install-hooks.sh'], cwd=d, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    git('add', '-A', cwd=d, env=env); git('commit', '-q', '-m', 'hooks', '--no-verify', cwd=d, env=env, check=False)
    return d, env

def noisy(nb: dict) -> dict:
    "The notebook as Jupyter saves it after a run: execution counts, cell metadata, kernel and widget metadata"
    nb = json.loads(json.dumps(nb))
    for i, c in enumerate(nb['cells']):
        c['metadata'] = dict(c.get('metadata', {}), scrolled=True, collapsed=False, execution={'iopub.status': 'ok'})
        if c['cell_type'] == 'code':
            c['execution_count'] = i + 1
            for o in c.get('outputs', []):
                if 'execution_count' in o: o['execution_count'] = i + 1
    nb['metadata'].update(language_info={'name': 'python', 'version': '3.11.7'}, toc={'number_sections': True})
    return nb

def test_commit_cleans_notebooks(clone):
    d, env = clone
    f = d/'nbs'/'08a_distributed.ipynb'  # small, with outputs
    clean = f.read_text()
    f.write_text(json.dumps(noisy(json.loads(clean)), indent=2))
    assert f.read_text() != clean
    git('add', str(f), cwd=d, env=env)
    git('commit', '-q', '-m', 'a notebook saved by Jupyter', cwd=d, env=env)
    committed = git('show', 'HEAD:nbs/08a_distributed.ipynb', cwd=d, env=env).stdout
    nb = json.loads(committed)
    assert all(c.get('execution_count') is None for c in nb['cells'] if c['cell_type'] == 'code')
    assert not any(k in c.get('metadata', {}) for c in nb['cells'] for k in ('scrolled', 'execution', 'collapsed'))
    assert 'language_info' not in nb['metadata'] and 'toc' not in nb['metadata']
    assert committed == clean, 'the hook should give exactly what nbdev-clean gives (the committed, clean notebook)'
    assert any(c.get('outputs') for c in nb['cells']), 'outputs are kept'

def test_merge_and_diff_drivers(clone):
    d, env = clone
    attrs = git('check-attr', 'merge', 'diff', '--', 'nbs/00_files.ipynb', cwd=d, env=env).stdout
    assert 'merge: jupyternotebook' in attrs and 'diff: jupyternotebook' in attrs, attrs
    driver = git('config', '--get', 'merge.jupyternotebook.driver', cwd=d, env=env).stdout
    assert 'nbdev-merge' in driver and '%A' in driver

def test_hook_refuses_a_partly_staged_notebook(clone):
    d, env = clone
    f = d/'nbs'/'00_files.ipynb'
    nb = json.loads(f.read_text())
    nb['cells'][0]['source'] = ''.join(nb['cells'][0]['source']) + '\n\nStaged line.'
    f.write_text(json.dumps(nb, indent=1)); git('add', str(f), cwd=d, env=env)
    nb['cells'][0]['source'] += '\n\nUnstaged line.'
    f.write_text(json.dumps(nb, indent=1))
    r = git('commit', '-q', '-m', 'half staged', cwd=d, env=env, check=False)
    assert r.returncode != 0 and 'not staged' in r.stderr
