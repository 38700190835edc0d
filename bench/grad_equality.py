#!/usr/bin/env python
"""Gradient accumulation, a bigger batch and data parallelism are the same arithmetic: the largest absolute difference
between the gradients of one 64-sample batch and (a) accumulated micro-batches, (b) 2-process DDP under torchrun
(gloo, CPU), with and without accumulation inside each process; and, for contrast, a model with batch norm."""
import torch, torch.nn.functional as F
from dlcourse.accumulation import acc_backward
from dlcourse.training import simple_cnn
from dlcourse.distributed import toy_problem, big_batch_grads, ddp_launch

def max_diff(a, b): return max(float((a[k] - b[k]).abs().max()) for k in b)

def accumulated(micro_bs, n=64, seed=0):
    model, x, y = toy_problem(n, seed)
    for xb, yb in zip(x.split(micro_bs), y.split(micro_bs)): acc_backward(model, xb, yb, F.cross_entropy, n)
    return {k: p.grad.clone() for k, p in model.named_parameters()}

def bn_diff(micro_bs=16, n=64, seed=0):
    def grads(mb):
        torch.manual_seed(seed); m = simple_cnn(10, widths=(8, 16), bn=True)
        g = torch.Generator().manual_seed(seed)
        x, y = torch.randn(n, 3, 16, 16, generator=g), torch.randint(0, 10, (n,), generator=g)
        for xb, yb in zip(x.split(mb), y.split(mb)): acc_backward(m, xb, yb, F.cross_entropy, n)
        return {k: p.grad.clone() for k, p in m.named_parameters()}
    return max_diff(grads(micro_bs), grads(n))

if __name__ == '__main__':
    ref = big_batch_grads(64, 0)
    rows = [(f'accumulation, micro-batches of {mb}', max_diff(accumulated(mb), ref)) for mb in (32, 16, 8, 24)]
    for mb in (32, 8):
        res = ddp_launch('dlcourse.distributed:ddp_grads', nproc=2, n=64, micro_bs=mb, seed=0)
        rows.append((f'2-process DDP, micro-batches of {mb} per process', max(max_diff(g, ref) for g in res)))
    rows.append(('with BatchNorm: micro-batches of 16 vs one batch (expected to differ)', bn_diff()))
    print('| compared with one batch of 64 | max abs gradient difference |')
    print('|---|---:|')
    for name, d in rows: print(f'| {name} | {d:.1e} |')
    print('\nTiny CNN without batch norm (dlcourse.distributed.toy_problem), float32, CPU; 24 gives uneven micro-batches (24, 24, 16).')
