"""DDP under torchrun (2 processes, gloo, CPU) computes the gradient of one big batch.

Lesson 08a checks micro-batches of 8 per process; here one launch covers the cases it leaves out (no accumulation,
and uneven micro-batches), since each torchrun launch costs a few seconds of process start-up and torch imports.
"""
import os
from pathlib import Path
import pytest
import torch.nn.functional as F
from dlcourse.distributed import ddp_launch, ddp_grads, big_batch_grads, toy_problem

MICRO_BS = [32, 12]  # 32: one micro-batch per process (no accumulation); 12: uneven micro-batches (12, 12, 8)

def grads_per_micro_bs(rank, world_size, micro_bss):
    "The torchrun target: `ddp_grads` for each micro-batch size, in one process group"
    return {mb: ddp_grads(rank, world_size, n=64, micro_bs=mb, seed=0) for mb in micro_bss}

def max_diff(a, b): return max(float((a[k] - b[k]).abs().max()) for k in b)

@pytest.mark.costly(cpu_s=20)
def test_ddp_equals_big_batch(monkeypatch):
    # the torchrun children import this file as `test_ddp`
    here = str(Path(__file__).resolve().parent)
    monkeypatch.setenv('PYTHONPATH', os.pathsep.join([here, os.environ.get('PYTHONPATH', '')]))
    ref = big_batch_grads(n=64, seed=0)
    res = ddp_launch('test_ddp:grads_per_micro_bs', nproc=2, micro_bss=MICRO_BS)
    assert len(res) == 2
    for rank_res in res:
        assert sorted(rank_res) == sorted(MICRO_BS)
        for mb, g in rank_res.items():
            assert set(g) == set(ref)
            assert max_diff(g, ref) <= 1e-6, (mb, max_diff(g, ref))

def test_one_shard_differs_from_big_batch():
    "The check above can fail: one process's shard alone is not the big-batch gradient"
    ref = big_batch_grads(n=64, seed=0)
    model, x, y = toy_problem(64, 0)
    F.cross_entropy(model(x[0::2]), y[0::2]).backward()
    assert max_diff({k: p.grad for k, p in model.named_parameters()}, ref) > 1e-4
