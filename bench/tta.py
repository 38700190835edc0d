"""Error rate with and without test-time augmentation on the synthetic paddy validation set (issue 5).

Usage: python bench/tta.py [--epochs 8] [--seed 0]
Trains the same model as nbs/09_tta.ipynb (`paddy_learner`) and prints `tta_table`: error, 95% bootstrap interval,
forward passes and seconds, without TTA and with three TTA variants.
"""
import argparse, time
from dlcourse.tta import paddy_learner, tta_table, DEFAULT_TFMS

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--epochs', type=int, default=8)
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    t0 = time.time()
    learn = paddy_learner(epochs=a.epochs, seed=a.seed)
    vdl = learn.dls.valid.new(shuffled=False, drop_last=False)
    names = [getattr(t, '__name__', repr(t)) for t in DEFAULT_TFMS]
    print(f'trained simple_cnn on synth_paddy for {a.epochs} epochs in {time.time()-t0:.1f}s; '
          f'{len(learn.dls.valid_ds)} valid images; TTA transforms: {names}')
    print(tta_table(learn.model, vdl).round(4).to_string())
