#!/usr/bin/env python
"""Is the LR finder's suggestion any good? For three small tasks, the `valley` suggestion of `dlcourse.lr_finder.lr_find`
against the best LR of a grid of short trainings (Adam, same epochs), median over --seeds. Prints a markdown table."""
import argparse, statistics
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from torch.utils.data import TensorDataset, DataLoader
from dlcourse.lr_finder import lr_find, valley

def titanic_task():
    from dlcourse.data import titanic
    from dlcourse.sgd import titanic_splits
    xt, yt, xv, yv = titanic_splits(titanic())
    model = lambda: nn.Sequential(nn.Linear(xt.shape[1], 20), nn.ReLU(), nn.Linear(20, 1))
    loss = lambda out, y: F.binary_cross_entropy_with_logits(out.squeeze(1), y.float().view(-1))
    return 'Titanic MLP (BCE)', model, loss, (xt, yt.view(-1)), (xv, yv.view(-1)), 32

def regression_task():
    from sklearn.datasets import load_diabetes
    x, y = load_diabetes(return_X_y=True)
    x = torch.tensor((x - x.mean(0))/x.std(0), dtype=torch.float32); y = torch.tensor((y - y.mean())/y.std(), dtype=torch.float32)
    g = torch.Generator().manual_seed(0); p = torch.randperm(len(x), generator=g)
    t, v = p[:350], p[350:]
    model = lambda: nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1))
    loss = lambda out, y: F.mse_loss(out.squeeze(1), y)
    return 'diabetes regression MLP (MSE)', model, loss, (x[t], y[t]), (x[v], y[v]), 32

def paddy_task():
    from dlcourse.data import synth_paddy, paddy_arrays, DISEASES
    from dlcourse.basics import simple_cnn
    X, df = paddy_arrays(synth_paddy(), size=32)
    x = torch.tensor(X).permute(0, 3, 1, 2).float()/255; y = torch.tensor(df.label.map(DISEASES.index).values)
    g = torch.Generator().manual_seed(0); p = torch.randperm(len(x), generator=g)
    t, v = p[80:], p[:80]
    return 'synthetic paddy CNN, 32 px (CE)', lambda: simple_cnn(10), F.cross_entropy, (x[t], y[t]), (x[v], y[v]), 32

def train_valid(make, loss_func, trn, val, bs, lr, epochs, seed):
    torch.manual_seed(seed)
    m = make(); opt = torch.optim.Adam(m.parameters(), lr)
    dl = DataLoader(TensorDataset(*trn), batch_size=bs, shuffle=True, generator=torch.Generator().manual_seed(seed))
    for _ in range(epochs):
        m.train()
        for xb, yb in dl:
            l = loss_func(m(xb), yb); opt.zero_grad(); l.backward(); opt.step()
    m.eval()
    with torch.no_grad(): v = float(loss_func(m(val[0]), val[1]))
    return v if np.isfinite(v) else float('inf')

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--seeds', type=int, default=3); ap.add_argument('--epochs', type=int, default=5)
    a = ap.parse_args()
    grid = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1]
    print('| task | valley LR (median) | grid-best LR (median) | valid loss at valley / at grid best (median) |')
    print('|---|---:|---:|---:|')
    for task in (titanic_task, paddy_task, regression_task):
        name, make, loss_func, trn, val, bs = task()
        sugg, best, ratio = [], [], []
        for seed in range(a.seeds):
            torch.manual_seed(seed)
            dl = DataLoader(TensorDataset(*trn), batch_size=bs, shuffle=True, generator=torch.Generator().manual_seed(seed))
            s = lr_find(make(), dl, loss_func, num_it=100, suggest_funcs=(valley,)).suggestions.valley
            losses = {lr: train_valid(make, loss_func, trn, val, bs, lr, a.epochs, seed) for lr in grid}
            b = min(losses, key=losses.get)
            sugg.append(s); best.append(b)
            ratio.append(train_valid(make, loss_func, trn, val, bs, s, a.epochs, seed) / losses[b])
        print(f'| {name} | {statistics.median(sugg):.2e} | {statistics.median(best):.0e} | {statistics.median(ratio):.2f} |')
    print(f'\nAdam, {a.epochs} epochs per training, grid {grid}, {a.seeds} seeds; a ratio near 1 means the suggestion trains as well as the best grid LR.')

if __name__ == '__main__': main()
