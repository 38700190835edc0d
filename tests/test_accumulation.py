"""accumulation and distributed on a learner's own inputs (issue 11): counts refused when not whole and positive,
errors that name the problem, modes and the global RNG left as they were, results loaded with weights_only."""
import subprocess
import pytest, torch, torch.nn as nn, torch.nn.functional as F
from torch.utils.data import TensorDataset, DataLoader

def _xy(n=20):
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, 3, 8, 8, generator=g), torch.randint(0, 3, (n,), generator=g)

@pytest.mark.parametrize('n_acc', [0, -8, float('nan'), 8.0, True])
def test_acc_backward_refuses_bad_counts(n_acc):
    from dlcourse.accumulation import acc_backward
    from dlcourse.training import simple_cnn
    x, y = _xy()
    with pytest.raises(ValueError, match='n_acc=.*expected an int'):
        acc_backward(simple_cnn(3, widths=(4,)), x[:4], y[:4], F.cross_entropy, n_acc)

def test_model_with_nothing_to_train():
    from dlcourse.accumulation import acc_backward, fit_acc
    x, y = _xy()
    with pytest.raises(ValueError, match='model: expected parameters'):
        acc_backward(nn.Flatten(), x[:4], y[:4], F.cross_entropy, 8)
    other = nn.Linear(2, 2)
    with pytest.raises(ValueError, match='model: expected parameters'):
        fit_acc(nn.Flatten(), [(x[:4], y[:4])], F.cross_entropy, torch.optim.SGD(other.parameters(), lr=0.1), n_acc=8)

def test_last_batch_of_one_row_under_batchnorm_is_named():
    from dlcourse.accumulation import fit_acc
    x, y = _xy(17)  # batches of 8, 8 and 1
    m = nn.Sequential(nn.Flatten(), nn.Linear(192, 4), nn.BatchNorm1d(4), nn.Linear(4, 3))
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    with pytest.warns(UserWarning, match='batch-norm'), pytest.raises(ValueError, match='drop_last=True'):
        fit_acc(m, DataLoader(TensorDataset(x, y), batch_size=8), F.cross_entropy, opt, n_acc=16)
    assert all(p.grad is None or not p.grad.any() for p in m.parameters())

def test_fit_acc_restores_modes():
    from dlcourse.accumulation import fit_acc
    from dlcourse.training import simple_cnn
    x, y = _xy()
    m = simple_cnn(3, widths=(4, 4)); m.eval()
    fit_acc(m, [(x[:8], y[:8]), (x[8:16], y[8:16])], F.cross_entropy, torch.optim.SGD(m.parameters(), lr=0.1),
            n_acc=16, warn_bn=False)
    assert not any(mod.training for mod in m.modules())
    m.train(); m[1].eval()  # a frozen BatchNorm
    fit_acc(m, [(x[:8], y[:8])], F.cross_entropy, torch.optim.SGD(m.parameters(), lr=0.1), n_acc=8, warn_bn=False)
    assert m.training and not m[1].training

def test_fit_acc_refuses_a_generator():
    "A generator would train one epoch and then find itself empty"
    from dlcourse.accumulation import fit_acc
    from dlcourse.training import simple_cnn
    x, y = _xy()
    m = simple_cnn(3, widths=(4,), bn=False)
    with pytest.raises(ValueError, match='one-shot generator'):
        fit_acc(m, (b for b in [(x[:8], y[:8])]), F.cross_entropy, torch.optim.SGD(m.parameters(), lr=0.1),
                n_acc=8, n_epoch=2)

def test_find_bn_refuses_a_non_module_with_valueerror():
    from dlcourse.accumulation import find_bn
    with pytest.raises(ValueError, match='model: expected a torch.nn.Module'): find_bn('resnet18')

def test_toy_problem_leaves_the_global_rng():
    from dlcourse.distributed import toy_problem
    torch.manual_seed(123); expected = torch.rand(3)
    torch.manual_seed(123); toy_problem(8, seed=0)
    assert torch.equal(torch.rand(3), expected)

def test_ddp_launch_loads_with_weights_only(monkeypatch):
    "The results files are loaded with weights_only=True, explicitly (checked without starting torchrun)"
    from dlcourse import distributed
    def fake_run(cmd, **kw):
        out = cmd[cmd.index('-c') + 3]  # ... python -c WORKER target out kwargs
        for i in range(2): torch.save({'w': torch.full((2,), float(i))}, f'{out}/rank{i}.pt')
        return subprocess.CompletedProcess(cmd, 0, '', '')
    loads, real_load = [], torch.load
    def spy(*a, **kw): loads.append(kw); return real_load(*a, **kw)
    monkeypatch.setattr(distributed.subprocess, 'run', fake_run)
    monkeypatch.setattr(distributed.torch, 'load', spy)
    res = distributed.ddp_launch('dlcourse.distributed:ddp_grads', nproc=2)
    assert [float(r['w'][0]) for r in res] == [0., 1.]
    assert len(loads) == 2 and all(kw.get('weights_only') is True for kw in loads)
