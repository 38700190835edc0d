"""Issue 19, class 6: clear errors at the PyTorch boundary. Each test failed before the fix (a raw torch error, or a
wrong result), and now gets a `ValueError` naming the argument and the fix, or the same answer as float32 input.

The one rule (`dlcourse.checks.check_model_input`): floats take the model's dtype; uint8 pixels and channels-last
images are refused; a tuple `(x, y)` is one batch, not a loader (`check_loader`); a loss class is not a loss
(`check_loss`). `dlcourse.checks` itself still imports without torch (tests/test_imports.py checks that).
"""
import numpy as np, pytest, torch
import torch.nn as nn, torch.nn.functional as F
from hypothesis import given, settings, strategies as st, HealthCheck, Phase

SET = settings(max_examples=10, deadline=None, derandomize=True, phases=(Phase.explicit, Phase.generate),
               suppress_health_check=[HealthCheck.too_slow])

def cnn(n_in=3):
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return nn.Sequential(nn.Conv2d(n_in, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                             nn.Flatten(), nn.Linear(4, 2))

def pixels(n=6, size=8, seed=0):
    "Images as a learner loads them (PIL, imageio, paddy_arrays): uint8, (n, h, w, 3)"
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3), dtype=np.uint8)

def labels(n=6): return torch.arange(n) % 2

def tta_call(x):
    from dlcourse.tta import tta, flip_lr
    return tta(cnn(), [(x, labels(len(x)))], tfms=[flip_lr])

def fit_call(x):
    from dlcourse.training import fit_tensors
    return fit_tensors(cnn(), x, labels(len(x)), epochs=1, bs=4, progress=False)

def predict_call(x):
    from dlcourse.training import predict_tensors
    return predict_tensors(cnn(), x)

def acc_call(x):
    from dlcourse.accumulation import fit_acc
    m = cnn()
    return fit_acc(m, [(x, labels(len(x)))], F.cross_entropy, torch.optim.SGD(m.parameters(), lr=0.1), n_acc=8)

CALLS = dict(fit_tensors=(fit_call, 'x'), predict_tensors=(predict_call, 'x'), tta=(tta_call, 'dl'),
             fit_acc=(acc_call, 'xb'))

@pytest.mark.parametrize('helper', CALLS)
@pytest.mark.parametrize('as_tensor', [False, True], ids=['numpy', 'tensor'])
def test_uint8_channels_last_images(helper, as_tensor):
    "The issue's example: uint8 (n, h, w, 3) images get a ValueError naming the argument, the dtype and the fix"
    call, name = CALLS[helper]
    x = pixels()
    with pytest.raises(ValueError, match=f'{name}: got uint8 values.*images_to_tensor'):
        call(torch.from_numpy(x) if as_tensor else x)

@pytest.mark.parametrize('helper', CALLS)
def test_float_channels_last_images(helper):
    "Floats, but channels last: refused with the permute that fixes it"
    call, name = CALLS[helper]
    with pytest.raises(ValueError, match=f'{name}: shape .* channels last.*permute'):
        call(torch.from_numpy(pixels()).float()/255)

@SET
@given(st.integers(0, 1000))
def test_float64_arrays_are_float32(seed):
    "float64 from NumPy: the stated rule converts to the model's float32, so the answer is the float32 answer"
    from dlcourse.training import predict_tensors, fit_tensors, images_to_tensor
    x32 = images_to_tensor(pixels(seed=seed))
    x64 = x32.double().numpy()
    assert torch.equal(predict_tensors(cnn(), x64), predict_tensors(cnn(), x32))
    assert fit_tensors(cnn(), x64, labels(), epochs=1, bs=4, progress=False) == \
        fit_tensors(cnn(), x32, labels(), epochs=1, bs=4, progress=False)

def test_float64_targets_for_a_regression_loss():
    "float64 targets with a float32 model and an MSE loss: converted, not torch's 'Found dtype Double' error"
    from dlcourse.training import fit_tensors
    x, y = np.random.default_rng(0).normal(size=(8, 3)), np.random.default_rng(1).normal(size=(8, 1))
    with torch.random.fork_rng(): torch.manual_seed(0); m = nn.Linear(3, 1)
    assert len(fit_tensors(m, x, y, loss_func=F.mse_loss, epochs=2, bs=4, progress=False)) == 2

def flat_batches():
    g = torch.Generator().manual_seed(0)
    return torch.randn(16, 3, generator=g), torch.arange(16) % 2

