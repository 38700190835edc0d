"""Issue 19, class 4 (the app's items): no silent wrong result. `export_model` records the statistics and the
transform the model itself declares (timm's `pretrained_cfg`: mean, std, input size, crop, interpolation), and the app
prepares an image through the same function as the notebook (`dlcourse.vision.image_tensor`): on real photos and on
the generated leaves, the notebook's path and the app's path give the same answer."""
import importlib.util
from pathlib import Path
import numpy as np, pytest, torch

def _photos() -> list:
    "Real photos shipped by scikit-learn (not square: the crop matters), and generated leaves"
    from dlcourse.synth import synth_paddy
    sk = Path(importlib.util.find_spec('sklearn').submodule_search_locations[0])/'datasets'/'images'
    leaves = synth_paddy(n_per_class=1, size=64, n_test=0)
    return [sk/'china.jpg', sk/'flower.jpg'] + sorted(leaves.glob('train_images/*/*.jpg'))[:4]

@pytest.fixture(scope='module')
def lite0():
    from dlcourse.device import create_timm_model
    return create_timm_model('tf_efficientnet_lite0', pretrained=True).eval()

@pytest.mark.costly(cpu_s=15)
def test_notebook_and_app_agree(lite0, tmp_path, cache_dir):
    "Same top-1 and same probabilities: `image_tensor` + the model, against `export_model` + `load_model`"
    from dlcourse.vision import image_tensor
    from dlcourse.app import export_model, load_model
    names = [f'class{i}' for i in range(1000)]
    size = lite0.pretrained_cfg['input_size'][-1]
    clf = load_model(export_model(lite0, tmp_path/'m', 'tf_efficientnet_lite0', names, size=size))
    for f in _photos():
        with torch.no_grad(): p = lite0(image_tensor(f, lite0)).softmax(1)[0]
        app = clf.probs(f)
        assert next(iter(app)) == names[int(p.argmax())], f.name
        assert torch.allclose(torch.tensor([app[n] for n in names]), p, atol=1e-5), f.name

def test_export_takes_stats_and_transform_from_the_model(lite0, tmp_path):
    "Without `stats=`, the model's own: 0.5/0.5 for EfficientNet-Lite, its crop and interpolation too"
    import json
    from dlcourse.app import export_model
    cfg = lite0.pretrained_cfg
    d = export_model(lite0, tmp_path/'m', 'tf_efficientnet_lite0', [str(i) for i in range(1000)], size=96)
    meta = json.loads((d/'model.json').read_text())
    assert meta['mean'] == list(cfg['mean']) and meta['std'] == list(cfg['std'])
    assert meta['crop_pct'] == cfg['crop_pct'] and meta['interpolation'] == cfg['interpolation']
    assert meta['size'] == 96

def test_one_preprocessing_function(lite0, tmp_path):
    "The app's `Classifier.tensor` is `image_tensor` with the saved settings: equal tensors, at another size too"
    from dlcourse.vision import image_tensor
    from dlcourse.app import export_model, load_model
    clf = load_model(export_model(lite0, tmp_path/'m', 'tf_efficientnet_lite0', [str(i) for i in range(1000)],
                                  size=96))
    for f in _photos()[:3]:
        assert torch.equal(clf.tensor(f), image_tensor(f, lite0, size=96))

def test_a_model_without_pretrained_cfg_needs_its_size(tmp_path):
    """A model that declares nothing (the lesson's small CNN): ImageNet's statistics as `images_to_tensor` uses them,
    no crop; and its size must be given"""
    import json
    from dlcourse.app import build_model, export_model
    from dlcourse.training import IMAGENET_STATS
    m = build_model('simple_cnn', 2)
    with pytest.raises(ValueError, match='size'): export_model(m, tmp_path/'a', 'simple_cnn', ['a', 'b'])
    meta = json.loads((export_model(m, tmp_path/'b', 'simple_cnn', ['a', 'b'], size=64)/'model.json').read_text())
    assert (meta['mean'], meta['std']) == tuple(list(s) for s in IMAGENET_STATS) and meta['crop_pct'] == 1.0
