"""Peak memory of one training step per micro-batch size (effective batch 64), each in a fresh process (issue 5).

Usage: python bench/accumulation_memory.py [--size 128] [--device cpu|cuda]
Prints, per micro-batch size, the RSS growth during one accumulated step (MB), its ratio to the full batch, and 1/K.
Same helper and defaults as nbs/08_grad_accum.ipynb.
"""
import argparse
from dlcourse.accumulation import memory_table

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--size', type=int, default=128, help='image size in pixels')
    ap.add_argument('--bs', type=int, default=64, help='effective batch size')
    ap.add_argument('--device', default='cpu', help="'cpu', or 'cuda' to add torch.cuda.max_memory_allocated")
    ap.add_argument('--micro', type=int, nargs='+', default=[64, 32, 16, 8], help='micro-batch sizes (first = full batch)')
    a = ap.parse_args()
    df = memory_table(tuple(a.micro), bs=a.bs, size=a.size, device=a.device)
    print(f'peak memory of one step, effective batch {a.bs}, {a.size}px images, simple_cnn without batch norm, device {a.device}')
    print(df.round(3).to_string())
