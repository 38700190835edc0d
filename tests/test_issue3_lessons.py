"""Fresh-process calls of every public helper of dlcourse.pytorch_basics, dlcourse.neural_net and dlcourse.sgd
(issue 3): catches helpers that lean on notebook globals, and checks their bad-input errors from outside the notebook."""
from conftest import run_fresh


def test_pytorch_basics_fresh():
    run_fresh("""
        import time, torch
        from dlcourse.pytorch_basics import time_it, compare_compiled
        t = time_it(time.sleep, 0.002, n=3, warmup=1); assert 0.002 <= t < 0.5, t
        m = torch.nn.Linear(4, 2)
        r = compare_compiled(m, torch.randn(3, 4), backend='eager', n=6, warmup=1)
        assert r['error'] is None and r['max_diff'] < 1e-6 and r['speedup'] > 0, r
        assert compare_compiled(m, torch.randn(3, 4), backend='no_such_backend', n=6, warmup=0)['error']
        for bad, msg in ((lambda: time_it(1), 'f: expected a callable'), (lambda: time_it(time.sleep, 0, n=0), 'n=0')):
            try: bad(); raise AssertionError('no error')
            except (TypeError, ValueError) as e: assert msg in str(e), e
    """)


def test_neural_net_fresh():
    run_fresh("""
        import torch
        from dlcourse.neural_net import quad, mk_quad, noisy_data, fit_quadratic, relu_sum, fit_relus
        f = mk_quad(3, 2, 1); assert quad(3, 2, 1, 2.) == 17. and f(1.) == 6.
        x, y = noisy_data(f, n=30)
        abc, losses = fit_quadratic(x, y, steps=5); assert losses[-1] < losses[0] and abc.shape == (3,)
        xs, ys = noisy_data(f, n=40, mult=0, add=0)
        e1, e8 = fit_relus(xs, ys, 1, steps=100)['mae'], fit_relus(xs, ys, 8, steps=100)['mae']
        assert e8 < e1, (e1, e8)
        assert relu_sum(xs, torch.ones(2), torch.zeros(2)).shape == (40, 1)
        try: fit_relus(xs, ys[:3], 2); raise AssertionError('no error')
        except ValueError as e: assert 'expected the same (rows, 1) shape' in str(e)
    """)


def test_sgd_fresh():
    run_fresh("""
        import numpy as np, torch
        from dlcourse.data import titanic
        from dlcourse.sgd import (prep_titanic, titanic_tensors, random_splitter, titanic_splits, linear_grads, hand_step,
            init_linear, linear_preds, sigmoid_preds, mae, bce, accuracy, update_coeffs, train_model,
            init_hidden, hidden_preds, init_deep, deep_preds, INDEP_COLS)
        df = titanic()
        before = df.copy()
        p = prep_titanic(df); assert df.equals(before), 'prep_titanic changed its input'
        t, y, maxs = titanic_tensors(p); assert t.dtype == torch.float32 and t.shape == (891, len(INDEP_COLS))
        trn, val = random_splitter(891); assert (len(trn), len(val)) == (713, 178)
        xt, yt, xv, yv = titanic_splits(df)
        c0 = init_linear(12)
        for loss in ('mae', 'mae_sigmoid', 'bce'):
            c = c0.detach().clone().requires_grad_()
            z = xt @ c
            l = {'mae': lambda: (z - yt).abs().mean(), 'mae_sigmoid': lambda: (torch.sigmoid(z) - yt).abs().mean(),
                 'bce': lambda: bce(torch.sigmoid(z), yt)}[loss]()
            l.backward()
            assert torch.allclose(linear_grads(c0, xt, yt, loss), c.grad, atol=1e-6), loss
            assert torch.allclose(hand_step(c0, xt, yt, 0.1, loss), c0.detach() - 0.1*c.grad, atol=1e-6)
        c, losses = train_model(sigmoid_preds, c0, xt, yt, epochs=5, lr=100)
        assert losses[-1] < losses[0] and 0.5 < accuracy(sigmoid_preds(c, xv), yv) <= 1
        c, _ = train_model(linear_preds, c0, xt, yt, epochs=3, lr=0.2, bs=64)
        ch, _ = train_model(hidden_preds, init_hidden(12), xt, yt[:, None], epochs=2, lr=1.)
        cd, _ = train_model(deep_preds, init_deep(12), xt, yt[:, None], epochs=2, lr=1., loss_func=bce)
        w = torch.ones(2, requires_grad=True); (w*2).sum().backward(); update_coeffs(w, 0.5); assert torch.equal(w.detach(), torch.zeros(2))
        assert float(mae(torch.zeros(3), torch.ones(3))) == 1.0
        def fails(f, msg):
            try: f()
            except (ValueError, TypeError) as e: assert msg in str(e), (msg, str(e)); return
            raise AssertionError(f'no error for {msg}')
        try: prep_titanic(df.drop(columns=['Sex'])); raise AssertionError('no error for a missing Sex column')
        except KeyError as e: assert "expected column(s) ['Sex']" in str(e), str(e)
        fails(lambda: titanic_tensors(p.assign(LogFare=np.nan)), "NaN left in columns ['LogFare']")
        fails(lambda: train_model(linear_preds, c0, xt, yv), 'deps: expected a tensor with 713 rows')
        fails(lambda: train_model(linear_preds, c0, torch.full_like(xt, float('nan')), yt), 'indeps: NaN')
        fails(lambda: mae(torch.zeros(4, 1), torch.zeros(4)), 'expected the same shape')
        fails(lambda: linear_preds(torch.zeros(5), xt), 'coeffs: expected 12 rows')
    """, DLCOURSE_DATA='')
