"""dlcourse.titanic and dlcourse.dates are pandas-only: importing them must not load torch or fastai, and every public
helper must work in a fresh process (no leaked notebook globals)."""
from conftest import run_fresh


def test_titanic_and_dates_import_without_torch_or_fastai():
    run_fresh('''
        import sys, datetime as dt
        import numpy as np, pandas as pd
        from dlcourse.titanic import add_features, deck, ticket_freq, title
        from dlcourse.dates import as_datetime, elapsed_seconds, add_datepart, add_elapsed_times, add_cyclic
        assert 'torch' not in sys.modules and 'fastai' not in sys.modules, [m for m in sys.modules if m.split('.')[0] in ('torch', 'fastai')]

        df = pd.DataFrame(dict(PassengerId=[1, 2], Name=['A, Mr. B', 'C, Dr. D'], SibSp=[0, 1], Parch=[0, 0],
                               Ticket=['T1', 'T1'], Fare=[7.25, np.nan], Cabin=['C85', np.nan]))
        f = add_features(df)
        assert f.Alone.tolist() == [True, False] and f.TicketFreq.tolist() == [2, 2]
        assert f.Title[0] == 'Mr' and pd.isna(f.Title[1]) and 'Alone' not in df.columns
        assert deck(df.Cabin)[0] == 'ABC' and ticket_freq(df.Ticket, pd.Series(['T1'] * 3)).tolist() == [3, 3]
        assert title(df.Name).isna().tolist() == [False, True]

        s = pd.Series([dt.date(2020, 1, 1), None])
        assert str(as_datetime(s).dtype).startswith('datetime64')
        assert elapsed_seconds(s)[0] == 1577836800.0
        p = add_datepart(pd.DataFrame(dict(saledate=s)), 'saledate')
        assert p.saleElapsed[0] == 1577836800.0 and p.saleYear[0] == 2020
        ev = pd.DataFrame(dict(date=pd.date_range('2020-01-01', periods=4), g=1, e=[0, 1, 0, 0]))
        r = add_elapsed_times(ev, 'e', 'date', 'g')
        assert np.isnan(r.Aftere[0]) and r.Aftere[3] == 2 and r.e_bw.tolist() == [0, 1, 1, 1]
        c = add_cyclic(pd.DataFrame(dict(Month=[12])), 'Month', 12)
        assert abs(c.Month_cos[0] - 1) < 1e-12
        assert 'torch' not in sys.modules and 'fastai' not in sys.modules
    ''')


def test_tabular_helpers_fresh():
    run_fresh('''
        import sys, numpy as np, pandas as pd
        from dlcourse.tabular import titanic_xs_y, split_score, best_split, BinarySplit, compare_models, forest_importance
        from sklearn.ensemble import RandomForestClassifier
        assert 'fastai' not in sys.modules
        df = pd.DataFrame(dict(Survived=[1, 0, 1, 0, 1, 0], Sex=['female', 'male'] * 3, Embarked=['S', 'C', None, 'Q', 'S', 'S'],
                               Age=[20, None, 30, 40, 50, 60.], SibSp=[0] * 6, Parch=[0] * 6, Fare=[7., 8., None, 10., 11., 12.], Pclass=[1, 2, 3] * 2))
        xs, y = titanic_xs_y(df)
        assert not xs.isna().any().any() and y.tolist() == df.Survived.tolist()
        assert best_split(xs, y)[:2] == ('Sex', 0.0) and split_score(xs.Sex, y, 0) == 0
        assert (BinarySplit().fit(xs, y).predict(xs) == y.to_numpy()).all()
        rf = RandomForestClassifier(5, random_state=0)
        t = compare_models({'rule': (BinarySplit(['Sex']), 1), 'rf': (rf, 1)}, xs, y, xs, y, n_boot=50)
        assert t.loc['rule', 'accuracy'] == 1.0
        assert forest_importance(rf, xs, y, n_repeats=2).shape == (7, 3)
    ''')
