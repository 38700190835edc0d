"""ImageNet weights with no network: a fresh process with empty caches gets the ImageNet EfficientNet-Lite0 through
`create_timm_model` (installed in the Hugging Face cache, where timm looks) and names a photo with `dlcourse.vision`;
a damaged cached file is rebuilt."""
import subprocess, sys, time
import pytest, torch
from conftest import ROOT, fresh_env

CHINA_TOP1 = 698  # ImageNet's 'palace': what the model sees in scikit-learn's china.jpg

def _fresh_lite0_check():
    "Run in a child process: offline, empty cache; the model has the shipped weights and names the photo"
    import numpy as np
    from PIL import Image
    import importlib.util
    from pathlib import Path
    from timm.data import resolve_data_config, create_transform
    from dlcourse.device import create_timm_model, shipped_weights, hub_reachable
    from dlcourse.vision import image_tensor, top_k_names
    assert not hub_reachable()
    m = create_timm_model('tf_efficientnet_lite0', pretrained=True).eval()
    src = torch.load(shipped_weights('tf_efficientnet_lite0'), weights_only=True)
    assert torch.equal(m.classifier.bias, src['_fc.bias']) and torch.equal(m.conv_stem.weight, src['_conv_stem.weight'])
    tfm = create_transform(**resolve_data_config({}, model=m))  # timm's own preprocessing, the model's own stats
    # the photo from scikit-learn's package folder, as `load_sample_images` reads it (importing sklearn costs 2 s)
    sk = Path(importlib.util.find_spec('sklearn').submodule_search_locations[0])
    china = Image.open(sk/'datasets'/'images'/'china.jpg').convert('RGB')
    with torch.no_grad(): top = int(m(tfm(china)[None]).argmax())
    assert top == CHINA_TOP1, top
    x = image_tensor(np.asarray(china), m)  # our preprocessing: the same tensor as timm's, the same answer
    assert torch.allclose(x[0], tfm(china), atol=1e-6)
    assert top_k_names(m, x, k=1)[0][0][0] == 'palace'
    assert m.training is False
    import sys
    assert 'fastai' not in sys.modules, 'dlcourse.vision imports fastai only inside paddy_vision_learner'

@pytest.mark.costly(cpu_s=5)
def test_fresh_process_offline_gets_imagenet_lite0(cache_dir):
    t0 = time.time()
    env = fresh_env(DLCOURSE_CACHE=cache_dir, HF_HUB_CACHE=cache_dir/'hub')
    env['PYTHONPATH'] += f':{ROOT/"tests"}'
    r = subprocess.run([sys.executable, '-c', 'import test_pretrained as t; t._fresh_lite0_check()'],
                       capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    assert 'network access' not in r.stderr
    repo = cache_dir/'hub'/'models--timm--tf_efficientnet_lite0.in1k'  # installed where timm's own loading looks
    assert [p.name for p in (repo/'blobs').iterdir()] == [(repo/'snapshots').glob('*/model.safetensors').__next__()
                                                          .resolve().name]
    assert time.time() - t0 < 60

def test_corrupt_cached_weights_are_rebuilt(cache_dir):
    from dlcourse.device import converted_weights, cached_file_ok
    fn = converted_weights('tf_efficientnet_lite0')
    good = fn.read_bytes()
    fn.write_bytes(good[:1000])  # truncated, as a killed copy would leave it
    assert not cached_file_ok(fn)
    assert converted_weights('tf_efficientnet_lite0') == fn and fn.read_bytes() == good
    fn.write_bytes(b'\0' * len(good))  # the right size, wrong bytes
    assert converted_weights('tf_efficientnet_lite0') == fn and fn.read_bytes() == good
    (fn.parent/f'{fn.name}.json').write_text('{not json')
    assert converted_weights('tf_efficientnet_lite0') == fn and cached_file_ok(fn)
    assert torch.load(fn, weights_only=True)['classifier.weight'].shape == (1000, 1280)
