"""Titanic preparation on a learner's own frames: nullable dtypes, odd spellings, duplicate index values, NumPy scalars.

Property tests (hypothesis) compare `prep_titanic`, `titanic_xs_y` and `add_features` with an independent reference
written row by row in plain Python: either a clear error that names the column, or the same answer. The case tests
below each failed on the code before the Titanic clean-up (silent wrong results or crashes deep inside pandas)."""
import math
from collections import Counter
import numpy as np, pandas as pd
import pytest
import torch
from hypothesis import given, settings, strategies as st, HealthCheck

from dlcourse.titanic import prep_titanic, titanic_xs_y, add_features, INDEP_COLS, TITANIC_CONTS
from dlcourse.sgd import bce, init_linear, init_hidden, init_deep, train_model, linear_preds, titanic_tensors
from dlcourse.tabular import BinarySplit, best_split, compare_models

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NUM = ['Age', 'SibSp', 'Parch', 'Fare']
CAT = ['Sex', 'Pclass', 'Embarked']

# ---------------------------------------------------------------- frames a learner might have
def _spell(draw, v):
    "A category value as a learner's file might spell it"
    if isinstance(v, int): return draw(st.sampled_from([v, float(v), str(v)]))
    return draw(st.sampled_from([v, v.upper(), v.lower(), f' {v} ', v.capitalize()]))

NUM_DTYPES = dict(Age=['float64', 'Float64'], SibSp=['int64', 'Int64', 'float64'], Parch=['int64', 'Int64', 'Float64'],
                  Fare=['float64', 'Float64'])

@st.composite
def passenger_frames(draw, with_na_counts=True):
    n = draw(st.integers(1, 12))
    col = lambda s, p_na=0.3: [None if draw(st.floats(0, 1)) < p_na else draw(s) for _ in range(n)]
    raw = dict(Age=col(st.sampled_from([0.5, 2., 22., 30., 54.])), Fare=col(st.sampled_from([0., 7.25, 71.28, 512.33])),
               SibSp=col(st.integers(0, 4), 0.2 if with_na_counts else 0), Parch=col(st.integers(0, 3), 0.2 if with_na_counts else 0),
               Sex=col(st.sampled_from(['male', 'female'])), Pclass=col(st.sampled_from([1, 2, 3]), 0.1),
               Embarked=col(st.sampled_from(['S', 'C', 'Q'])))
    df = pd.DataFrame(index=draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))  # duplicate index values
    for c in NUM:
        dt = draw(st.sampled_from(NUM_DTYPES[c]))
        vals = [np.nan if v is None else v for v in raw[c]]
        if dt == 'int64' and any(v is None for v in raw[c]): dt = 'float64'
        df[c] = pd.array([pd.NA if v is None else v for v in raw[c]], dtype=dt) if dt[0].isupper() else np.array(vals, dtype=dt)
    for c in CAT:
        vals = [None if v is None else _spell(draw, v) for v in raw[c]]
        kind = draw(st.sampled_from(['object', 'string']))
        if c == 'Pclass' and kind == 'string': vals = [None if v is None else str(v) for v in vals]
        df[c] = pd.array(vals, dtype='string') if kind == 'string' else pd.array(vals, dtype=object)
    df['Survived'] = pd.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)), dtype=draw(st.sampled_from(['int64', 'Int64'])))
    return df, raw

# ---------------------------------------------------------------- the reference, row by row
def _mode(vals):
    "The most common non-missing value, the smallest on ties (pandas' `mode().iloc[0]`); None if all missing"
    c = Counter(v for v in vals if v is not None)
    if not c: return None
    top = max(c.values())
    return min(v for v, k in c.items() if k == top)

def ref_clean(raw, fare_fill=None):
    "The cleaned columns as lists, or None if a column has no value to fill with"
    out = {}
    for c in NUM + CAT:
        fill = fare_fill if (c == 'Fare' and fare_fill is not None) else _mode(raw[c])
        if fill is None and any(v is None for v in raw[c]): return None
        out[c] = [fill if v is None else v for v in raw[c]]
    out['LogFare'] = [math.log(f + 1) for f in out['Fare']]
    return out

