"""The course runner: the `dlcourse` console script on a real lesson, a failing lesson, and the data report."""
import shutil, subprocess, sys
from pathlib import Path
import nbformat
from nbformat.v4 import new_notebook, new_code_cell
from dlcourse.cli import main
from conftest import ROOT, fresh_env

def test_console_script_runs_a_lesson(tmp_path):
    "As a learner types it: `dlcourse run 00b_basics` writes the executed notebook, its page, and the table"
    out = tmp_path/'site'
    r = subprocess.run([str(Path(sys.executable).parent/'dlcourse'), 'run', '00b_basics', '--out', str(out)],
                       capture_output=True, text=True, cwd=ROOT, timeout=600,
                       env=fresh_env(DLCOURSE_CACHE=tmp_path/'cache', DLCOURSE_DATA=''))
    assert r.returncode == 0, r.stdout + r.stderr
    assert (out/'00b_basics.html').exists() and (out/'00b_basics.ipynb').exists()
    assert 'lesson' in r.stdout and '00b_basics' in r.stdout and '1 passed, 0 failed' in r.stdout
    assert 'bootstrap' in (out/'00b_basics.html').read_text()

def test_run_fails_on_a_failing_lesson(tmp_path, monkeypatch, capsys):
    (tmp_path/'nbs').mkdir()
    shutil.copy(ROOT/'pyproject.toml', tmp_path/'pyproject.toml')
    nb = new_notebook(cells=[new_code_cell('raise ValueError("broken lesson")')],
                      metadata=dict(kernelspec=dict(name='python3', display_name='python3', language='python')))
    nbformat.write(nb, tmp_path/'nbs'/'01_broken.ipynb')
    monkeypatch.chdir(tmp_path)
    assert main(['run', '--out', str(tmp_path/'site')]) == 1
    out = capsys.readouterr()
    assert 'FAILED' in out.out and 'broken lesson' in out.out + out.err
    assert (tmp_path/'site'/'01_broken.html').exists()  # the page shows the error

def test_data_command(cache_dir, capsys):
    assert main(['data']) == 0
    out = capsys.readouterr().out
    for name in ('titanic train', 'titanic test', 'weather', 'paddy', 'embedded', 'checksum'): assert name in out
