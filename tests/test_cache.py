"""Generated data is written atomically: a run killed mid-write leaves only a hidden temporary folder, which is never
read as a dataset; the next call builds the dataset again, completely."""
import json, signal, subprocess, sys, time
import pandas as pd
from dlcourse.data import synth_paddy
from conftest import ROOT, fresh_env

def test_interrupted_write_is_rebuilt(cache_dir):
    # a separate process, because the test kills it mid-write
    code = 'from dlcourse.data import synth_paddy; synth_paddy(n_per_class=30, size=64, n_test=0)'
    p = subprocess.Popen([sys.executable, '-c', code], env=fresh_env(), cwd=ROOT)
    deadline = time.time() + 60
    while time.time() < deadline:  # wait until it is writing images, then kill it
        tmp = list(cache_dir.glob('.*tmp-*')) if cache_dir.exists() else []
        if tmp and any(tmp[0].rglob('*.jpg')): break
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL); p.wait()
    assert not [d for d in cache_dir.iterdir() if not d.name.startswith('.')], 'a killed run must not leave a dataset'
    ds = synth_paddy(n_per_class=30, size=64, n_test=0)
    df = pd.read_csv(ds/'train.csv')
    assert len(df) == 300 and all((ds/'train_images'/r.label/r.image_id).exists() for r in df.itertuples())
    assert json.loads((ds/'dataset.json').read_text())['n_per_class'] == 30
