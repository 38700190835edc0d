#!/usr/bin/env python
"""Training throughput of one lesson model three ways, on the same data, model and optimizer:
a bare PyTorch loop, our loop (`dlcourse.accumulation.fit_acc` with n_acc = the batch size, i.e. no accumulation),
and fastai's `Learner.fit` (no callbacks beyond its defaults, no progress bar). Median of --repeats; prints a markdown table.
Target: our loop within 5% of the bare loop."""
import argparse, statistics, time, warnings
import torch, torch.nn.functional as F
from torch.utils.data import TensorDataset, DataLoader
from dlcourse.data import synth_paddy, paddy_arrays, DISEASES
from dlcourse.training import simple_cnn
from dlcourse.accumulation import fit_acc

def data(bs):
    X, df = paddy_arrays(synth_paddy())
    x = torch.tensor(X).permute(0, 3, 1, 2).float()/255
    y = torch.tensor(df.label.map(DISEASES.index).values)
    return x, y

def loaders(x, y, bs, seed):
    g = torch.Generator().manual_seed(seed)
    return DataLoader(TensorDataset(x, y), batch_size=bs, shuffle=True, generator=g, drop_last=True)

def bare(model, dl, opt, epochs):
    model.train()
    for _ in range(epochs):
        for xb, yb in dl:
            loss = F.cross_entropy(model(xb), yb)
            loss.backward(); opt.step(); opt.zero_grad()

def ours(model, dl, opt, epochs):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # the batch-norm warning: not relevant without accumulation
        fit_acc(model, dl, F.cross_entropy, opt, n_acc=dl.batch_size, n_epoch=epochs)

def fastai_fit(model, dl, opt, epochs):
    from fastai.learner import Learner
    from fastai.data.core import DataLoaders
    from fastai.optimizer import SGD
    ds = dl.dataset
    dls = DataLoaders.from_dsets(ds, TensorDataset(*ds[:dl.batch_size]), bs=dl.batch_size, shuffle=True, drop_last=True, device='cpu')
    learn = Learner(dls, model, loss_func=F.cross_entropy, opt_func=SGD, lr=0.01, train_bn=True)
    with learn.no_logging(): learn.fit(epochs, lr=0.01)
    return learn

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--repeats', type=int, default=5); ap.add_argument('--epochs', type=int, default=3)
    ap.add_argument('--bs', type=int, default=32); a = ap.parse_args()
    x, y = data(a.bs)
    n = (len(x)//a.bs)*a.bs*a.epochs
    res = {}
    for name, fn in [('bare PyTorch loop', bare), ('dlcourse fit_acc (n_acc = bs)', ours), ('fastai Learner.fit', fastai_fit)]:
        ts = []
        for r in range(a.repeats + 1):
            torch.manual_seed(0)
            model = simple_cnn(10)
            dl = loaders(x, y, a.bs, r)
            opt = torch.optim.SGD(model.parameters(), lr=0.01) if fn is not fastai_fit else None
            t0 = time.perf_counter()
            fn(model, dl, opt, a.epochs)
            if r: ts.append(time.perf_counter() - t0)  # the first run is a warm-up
        res[name] = statistics.median(ts)
    base = res['bare PyTorch loop']
    print('| loop | samples/s | time vs bare loop |')
    print('|---|---:|---:|')
    for k, t in res.items(): print(f'| {k} | {n/t:,.0f} | {100*(t/base-1):+.1f}% |')
    print(f'\nsimple_cnn(10) on synth_paddy (64 px), batch {a.bs}, {a.epochs} epochs, SGD, CPU; median of {a.repeats} after a warm-up. '
          'fastai also runs a one-batch validation pass each epoch, which is part of its measured time.')

if __name__ == '__main__': main()
