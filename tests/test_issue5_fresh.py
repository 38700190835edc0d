"""Issue 5 helpers (lr_finder, accumulation, tta) called in fresh processes: no notebook globals, tiny calls."""
from conftest import run_fresh

def test_lr_finder_fresh():
    run_fresh("""
        import os, tempfile, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
        from dlcourse.lr_finder import lr_find, valley, slide, minimum, steep, slide_scaled, LRFindResult
        work = tempfile.mkdtemp(); os.chdir(work)  # lr_find must write nothing (fastai's writes a checkpoint)
        torch.manual_seed(0)
        x = torch.randn(64, 3); y = x.sum(1, keepdim=True)
        dl = [(x[i:i+16], y[i:i+16]) for i in range(0, 64, 16)]
        m = nn.Linear(3, 1); w = m.weight.detach().clone()
        r = lr_find(m, dl, F.mse_loss, num_it=20, suggest_funcs=(valley, slide, minimum, steep, slide_scaled))
        assert isinstance(r, LRFindResult) and len(r.suggestions) == 5 and torch.equal(m.weight.detach(), w)
        assert os.listdir(work) == [], os.listdir(work)
        import matplotlib; matplotlib.use('Agg'); r.plot()
    """)

def test_accumulation_fresh():
    run_fresh("""
        import warnings, torch, torch.nn.functional as F
        from dlcourse.accumulation import acc_backward, fit_acc, find_bn, step_peak_memory, memory_table
        from dlcourse.basics import simple_cnn
        torch.manual_seed(0)
        m = simple_cnn(3, widths=(4,), bn=False)
        x, y = torch.randn(20, 3, 8, 8), torch.randint(0, 3, (20,))
        dl = [(x[i:i+8], y[i:i+8]) for i in range(0, 20, 8)]
        losses = fit_acc(m, dl, F.cross_entropy, torch.optim.SGD(m.parameters(), lr=0.1), n_acc=16, n_epoch=2)
        assert len(losses) == 4, losses
        assert find_bn(m) == [] and len(find_bn(simple_cnn(3, widths=(4,)))) == 1
        r = step_peak_memory(4, bs=8, size=16, widths=(4,)); assert r['step_mb'] >= 0, r
    """)

def test_tta_fresh():
    run_fresh("""
        import torch
        from dlcourse.tta import tta, flip_lr, flip_ud, Shift, DEFAULT_TFMS, tta_table
        from dlcourse.basics import simple_cnn
        torch.manual_seed(0)
        m = simple_cnn(4, widths=(4,)).eval()
        dl = [(torch.rand(6, 3, 16, 16), torch.randint(0, 2, (6,)))]
        p, t = tta(m, dl, tfms=[flip_lr, Shift(2, -2)], heads=[2, 2])
        assert p.shape == (6, 4) and torch.allclose(p[:, :2].sum(1), torch.ones(6))
        df = tta_table(m, dl, tfms=[flip_ud], n_boot=10); assert len(df) == 4
    """)
