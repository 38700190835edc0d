"""`tta` on loaders a learner really has (issue 11): shuffled, one-shot, and models with frozen BatchNorm layers;
`paddy_learner` still importable from its old home. Each test failed before the fix."""
import torch
from torch.utils.data import DataLoader, TensorDataset
from dlcourse.tta import tta, flip_lr, Shift, tta_table
from dlcourse.training import simple_cnn

def _setup():
    torch.manual_seed(0)
    net = simple_cnn(3, widths=(8, 8)).eval()
    xs, ids = torch.rand(10, 3, 16, 16), torch.arange(10)  # targets that name each image
    return net, xs, ids

def test_shuffled_loader_gives_each_image_its_own_prediction():
    net, xs, ids = _setup()
    fixed, _ = tta(net, DataLoader(TensorDataset(xs, ids), batch_size=4), tfms=(flip_lr, Shift(2, 2)))
    sdl = DataLoader(TensorDataset(xs, ids), batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(0))
    p, t = tta(net, sdl, tfms=(flip_lr, Shift(2, 2)))
    assert not torch.equal(t, ids)
    torch.testing.assert_close(p[t.argsort()], fixed)

def test_generator_of_batches():
    net, xs, ids = _setup()
    batches = [(xs[i:i+4], ids[i:i+4]) for i in range(0, 10, 4)]
    p0, _ = tta(net, batches, tfms=[flip_lr])
    p1, t1 = tta(net, (b for b in batches), tfms=[flip_lr])
    torch.testing.assert_close(p1, p0)
    assert torch.equal(t1, ids)

def test_batchnorm_modes_restored():
    net, xs, ids = _setup()
    net.train(); net[1].eval()
    modes = [m.training for m in net.modules()]
    tta(net, DataLoader(TensorDataset(xs, ids), batch_size=4), tfms=[flip_lr])
    assert [m.training for m in net.modules()] == modes

def test_tta_table_paired_against_no_tta():
    net, xs, ids = _setup()
    t = tta_table(net, DataLoader(TensorDataset(xs, ids % 3), batch_size=4), tfms=[flip_lr], n_boot=50)
    assert {'vs_no_tta', 'vs_low', 'vs_high'} <= set(t.columns) and t.loc['no TTA', 'vs_no_tta'] == 0

def test_paddy_learner_moved_with_old_import():
    from dlcourse.tta import paddy_learner as old
    from dlcourse.training import paddy_learner as new
    assert old is new
