"""DDP under torchrun (2 processes, gloo, CPU): gradients equal one big batch's (issue 5)."""
import pytest
import fastcore.test as fct

def _max_diff(a, b): return max(float((a[k] - b[k]).abs().max()) for k in b)

@pytest.mark.parametrize('micro_bs', [32, 8, 12])  # no accumulation; 4 equal micro-batches; uneven (12, 12, 8)
def test_ddp_equals_big_batch(micro_bs):
    from dlcourse.distributed import ddp_launch, big_batch_grads
    ref = big_batch_grads(n=64, seed=0)
    res = ddp_launch('dlcourse.distributed:ddp_grads', nproc=2, n=64, micro_bs=micro_bs, seed=0)
    fct.test_eq(len(res), 2)
    for g in res:
        fct.test_eq(set(g), set(ref))
        assert _max_diff(g, ref) <= 1e-6, _max_diff(g, ref)

def test_ddp_differs_from_one_shard():
    "The check can fail: one process's shard alone is not the big-batch gradient"
    import torch.nn.functional as F
    from dlcourse.distributed import toy_problem, big_batch_grads
    ref = big_batch_grads(n=64, seed=0)
    model, x, y = toy_problem(64, 0)
    F.cross_entropy(model(x[0::2]), y[0::2]).backward()
    assert _max_diff({k: p.grad for k, p in model.named_parameters()}, ref) > 1e-4

def test_ddp_launch_bad_target():
    from dlcourse.distributed import ddp_launch
    fct.test_fail(lambda: ddp_launch('nocolon'), contains="expected 'module:function'")
