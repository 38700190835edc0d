"""What `dlcourse data` writes for fast.ai's own course22 notebooks: Kaggle's exact Titanic split and ids (rebuilt from
the embedded titanic3), its gender_submission.csv, and Paddy shaped like Kaggle's (`--preset kaggle`)."""
import subprocess, sys
from pathlib import Path
import pandas as pd
import pytest
from PIL import Image
from conftest import ROOT, fresh_env

REAL = ROOT.parent/'shared'/'data'/'titanic'  # optional: the real Kaggle files, where CI has them

def _dlcourse(*args, cwd, **env):
    exe = Path(sys.executable).parent/'dlcourse'
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=600,
                          env=fresh_env(DLCOURSE_DATA='', **env))

def test_titanic_is_kaggles_split(tmp_path):
    r = _dlcourse('data', 'titanic', '--to', 'titanic', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    d = tmp_path/'titanic'
    trn, tst, sub = (pd.read_csv(d/f) for f in ('train.csv', 'test.csv', 'gender_submission.csv'))
    assert list(trn.PassengerId) == list(range(1, 892)) and list(tst.PassengerId) == list(range(892, 1310))
    assert trn.Name[0] == 'Braund, Mr. Owen Harris' and tst.Name[0] == 'Kelly, Mr. James'
    assert list(sub.columns) == ['PassengerId', 'Survived'] and list(sub.PassengerId) == list(tst.PassengerId)
    assert (sub.Survived == (tst.Sex == 'female')).all()
    assert round(trn.Survived.mean(), 4) == 0.3838  # 342 of 891 survived, as in every Kaggle notebook

@pytest.mark.skipif(not (REAL/'train.csv').exists(), reason='needs the real Kaggle files in ../shared/data/titanic')
def test_titanic_split_equals_the_real_files():
    from dlcourse.data import _embedded_titanic
    for ours, real in zip(_embedded_titanic(kaggle_split=True), (pd.read_csv(REAL/'train.csv'),
                                                                 pd.read_csv(REAL/'test.csv'))):
        assert list(ours.columns) == list(real.columns) and list(ours.PassengerId) == list(real.PassengerId)
        differ = ~(ours.eq(real) | (ours.isna() & real.isna()))
        assert differ.drop(columns='Name').sum().sum() == 0
        assert differ.Name.sum() <= 2 and (ours.Name[differ.Name] == real.Name[differ.Name].str.strip()).all()
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'titanic_kaggle_ids.py'), str(REAL), '--check'],
                       capture_output=True, text=True, env=fresh_env())
    assert r.returncode == 0 and 'the same pairs' in r.stdout, r.stdout + r.stderr

def test_kaggle_tables_have_kaggles_counts_and_ids():
    from dlcourse.data import _kaggle_tables, PADDY_COUNTS
    trn, tst = _kaggle_tables(1.0, 0)
    assert trn.label.value_counts().to_dict() == PADDY_COUNTS and len(trn) == 10407 and len(tst) == 3469
    assert sorted(trn.image_id) == [f'{i}.jpg' for i in range(100001, 110408)]
    assert list(tst.image_id) == [f'{i}.jpg' for i in range(200001, 203470)]
    assert trn.landscape.sum() == 4 and trn.image_id.iloc[0] != '100001.jpg'  # ids shuffled across the classes
    assert _kaggle_tables(1.0, 0)[0].equals(trn) and not _kaggle_tables(1.0, 1)[0].equals(trn)

@pytest.mark.costly(cpu_s=5)
def test_paddy_preset_kaggle(tmp_path):
    r = _dlcourse('data', 'paddy', '--kaggle-input', 'input', '--preset', 'kaggle', '--scale', '0.005', cwd=tmp_path,
                  DLCOURSE_CACHE=tmp_path/'cache', HF_HUB_CACHE=tmp_path/'hub')
    assert r.returncode == 0, r.stderr
    assert 'weights: tf_efficientnet_lite0' in r.stdout  # what vision_learner(dls, 'tf_efficientnet_lite0') needs
    d = tmp_path/'input'/'paddy-disease-classification'
    trn, sub = pd.read_csv(d/'train.csv'), pd.read_csv(d/'sample_submission.csv')
    # Kaggle's counts times 0.005, rounded (at least 1 image each): 337 -> 1.685 -> 2; 10,407 -> 52; 3,469 -> 17
    assert trn.label.value_counts()['bacterial_panicle_blight'] == 2 and len(trn) == 52 and len(sub) == 17
    assert trn.image_id.str.fullmatch(r'1\d{5}\.jpg').all() and sub.image_id[0] == '200001.jpg'
    sizes = pd.Series([Image.open(d/'train_images'/r.label/r.image_id).size for r in trn.itertuples()])
    assert sizes.value_counts().to_dict() == {(480, 640): 51, (640, 480): 1}  # Kaggle's 4 landscape: at least 1
    assert sorted(p.name for p in (d/'test_images').iterdir()) == list(sub.image_id)

def test_preset_options_are_checked(tmp_path):
    r = _dlcourse('data', 'titanic', '--to', 't', '--preset', 'kaggle', cwd=tmp_path)
    assert r.returncode != 0 and "only for 'paddy'" in r.stderr and 'Traceback' not in r.stderr
    r = _dlcourse('data', 'paddy', '--to', 'p', '--scale', '0.5', cwd=tmp_path)
    assert r.returncode != 0 and '--scale: only with --preset kaggle' in r.stderr
    r = _dlcourse('data', 'paddy', '--to', 'p', '--preset', 'kaggle', '--scale', '2', cwd=tmp_path)
    assert r.returncode != 0 and 'scale=2' in r.stderr