def _close(got, want): np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=1e-12)

@SETTINGS
@given(passenger_frames())
def test_prep_titanic_matches_reference(args):
    df, raw = args
    before = df.copy(deep=True)
    ref = ref_clean(raw)
    if ref is None:
        with pytest.raises(ValueError, match='all missing'): prep_titanic(df)
        return
    p = prep_titanic(df)
    pd.testing.assert_frame_equal(df, before)  # not mutated
    assert p.index.equals(df.index)
    for c in ['Age', 'SibSp', 'Parch', 'LogFare']: _close(p[c], ref[c])
    for c, levels in dict(Sex=['male', 'female'], Pclass=[1, 2, 3], Embarked=['C', 'Q', 'S']).items():
        for lv in levels: _close(p[f'{c}_{lv}'], [float(v == lv) for v in ref[c]])
    assert p[INDEP_COLS].notna().all().all()

@SETTINGS
@given(passenger_frames())
def test_titanic_xs_y_matches_reference(args):
    df, raw = args
    ref = ref_clean(raw, fare_fill=0.)
    if ref is None:
        with pytest.raises(ValueError, match='all missing'): titanic_xs_y(df)
        return
    xs, y = titanic_xs_y(df)
    assert xs.index.equals(df.index) and y.index.equals(df.index)
    _close(xs.Sex, [['female', 'male'].index(v) for v in ref['Sex']])
    _close(xs.Embarked, [['C', 'Q', 'S'].index(v) for v in ref['Embarked']])
    for c in TITANIC_CONTS: _close(xs[c], ref[c])
    assert y.tolist() == list(df.Survived) and str(y.dtype) == 'int64'

@SETTINGS
@given(passenger_frames(), st.lists(st.sampled_from(['A/5 1', '113803', None]), min_size=12, max_size=12))
def test_add_features_matches_reference(args, tickets):
    df, raw = args
    n = len(df)
    df = df.assign(Name=['Smith, Mr. John'] * n, Cabin=pd.array(['C85', None] * n, dtype='string')[:n],
                   Ticket=pd.array(tickets[:n], dtype='string'))
    if any(v is None for v in raw['SibSp'] + raw['Parch']):
        bad = 'SibSp' if any(v is None for v in raw['SibSp']) else 'Parch'
        with pytest.raises(ValueError, match=f"'{bad}' has"): add_features(df)
        return
    before = df.copy(deep=True)
    f = add_features(df)
    pd.testing.assert_frame_equal(df, before)
    assert f.index.equals(df.index)
    fam = [a + b for a, b in zip(raw['SibSp'], raw['Parch'])]
    assert f.Family.tolist() == fam and str(f.Family.dtype) == 'int64'
    assert f.Alone.tolist() == [v == 0 for v in fam]
    _close(f.LogFare, [np.nan if v is None else math.log1p(v) for v in raw['Fare']])
    counts = Counter(t for t in tickets[:n] if t is not None)
    _close(f.TicketFreq, [np.nan if t is None else counts[t] for t in tickets[:n]])
    assert f.Deck.isna().tolist() == [i % 2 == 1 for i in range(n)]

# ---------------------------------------------------------------- cases that failed before
@pytest.fixture(scope='module')
def trn():
    from dlcourse.data import titanic
    return titanic()

def test_upper_case_categories_are_not_silent_zeros(trn):
    shouty = trn.assign(Sex=trn.Sex.str.upper(), Embarked=trn.Embarked.str.lower())
    pd.testing.assert_frame_equal(prep_titanic(shouty)[INDEP_COLS], prep_titanic(trn)[INDEP_COLS])
    assert prep_titanic(shouty).Sex_male.sum() == (trn.Sex == 'male').sum()

