#!/usr/bin/env python
"""Is the LR finder's suggestion any good? Lesson 07's own comparison (`dlcourse.lr_finder.lr_grid_compare`) on its
three tasks, with the lesson's grid and seeds by default: the validation loss at the `valley` suggestion and at each
grid rate (every run reseeded, so each rate gets the same seeds), and the suggestion against the grid's best rate,
paired by seed with a Student-t interval. Prints a markdown table."""
import argparse
from dlcourse.lr_finder import (LR_GRID, LR_SEEDS, lr_grid_compare, suggestion_vs_best,
                                titanic_task, paddy_task, diabetes_task)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--seeds', type=int, default=len(LR_SEEDS), help='number of seeds (0, 1, ...); at least 2')
    ap.add_argument('--epochs', type=int, default=None, help="epochs per training; default: each task's own (5)")
    a = ap.parse_args()
    seeds = tuple(range(a.seeds))
    print('| task | valley LR (geometric mean) | grid-best LR | valley / best LR | valley loss - best loss [95% CI] |')
    print('|---|---:|---:|---:|---:|')
    for make in (titanic_task, paddy_task, diabetes_task):
        task = make()
        _, summary = lr_grid_compare(task, LR_GRID, seeds, epochs=a.epochs, progress=False)
        v = suggestion_vs_best(summary)
        print(f"| {task.name} | {v['suggested_lr']:.2e} | {v['best_lr']:.1e} | {v['lr_ratio']:.2f} | "
              f"{v['diff']:+.3f} [{v['diff_lo']:+.3f}, {v['diff_hi']:+.3f}] |")
    print(f"\nAdam, grid {', '.join(f'{lr:.1e}' for lr in LR_GRID)}, seeds {list(seeds)}; an interval including 0 means "
          "no difference detected at this number of seeds.")

if __name__ == '__main__': main()
