"""What the shared training loop promises on a learner's own data (issue 11): flips only for image batches, the
caller's random numbers and model modes untouched, NumPy integers taken as integers, no one-row batch under
BatchNorm, labels and rates checked, and a progress bar that can be turned off. Each test failed before the fix."""
import subprocess, sys
import numpy as np
import pytest
import torch
from conftest import ROOT, fresh_env
from dlcourse.transfer import fit_tensors, predict_tensors, discriminative_lrs, few_shot_split  # the old home
from dlcourse.training import simple_cnn

def _lin(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Linear(5, 3)

def _flat(n=30):
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, 5, generator=g), torch.arange(n) % 3

def test_flat_inputs_are_not_flipped():
    (x, y), a, b = _flat(), _lin(), _lin()
    assert fit_tensors(a, x, y, epochs=2, bs=8) == fit_tensors(b, x, y, epochs=2, bs=8, flip=False)
    assert all(torch.equal(pa, pb) for pa, pb in zip(a.parameters(), b.parameters()))

def test_flip_true_needs_image_batches():
    x, y = _flat()
    with pytest.raises(ValueError, match='flip=True'): fit_tensors(_lin(), x, y, flip=True)

def test_global_rng_untouched():
    (x, y), m = _flat(), _lin()
    state = torch.get_rng_state()
    fit_tensors(m, x, y, epochs=1)
    assert torch.equal(torch.get_rng_state(), state)

def test_numpy_integers_accepted():
    x, y = _flat()
    assert len(fit_tensors(_lin(), x, y, epochs=np.int64(2), bs=np.int32(8))) == 2

def test_last_batch_of_one_row_under_batchnorm():
    torch.manual_seed(0)
    x, y = torch.randn(9, 3, 8, 8), torch.arange(9) % 2  # bs=4: 4, 4 and 1 rows before the fix
    assert len(fit_tensors(simple_cnn(2, widths=(4, 4, 4)), x, y, epochs=1, bs=4)) == 1  # 1x1 pixel at the last BN

def test_modes_restored_by_fit_and_predict():
    torch.manual_seed(0)
    m, x, y = simple_cnn(2, widths=(4, 4)), torch.randn(8, 3, 8, 8), torch.arange(8) % 2
    m.train(); m[1].eval()  # a BatchNorm layer frozen in eval mode on purpose
    modes = [mod.training for mod in m.modules()]
    predict_tensors(m, x)
    assert [mod.training for mod in m.modules()] == modes
    m.eval()
    fit_tensors(m, x, y, epochs=1)
    assert not any(mod.training for mod in m.modules())

def test_one_hot_labels_refused():
    x, y = _flat()
    with pytest.raises(ValueError, match='one-hot'): fit_tensors(_lin(), x, torch.nn.functional.one_hot(y))
    with pytest.raises(ValueError, match='one-hot'): few_shot_split(np.eye(3)[np.arange(30) % 3], 2)

@pytest.mark.parametrize('lr', [float('nan'), 0, -1e-3, float('inf'), slice(-1e-5, 1e-3), slice(1e-5, float('nan')),
                                slice(0, 1e-3)])
def test_discriminative_lrs_refuses_bad_rates(lr):
    with pytest.raises(ValueError, match='lr='): discriminative_lrs(lr, 2)

def test_discriminative_lrs_numpy_rate():
    assert discriminative_lrs(np.float32(1e-3), 2) == pytest.approx([1e-3, 1e-3])

def test_progress_bar_can_be_turned_off(capsys, monkeypatch):
    monkeypatch.delenv('IN_TEST', raising=False)
    x, y = _flat()
    fit_tensors(_lin(), x, y, epochs=2, progress=False)
    assert capsys.readouterr().out == ''
    fit_tensors(_lin(), x, y, epochs=2)
    assert '2/2' in capsys.readouterr().out  # fastprogress's console bar

def test_training_module_does_not_import_fastai():
    code = "import sys, dlcourse.training; assert 'fastai' not in sys.modules, 'fastai imported'"
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=fresh_env(), cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