def test_unknown_category_is_an_error(trn):
    with pytest.raises(ValueError, match="column 'Sex' has values outside"): prep_titanic(trn.assign(Sex='unknown'))
    with pytest.raises(ValueError, match="column 'Embarked' has values outside"): titanic_xs_y(trn.assign(Embarked='X'))

@pytest.mark.parametrize('fn', [prep_titanic, titanic_xs_y, add_features])
def test_duplicate_and_multiindex_columns(trn, fn):
    with pytest.raises(ValueError, match='unique column names'): fn(pd.concat([trn, trn.Age], axis=1))
    with pytest.raises(ValueError, match='MultiIndex'): fn(trn.set_axis(pd.MultiIndex.from_product([['a'], trn.columns]), axis=1))

def test_nullable_frame_gives_the_same_answer(trn):
    pd.testing.assert_frame_equal(prep_titanic(trn.convert_dtypes())[INDEP_COLS], prep_titanic(trn)[INDEP_COLS])
    a, b = titanic_xs_y(trn.convert_dtypes()), titanic_xs_y(trn)
    pd.testing.assert_frame_equal(a[0], b[0]); pd.testing.assert_series_equal(a[1], b[1])

def test_labels_must_be_0_1():
    xs, y = pd.DataFrame(dict(a=[1., 2, 3, 4])), pd.Series([1, 1, 2, 2])
    with pytest.raises(ValueError, match='y: expected labels 0..1'): BinarySplit().fit(xs, y)
    with pytest.raises(ValueError, match='y: expected labels 0..1'): best_split(xs, y)
    p = prep_titanic(pd.DataFrame(dict(Age=[1., 2], SibSp=[0, 1], Parch=[1, 1], Fare=[1., 2], Sex=['male', 'female'],
                                       Pclass=[1, 3], Embarked=['S', 'C'], Survived=[1, 2])))
    p[['Pclass_2', 'Embarked_Q']] = 1.  # every column needs a non-zero maximum
    with pytest.raises(ValueError, match="df\\['Survived'\\]: expected labels 0..1"): titanic_tensors(p)

def test_bce_is_finite_in_float16():
    p = torch.tensor([1., 0., 0.5], dtype=torch.float16)
    assert torch.isfinite(bce(p, 1 - p))
    assert torch.allclose(bce(p, 1 - p).float(), bce(p.float(), 1 - p.float()))

def test_numpy_integers_are_counts():
    assert torch.equal(init_linear(np.int64(12)), init_linear(12))
    assert init_hidden(np.int32(3), n_hidden=np.int64(4))[0].shape == (3, 4)
    assert [l.shape for l in init_deep(np.int64(3), [np.int64(2)])[0]] == [(3, 2), (2, 1)]
    x, y = torch.rand(10, 3), torch.randint(0, 2, (10,)).float()
    _, losses = train_model(linear_preds, init_linear(3), x, y, epochs=np.int64(2), lr=np.float32(0.1), bs=np.int64(4))
    assert len(losses) == 2
    t = compare_models({'rule': (BinarySplit(), np.int64(1))}, pd.DataFrame(dict(a=[0., 1, 0, 1])), pd.Series([0, 1, 0, 1]),
                       pd.DataFrame(dict(a=[0., 1])), pd.Series([0, 1]), n_boot=np.int64(20))
    assert t.loc['rule', 'accuracy'] == 1.0

def test_no_global_rng_change():
    torch.manual_seed(0); np.random.seed(0)
    t_state, n_state = torch.get_rng_state(), np.random.get_state()
    x, y = torch.rand(20, 3, generator=torch.Generator().manual_seed(1)), torch.tensor([0., 1.] * 10)
    train_model(linear_preds, init_linear(3, seed=5), x, y, epochs=3, lr=0.1, bs=4, seed=7)
    init_hidden(3); init_deep(3)
    assert torch.equal(torch.get_rng_state(), t_state)
    assert all(np.array_equal(a, b) for a, b in zip(np.random.get_state()[1:2], n_state[1:2]))
