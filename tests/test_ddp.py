"""DDP's check can fail: one process's shard alone is not the big-batch gradient.

The launches themselves run in lesson 08a: one `torchrun` start (`ddp_grads_sweep`) checks micro-batches of 8, 32 (no
accumulation) and 12 (uneven: 12, 12, 8) per process against one big batch. This file used to start a second launch
for the last two; each start costs seconds of process start-up and torch imports, so the lesson's launch covers them.
"""
import torch.nn.functional as F
from dlcourse.distributed import big_batch_grads, toy_problem

def max_diff(a, b): return max(float((a[k] - b[k]).abs().max()) for k in b)

def test_one_shard_differs_from_big_batch():
    "The check of lesson 08a can fail: one process's shard alone is not the big-batch gradient"
    ref = big_batch_grads(n=64, seed=0)
    model, x, y = toy_problem(64, 0)
    F.cross_entropy(model(x[0::2]), y[0::2]).backward()
    assert max_diff({k: p.grad for k, p in model.named_parameters()}, ref) > 1e-4
