"""lr_finder on a learner's own inputs (issue 11): one-shot loaders refused instead of a hang, a model with nothing to
train named, the curve the suggestions saw kept, state put back even after an error, every grid rate on the same seeds."""
import threading
import numpy as np, pytest, torch, torch.nn as nn, torch.nn.functional as F

def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 3, generator=g)
    return x, x.sum(1, keepdim=True)

def _call_with_timeout(fn, seconds=30):
    "fn() in a daemon thread: its result or exception, or a test failure if it has not returned after `seconds`"
    box = {}
    def run():
        try: box['res'] = fn()
        except BaseException as e: box['exc'] = e
    t = threading.Thread(target=run, daemon=True); t.start(); t.join(seconds)
    if t.is_alive(): pytest.fail(f'still running after {seconds} s (an endless loop?)')
    if 'exc' in box: raise box['exc']
    return box['res']

@pytest.mark.parametrize('kind', ['generator', 'zip'])
def test_one_shot_loader_refused_not_a_hang(kind):
    from dlcourse.lr_finder import lr_find
    x, y = _data()
    dl = (b for b in zip(x.split(16), y.split(16))) if kind == 'generator' else zip(x.split(16), y.split(16))
    with pytest.raises(ValueError, match=f'dl: .*one-shot {kind}'):
        _call_with_timeout(lambda: lr_find(nn.Linear(3, 1), dl, F.mse_loss, num_it=20))

def test_iterable_that_empties_is_an_error_not_a_hang():
    "An object that is not an Iterator but yields nothing on its second pass"
    from dlcourse.lr_finder import lr_find
    x, y = _data()
    class Once:
        def __init__(self): self.done = False
        def __iter__(self):
            if self.done: return iter([])
            self.done = True; return iter(list(zip(x.split(16), y.split(16))))
    with pytest.raises(ValueError, match='dl: expected at least one batch'):
        _call_with_timeout(lambda: lr_find(nn.Linear(3, 1), Once(), F.mse_loss, num_it=20))

@pytest.mark.parametrize('model', [nn.ReLU(), nn.Linear(3, 1).requires_grad_(False)], ids=['no-params', 'frozen'])
def test_model_with_nothing_to_train(model):
    from dlcourse.lr_finder import lr_find
    x, y = _data()
    with pytest.raises(ValueError, match='model: expected parameters to train'):
        lr_find(model, list(zip(x.split(16), y.split(16))), F.mse_loss, num_it=10)

def test_result_keeps_the_curve_the_suggestions_saw():
    from dlcourse.lr_finder import lr_find, valley, slide, minimum, steep
    x, y = _data()
    torch.manual_seed(0)
    r = lr_find(nn.Linear(3, 1), list(zip(x.split(16), y.split(16))), F.mse_loss, num_it=40,
                suggest_funcs=(valley, slide, minimum, steep))
    lrs, losses = r.curve
    assert len(lrs) == len(losses) <= len(r.lrs) - 40//10 - 5
    np.testing.assert_array_equal(lrs, np.array(r.lrs[4:4+len(lrs)], np.float32))
    for f, s in zip((valley, slide, minimum, steep), r.suggestions): assert f(lrs, losses)[0] == s

def test_preserved_restores_after_an_error():
    from dlcourse.lr_finder import preserved
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1)).eval()
    opt = torch.optim.Adam(m.parameters(), lr=0.1)
    w, rng = {k: v.clone() for k, v in m.state_dict().items()}, torch.get_rng_state()
    with pytest.raises(RuntimeError, match='boom'):
        with preserved(m, opt):
            m.train(); F.mse_loss(m(torch.randn(8, 3)), torch.zeros(8, 1)).backward(); opt.step()
            raise RuntimeError('boom')
    assert all(torch.equal(m.state_dict()[k], v) for k, v in w.items())
    assert not any(mod.training for mod in m.modules()) and opt.state_dict()['state'] == {}
    assert all(p.grad is None for p in m.parameters()) and torch.equal(torch.get_rng_state(), rng)

def test_grid_reseeds_every_rate():
    "A rate's result does not depend on the other rates in the grid (the old loop seeded once, before all rates)"
    from dlcourse.lr_finder import lr_grid_compare, LRTask
    from torch.utils.data import TensorDataset
    x, y = _data()
    task = LRTask('toy', lambda: nn.Linear(3, 1), TensorDataset(x[:48], y[:48]), TensorDataset(x[48:], y[48:]),
                  F.mse_loss, bs=8, epochs=1)
    runs_a, _ = lr_grid_compare(task, lrs=(1e-2,), seeds=(0, 1, 2), progress=False)
    runs_b, summ = lr_grid_compare(task, lrs=(1e-3, 1e-1, 1e-2), seeds=(0, 1, 2), progress=False)
    va = runs_a[runs_a.config == '0.01'].value.values
    np.testing.assert_array_equal(va, runs_b[runs_b.config == '0.01'].value.values)
    assert list(summ.index) == ['valley', '0.001', '0.1', '0.01'] and summ.loc['valley', 'diff'] == 0
