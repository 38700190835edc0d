"""`dlcourse data NAME --to DIR`: a notebook written the course's way (look for the folder, download only if it is
missing) runs offline on the files it writes, locally and in Kaggle's `../input/<competition>/` layout."""
import json, subprocess, sys
from pathlib import Path
from conftest import fresh_env

# A stand-in for one of the course's own notebooks, in our words: find the data folder, fetch it from Kaggle only when
# it is missing, then read the CSVs. The `kaggle` package is not installed here, so a download attempt fails loudly.
STAND_IN = [
    """import os, zipfile
from pathlib import Path
import pandas as pd
on_kaggle = bool(os.environ.get('KAGGLE_KERNEL_RUN_TYPE'))
competition = 'titanic'""",
    """if on_kaggle: path = Path('../input')/competition
else:
    path = Path(competition)
    if not path.exists():
        import kaggle  # only reached without the files: needs an API key and the internet
        kaggle.api.competition_download_cli(competition)
        zipfile.ZipFile(f'{competition}.zip').extractall(path)""",
    """train = pd.read_csv(path/'train.csv')
test = pd.read_csv(path/'test.csv')
survival = train.Survived.mean()
print(f'{len(train)} passengers to learn from, {len(test)} to predict; {survival:.0%} survived')
assert {'Name', 'Sex', 'Age', 'Fare'} <= set(test.columns) and 'Survived' not in test.columns""",
]

def _notebook(folder: Path) -> Path:
    cells = [dict(cell_type='code', metadata={}, source=s, execution_count=None, outputs=[]) for s in STAND_IN]
    nb = dict(cells=cells, metadata=dict(kernelspec=dict(name='python3', display_name='Python 3', language='python')),
              nbformat=4, nbformat_minor=5)
    folder.mkdir(parents=True, exist_ok=True)
    (folder/'titanic-first-steps.ipynb').write_text(json.dumps(nb))
    return folder/'titanic-first-steps.ipynb'

def _dlcourse(*args, cwd, **env):
    exe = Path(sys.executable).parent/'dlcourse'
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300,
                          env=fresh_env(DLCOURSE_DATA='', **env))

def _run_notebook(nb: Path, **env) -> subprocess.CompletedProcess:
    "Run `nb` headless from its own folder, as a learner's Jupyter would, with the network guard on"
    code = ('import sys; from fastcore.nbio import read_nb; from execnb.shell import CaptureShell\n'
            'nb = read_nb(sys.argv[1]); sh = CaptureShell(); sh.run_all(nb, exc_stop=True)\n'
            'print("".join("".join(o.get("text", "")) for c in nb.cells for o in c.get("outputs", [])))')
    return subprocess.run([sys.executable, '-c', code, nb.name], capture_output=True, text=True, cwd=nb.parent,
                          timeout=300, env=fresh_env(DLCOURSE_DATA='', **env))

def test_stand_in_fails_without_the_files(tmp_path):
    # its own guard log: with `kaggle` installed (pip install -e .[course]) the attempt reaches the network guard
    r = _run_notebook(_notebook(tmp_path/'nb'), DLCOURSE_NETGUARD_LOG=tmp_path/'child-netguard.log')
    # it went for the download (`kaggle` is missing, or its connection is blocked): so the tests below do prove the
    # files are used
    went = "No module named 'kaggle'" in r.stderr or 'network access blocked' in r.stderr
    assert r.returncode != 0 and went, r.stderr[-2000:]

def test_titanic_to_folder_the_notebook_looks_in(tmp_path):
    nb = _notebook(tmp_path/'work')
    r = _dlcourse('data', 'titanic', '--to', 'titanic', cwd=nb.parent)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (nb.parent/'titanic').iterdir()) == ['gender_submission.csv', 'test.csv', 'train.csv']
    r = _run_notebook(nb)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    assert '891 passengers to learn from, 418 to predict' in r.stdout

def test_titanic_kaggle_input_layout(tmp_path):
    nb = _notebook(tmp_path/'working')
    r = _dlcourse('data', 'titanic', '--kaggle-input', tmp_path/'input', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path/'input'/'titanic'/'train.csv').exists()
    r = _run_notebook(nb, KAGGLE_KERNEL_RUN_TYPE='Interactive')
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    assert '891 passengers to learn from' in r.stdout

def test_refuses_non_empty_folder_unless_force(tmp_path):
    (tmp_path/'titanic').mkdir()
    (tmp_path/'titanic'/'my_notes.txt').write_text('keep me')
    r = _dlcourse('data', 'titanic', '--to', 'titanic', cwd=tmp_path)
    assert r.returncode != 0 and 'already holds files' in r.stderr and '--force' in r.stderr
    assert 'Traceback' not in r.stderr
    r = _dlcourse('data', 'titanic', '--to', 'titanic', '--force', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path/'titanic'/'my_notes.txt').read_text() == 'keep me' and (tmp_path/'titanic'/'train.csv').exists()

def test_unknown_name_lists_known_ones(tmp_path):
    r = _dlcourse('data', 'mnist', '--to', 'x', cwd=tmp_path)
    assert r.returncode != 0 and "expected one of ['titanic', 'paddy']" in r.stderr and 'Traceback' not in r.stderr
    assert not (tmp_path/'x').exists()

def test_paddy_layout(tmp_path):  # the default generated set: shared with the other tests through $DLCOURSE_CACHE
    r = _dlcourse('data', 'paddy', '--kaggle-input', tmp_path/'input', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    d = tmp_path/'input'/'paddy-disease-classification'
    assert sorted(p.name for p in d.iterdir()) == ['sample_submission.csv', 'test_images', 'train.csv', 'train_images']
    import pandas as pd
    trn, sub = pd.read_csv(d/'train.csv'), pd.read_csv(d/'sample_submission.csv')
    assert list(trn.columns) == ['image_id', 'label', 'variety', 'age'] and list(sub.columns) == ['image_id', 'label']
    assert all((d/'train_images'/r.label/r.image_id).exists() for r in trn.itertuples())
    assert sorted(p.name for p in (d/'test_images').iterdir()) == sorted(sub.image_id)
