"""timm's own loading finds the shipped ImageNet weights offline, once `dlcourse weights` has put them in the Hugging
Face cache: `timm.create_model(arch, pretrained=True)` (what fastai's `vision_learner` calls) gives exactly the
converted weights, and a tiny fine-tune from them beats chance clearly. Without them, the same call fails."""
import subprocess, sys
from pathlib import Path
import pytest
from conftest import fresh_env

def _py(code:str, hub:Path, *args, **env) -> subprocess.CompletedProcess:
    "Run `code` in a fresh, network-guarded, offline process whose Hugging Face cache is `hub`"
    return subprocess.run([sys.executable, '-c', code, *map(str, args)], capture_output=True, text=True, timeout=600,
                          env=fresh_env(HF_HUB_CACHE=hub, OMP_NUM_THREADS=1, **env))

# One fresh process checks it all: timm finds nothing in an empty cache; `dlcourse weights` (its `main`, as the console
# script calls it) fills $HF_HUB_CACHE; timm finds the shipped weights there, exactly; `dlcourse weights` run again
# leaves them as they are (by their SHA-256). timm reads the cache from disk at each call: that `dlcourse weights` ran
# in this process and not in another changes nothing for it.
SAME_WEIGHTS = '''
import contextlib, io, os, sys, torch, timm
from pathlib import Path
try: timm.create_model("tf_efficientnet_lite0", pretrained=True, cache_dir=sys.argv[1])  # an empty cache
except Exception as e: print('empty', type(e).__name__)
from dlcourse.cli import main
def weights() -> str:
    "`dlcourse weights`: what it printed"
    with contextlib.redirect_stdout(io.StringIO()) as out: assert main(['weights']) == 0
    return out.getvalue()
hub = Path(os.environ['HF_HUB_CACHE'])
said = weights()
print('installed', said.count('weights: tf_efficientnet_lite'), str(hub) in said)
from dlcourse.device import SHIPPED_WEIGHTS, shipped_weights, convert_lite_weights
for arch in SHIPPED_WEIGHTS:
    got = timm.create_model(arch, pretrained=True).state_dict()  # timm's own path: the Hugging Face cache
    ref = convert_lite_weights(torch.load(shipped_weights(arch), weights_only=True), timm.create_model(arch))
    assert sorted(got) == sorted(ref) and all(torch.equal(got[k], ref[k]) for k in ref), arch
    print(arch, 'ok')
blobs = {p.name: p.stat().st_mtime_ns for p in hub.glob('*/blobs/*')}
weights()  # again: checked by their SHA-256, left as they are
print('again', 'untouched' if {p.name: p.stat().st_mtime_ns for p in hub.glob('*/blobs/*')} == blobs else 'rewritten')
'''

FINE_TUNE = '''
from fastai.vision.all import ImageDataLoaders, vision_learner, error_rate, Resize, set_seed
from dlcourse.synth import synth_paddy
set_seed(0)
path = synth_paddy(n_per_class=16, size=64, n_test=0, progress=False)
dls = ImageDataLoaders.from_folder(path/'train_images', valid_pct=0.25, seed=42, item_tfms=Resize(64), bs=16,
                                   num_workers=0)
learn = vision_learner(dls, 'tf_efficientnet_lite0', metrics=error_rate)  # fastai -> timm -> the HF cache
with learn.no_bar(), learn.no_logging(): learn.fine_tune(1, 0.01)  # error 0.575-0.6 over seeds 0-2
with learn.no_bar(): print('error', float(learn.validate()[1]))
'''

# One fresh process for both (its imports paid once): timm's own path, then fastai's `vision_learner` on top of it
@pytest.mark.costly(cpu_s=14)  # measured: imports ~6, the three weights ~2, the fine-tune ~3
def test_timm_and_fastai_find_shipped_weights_after_dlcourse_weights(tmp_path):
    hub, empty = tmp_path/'hub', tmp_path/'empty'
    r = _py(SAME_WEIGHTS + FINE_TUNE, hub, empty, DLCOURSE_CACHE=tmp_path/'cache')
    assert r.returncode == 0, r.stderr[-3000:]
    out = r.stdout.split()
    assert out[:-2] == ['empty', 'LocalEntryNotFoundError', 'installed', '3', 'True', 'tf_efficientnet_lite0', 'ok',
                        'tf_efficientnet_lite1', 'ok', 'tf_efficientnet_lite2', 'ok', 'again', 'untouched'], out
    assert len(list(hub.glob('*/blobs/*'))) == 3
    # fastai's learner fine-tuned from those weights: 10 classes, so chance is an error rate of 0.9; below 0.7 is at
    # least 12 of the 40 right, which guessing does with a probability of 3e-4 (binomial, n=40, p=0.1)
    assert out[-2] == 'error' and float(out[-1]) < 0.7, out[-2:]