def test_tuple_instead_of_a_loader():
    "The issue's example: lr_find((x, y), ...) is refused with the DataLoader that fixes it; fit_acc and tta too"
    from dlcourse.lr_finder import lr_find
    from dlcourse.accumulation import fit_acc
    from dlcourse.tta import tta, flip_lr
    x, y = flat_batches()
    with torch.random.fork_rng(): torch.manual_seed(0); m = nn.Linear(3, 2)
    with pytest.raises(ValueError, match=r'dl: got a tuple of 2 arrays, \(x, y\).*DataLoader'):
        lr_find(m, (x, y), F.cross_entropy, num_it=6)
    with pytest.raises(ValueError, match='dl: got a tuple of 2 arrays'):
        fit_acc(m, (x, y), F.cross_entropy, torch.optim.SGD(m.parameters(), lr=0.1), n_acc=8)
    xi = torch.rand(6, 3, 8, 8)
    with pytest.raises(ValueError, match='dl: got a tuple of 2 arrays'): tta(cnn(), (xi, labels()), tfms=[flip_lr])

LOSS_CALLS = {
    'fit_tensors': lambda L: __import__('dlcourse.training', fromlist=['x']).fit_tensors(
        nn.Linear(3, 2), *flat_batches(), loss_func=L, epochs=1, progress=False),
    'fit_acc': lambda L: (lambda m: __import__('dlcourse.accumulation', fromlist=['x']).fit_acc(
        m, [flat_batches()], L, torch.optim.SGD(m.parameters(), lr=0.1), n_acc=16))(nn.Linear(3, 2)),
    'acc_backward': lambda L: __import__('dlcourse.accumulation', fromlist=['x']).acc_backward(
        nn.Linear(3, 2), *flat_batches(), L, 16),
    'lr_find': lambda L: __import__('dlcourse.lr_finder', fromlist=['x']).lr_find(
        nn.Linear(3, 2), [flat_batches()], L, num_it=6),
    'oof_probs': lambda L: __import__('dlcourse.cleaning', fromlist=['x']).oof_probs(
        *flat_batches(), lambda: nn.Linear(3, 2), loss_func=L, epochs=1, progress=False),
    'train_model': lambda L: (lambda s: s.train_model(s.linear_preds, s.init_linear(3), flat_batches()[0],
                                                      flat_batches()[1].float(), loss_func=L, epochs=1))(
        __import__('dlcourse.sgd', fromlist=['x'])),
}

@pytest.mark.parametrize('helper', LOSS_CALLS)
def test_loss_class_instead_of_an_instance(helper):
    "nn.CrossEntropyLoss for nn.CrossEntropyLoss(): a ValueError naming loss_func and the instance to pass"
    loss_class = nn.L1Loss if helper == 'train_model' else nn.CrossEntropyLoss
    name = loss_class.__name__
    with pytest.raises(ValueError, match=f'loss_func: got the class {name}.*{name}\\(\\)'):
        LOSS_CALLS[helper](loss_class)

@SET
@given(st.integers(0, 1000))
def test_float64_arrays_in_the_curve_fitters(seed):
    "Lesson 02's fitters take NumPy float64 as float32 tensors (the stated rule), not torch's or NumPy's TypeError"
    from dlcourse.neural_net import fit_quadratic, relu_sum, fit_relus
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(6, 1)), rng.normal(size=(6, 1))
    x32, y32 = torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
    ms, bs = rng.normal(size=3), rng.normal(size=3)
    assert torch.allclose(relu_sum(x, ms, bs, ws=ms), relu_sum(x32, *(torch.tensor(v).float() for v in (ms, bs, ms))))
    assert np.allclose(fit_quadratic(x, y, steps=3)[1], fit_quadratic(x32, y32, steps=3)[1])
    assert np.isclose(fit_relus(x, y, 2, steps=3)['mae'], fit_relus(x32, y32, 2, steps=3)['mae'])

def feature_calls():
    "Lesson 11a's and 11b's feature extractors on a tiny timm model (random weights: nothing is downloaded)"
    import timm
    from dlcourse.new_domain import head_inputs
    from dlcourse.transfer_cost import stage_features
    with torch.random.fork_rng(): torch.manual_seed(0); m = timm.create_model('test_efficientnet', num_classes=2)
    return dict(head_inputs=lambda x: head_inputs(m, x, bs=4),
                stage_features=lambda x: stage_features(m, x, bs=4)['bn2'])

@pytest.mark.parametrize('helper', ['head_inputs', 'stage_features'])
def test_feature_extractors_at_the_boundary(helper):
    "uint8 and channels-last images refused naming x; float64 from NumPy read as float32 (no torch dtype error)"
    call = feature_calls()[helper]
    with pytest.raises(ValueError, match='x: got uint8 values.*images_to_tensor'): call(pixels(4, 32))
    with pytest.raises(ValueError, match='x: shape .* channels last'): call(torch.from_numpy(pixels(4, 32)).float())
    x32 = torch.randn(4, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(call(x32.double().numpy()), call(x32), atol=1e-5)
