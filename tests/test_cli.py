"""The course runner: the `dlcourse` console script on a real lesson and a failing one, and the data report."""
import shutil, subprocess, sys
from pathlib import Path
import nbformat, pytest
from nbformat.v4 import new_notebook, new_code_cell
from dlcourse.cli import main
from conftest import ROOT, fresh_env

@pytest.mark.costly(cpu_s=7)
def test_run_a_lesson_and_a_failing_one(tmp_path):
    "As a learner types it: each lesson gets its executed notebook and page; a failing one is reported, exit code 1"
    nbs, out = tmp_path/'nbs', tmp_path/'site'
    nbs.mkdir()
    shutil.copy(ROOT/'pyproject.toml', tmp_path/'pyproject.toml')  # the project's test flags
    shutil.copy(ROOT/'nbs'/'00b_basics.ipynb', nbs)
    nb = new_notebook(cells=[new_code_cell('raise ValueError("broken lesson")')],
                      metadata=dict(kernelspec=dict(name='python3', display_name='python3', language='python')))
    nbformat.write(nb, nbs/'01_broken.ipynb')
    r = subprocess.run([str(Path(sys.executable).parent/'dlcourse'), 'run', '00b_basics', 'broken', '--out', str(out)],
                       capture_output=True, text=True, cwd=tmp_path, timeout=600,
                       env=fresh_env(DLCOURSE_CACHE=tmp_path/'cache', DLCOURSE_DATA=''))
    assert r.returncode == 1, r.stdout + r.stderr
    assert '1 passed, 1 failed' in r.stdout and 'FAILED' in r.stdout and 'broken lesson' in r.stdout + r.stderr
    for name in ('00b_basics', '01_broken'): assert (out/f'{name}.html').exists() and (out/f'{name}.ipynb').exists()
    assert 'bootstrap' in (out/'00b_basics.html').read_text()
    assert 'broken lesson' in (out/'01_broken.html').read_text()  # the page shows the error

def test_run_asks_torch_only_for_cuda_cells():
    "Which cells `dlcourse run` skips is known without importing torch (~2 s) when no lesson to run has a cuda cell"
    nbs = [str(ROOT/'nbs'/'00b_basics.ipynb'), str(ROOT/'nbs'/'00_files.ipynb')]
    code = (f'import sys; from dlcourse.cli import skip_flags; s = skip_flags(root={str(ROOT)!r}, nbs={nbs!r}); '
            "print('cuda' in s, 'torch' in sys.modules)")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120, env=fresh_env())
    assert r.stdout.split() == ['True', 'False'], r.stdout + r.stderr

def test_data_command(monkeypatch, capsys):
    # the suite's own cache (tools/test.sh gives one to nbdev-test and pytest): the lessons have built the data already
    monkeypatch.setenv('DLCOURSE_DATA', '')
    assert main(['data']) == 0
    out = capsys.readouterr().out
    for name in ('titanic train', 'titanic test', 'weather', 'paddy', 'embedded', 'checksum'): assert name in out
