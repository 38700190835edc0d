"""The course runner as a learner uses it: the `dlcourse` console script on real lesson notebooks."""
import os, shutil, subprocess, sys
from pathlib import Path
from conftest import ROOT, fresh_env

def dlcourse_cmd(*args, cwd=ROOT, **env):
    exe = Path(sys.executable).parent/'dlcourse'
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=cwd, env=fresh_env(**env), timeout=600)

def test_run_writes_html_and_table(tmp_path):
    out = tmp_path/'site'
    r = dlcourse_cmd('run', '00b_basics', '--out', str(out), DLCOURSE_CACHE=tmp_path/'cache')
    assert r.returncode == 0, r.stdout + r.stderr
    assert (out/'00b_basics.html').exists() and (out/'00b_basics.ipynb').exists()
    assert 'lesson' in r.stdout and '00b_basics' in r.stdout and '1 passed, 0 failed' in r.stdout
    assert 'bootstrap' in (out/'00b_basics.html').read_text()

def test_run_fails_on_a_failing_lesson(tmp_path):
    nbs = tmp_path/'nbs'; nbs.mkdir()
    shutil.copy(ROOT/'pyproject.toml', tmp_path/'pyproject.toml')
    (nbs/'01_broken.ipynb').write_text('{"cells": [{"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [], '
        '"source": "raise ValueError(\\"broken lesson\\")"}], "metadata": {"kernelspec": {"display_name": "python3", '
        '"language": "python", "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}')
    r = dlcourse_cmd('run', '--out', str(tmp_path/'site'), cwd=tmp_path)
    assert r.returncode == 1
    assert 'FAILED' in r.stdout and 'broken lesson' in r.stdout + r.stderr
    assert (tmp_path/'site'/'01_broken.html').exists()  # the page shows the error

def test_data_command(tmp_path):
    r = dlcourse_cmd('data', DLCOURSE_CACHE=tmp_path/'cache', DLCOURSE_DATA='')
    assert r.returncode == 0, r.stderr
    for name in ('titanic train', 'titanic test', 'weather', 'paddy', 'embedded', 'checksum'): assert name in r.stdout
