"""Multi-target helpers on inputs the lesson doesn't use: plain PyTorch loaders, generators and shuffling loaders,
NumPy sizes, out-of-range targets, and the model's modes after an error (no fastai needed)."""
import numpy as np
import pytest
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from dlcourse.multi_target import MultiHeadLoss, head_metrics, head_probs, split_heads
from dlcourse.tta import DEFAULT_TFMS, tta

SIZES = {'label': 3, 'variety': 2}

def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(4, 5))

def _data(n=10):
    g = torch.Generator().manual_seed(0)
    return TensorDataset(torch.randn(n, 3, 8, 8, generator=g), torch.arange(n) % 3, torch.arange(n) % 2)

def test_modes_come_back_after_an_error():
    m = _model().train()
    bad = [(torch.randn(2, 3, 8, 8), torch.tensor([0, 1]))]  # one target for two heads
    with pytest.raises(ValueError, match='target'): head_probs(m, bad, SIZES)
    assert m.training and m[1].training

def test_frozen_batchnorm_stays_frozen():
    m = _model().train(); m[1].eval()
    head_probs(m, DataLoader(_data(), batch_size=4), SIZES, tta=True)
    assert m.training and not m[1].training

@pytest.mark.parametrize('tta_on', [False, True])
def test_any_loader_order_pairs_rows_with_their_targets(tta_on):
    "A shuffling loader or a generator: every row comes back with its own targets (a second head holds the row id)"
    m, ds, sizes = nn.Sequential(nn.Flatten(), nn.Linear(3*8*8, 13)).eval(), _data(), {'label': 3, 'row': 10}
    ds = TensorDataset(ds.tensors[0], ds.tensors[1], torch.arange(10))
    ref = head_probs(m, DataLoader(ds, batch_size=4), sizes, tta=tta_on)
    torch.manual_seed(1)
    for dl in (DataLoader(ds, batch_size=4, shuffle=True), (b for b in DataLoader(ds, batch_size=3))):
        hp = head_probs(m, dl, sizes, tta=tta_on)
        order = hp['row'][1].argsort()
        assert not torch.equal(order, torch.arange(10)) or not isinstance(dl, DataLoader)  # really shuffled
        torch.testing.assert_close(hp['label'][0][order], ref['label'][0])
        assert torch.equal(hp['label'][1][order], ref['label'][1])

def test_tta_is_the_library_tta():
    "head_probs(tta=True) is `dlcourse.tta.tta` with the head sizes, split per head; targets of every head kept"
    m, dl = _model().eval(), DataLoader(_data(), batch_size=4)
    hp = head_probs(m, dl, SIZES, tta=True, beta=0.3)
    ref, targs = tta(m, dl, DEFAULT_TFMS, beta=0.3, heads=[3, 2])
    torch.testing.assert_close(torch.cat([hp['label'][0], hp['variety'][0]], 1), ref)
    assert torch.equal(hp['label'][1], targs) and torch.equal(hp['variety'][1], torch.arange(10) % 2)
    with torch.no_grad():  # by hand, head 'variety': beta*plain + (1-beta)*mean over the transforms
        x = _data().tensors[0]
        sm = lambda x: m(x)[:, 3:].softmax(1)
        manual = 0.3*sm(x) + 0.7*torch.stack([sm(t(x)) for t in DEFAULT_TFMS]).mean(0)
    torch.testing.assert_close(hp['variety'][0], manual)

def test_numpy_sizes_accepted():
    loss = MultiHeadLoss({'label': np.int64(3), 'variety': np.int32(2)})
    assert loss(torch.randn(4, 5), torch.tensor([0, 1, 2, 0]), torch.tensor([1, 0, 1, 0])) > 0
    assert len(head_metrics({'label': np.int64(3)})) == 2

@pytest.mark.parametrize('sizes', [{'label': 0}, {'label': 2.5}, {'label': True}, {}, [3, 2]])
def test_bad_sizes_refused(sizes):
    with pytest.raises(ValueError, match='sizes'): head_metrics(sizes)
    with pytest.raises(ValueError, match='sizes'): MultiHeadLoss(sizes)
    with pytest.raises(ValueError, match='sizes'): split_heads(torch.randn(2, 5), sizes)

@pytest.mark.parametrize('bad', [3, -1, -100])
def test_out_of_range_targets_name_the_head(bad):
    "-100 is the silent case: `F.cross_entropy` skips it as its ignore_index"
    preds, ok, wrong = torch.randn(4, 5), torch.tensor([0, 1, 2, 0]), torch.tensor([0, 1, 1, bad])
    with pytest.raises(ValueError, match="head 'label'"): MultiHeadLoss(SIZES)(preds, wrong, ok % 2)
    with pytest.raises(ValueError, match="head 'label'"): head_metrics(SIZES)[0](preds, wrong, ok % 2)
    dl = [(torch.randn(4, 3, 8, 8), wrong, ok % 2)]
    with pytest.raises(ValueError, match="head 'label'"): head_probs(_model(), dl, SIZES)

def test_bad_weights_refused():
    for w in [(1, float('nan')), (1, -1), (1,)]:
        with pytest.raises(ValueError, match='weights'): MultiHeadLoss(SIZES, weights=w)
