"""Properties no single example shows: for the DataFrame helpers (hypothesis), the input is never mutated, the row count
and index are preserved, columns keep stable dtypes, and running twice equals running once; `lr_find` leaves no trace
(no file written, the model's weights restored)."""
import numpy as np, pandas as pd
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from dlcourse.titanic import add_features
from dlcourse.dates import add_datepart, add_elapsed_times, add_cyclic, elapsed_seconds

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TITLES = ['Mr', 'Mrs', 'Miss', 'Master', 'Dr', 'Rev', 'the Countess']
maybe_nan = lambda s: st.one_of(s, st.just(np.nan))

@st.composite
def titanic_frames(draw):
    n = draw(st.integers(1, 25))
    rows = []
    for _ in range(n):
        rows.append(dict(
            PassengerId=draw(st.integers(1, 2000)),
            Pclass=draw(st.sampled_from([1, 2, 3])),
            Name=f"{draw(st.sampled_from(['Smith', 'Brown', 'van Billiard', 'O-Neil']))}, "
                 f"{draw(st.sampled_from(TITLES))}. {draw(st.sampled_from(['Anna', 'John (Mary)', 'Jr']))}",
            Sex=draw(st.sampled_from(['male', 'female'])),
            Age=draw(maybe_nan(st.floats(0.1, 80))),
            SibSp=draw(st.integers(0, 8)), Parch=draw(st.integers(0, 6)),
            Ticket=draw(st.sampled_from(['A/5 21171', '113803', 'PC 17599', 'LINE', '3101282'])),
            Fare=draw(maybe_nan(st.floats(0, 520))),
            Cabin=draw(st.one_of(st.just(np.nan), st.sampled_from(['C85', 'B57 B59', 'T', 'G6', 'F E69', 'D']))),
            Embarked=draw(st.one_of(st.just(np.nan), st.sampled_from(['S', 'C', 'Q'])))))
    idx = draw(st.lists(st.integers(-1000, 1000), min_size=n, max_size=n, unique=True))
    return pd.DataFrame(rows, index=idx)

def check_pure(fn, df, *args, **kw):
    "Run fn twice: input unchanged, index kept, second run on the output equals the first output"
    before = df.copy(deep=True)
    out = fn(df, *args, **kw)
    pd.testing.assert_frame_equal(df, before)  # not mutated
    assert out.index.equals(df.index) and len(out) == len(df)
    for c in before.columns:
        if c in out.columns and out[c].dtype != before[c].dtype:
            assert c in kw.get('_changed', ()), f'{c}: dtype {before[c].dtype} -> {out[c].dtype}'
    return out

@SETTINGS
@given(titanic_frames())
def test_add_features_properties(df):
    out = check_pure(add_features, df)
    again = add_features(out)
    pd.testing.assert_frame_equal(again, out)  # idempotent
    assert str(out.Alone.dtype) == 'bool' and str(out.Family.dtype) == 'int64'
    assert out.LogFare.dtype == np.float64
    assert (out.Alone == ((df.SibSp + df.Parch) == 0)).all()
    assert out.TicketFreq.min() >= 1 and out.TicketFreq.sum() == (df.Ticket.map(df.Ticket.value_counts())).sum()
    assert set(out.Title.dropna()) <= {'Mr', 'Mrs', 'Miss', 'Master'}

UNITS = ['ns', 'us', 'ms', 's']

@st.composite
def date_frames(draw):
    n = draw(st.integers(1, 20))
    secs = draw(st.lists(st.one_of(st.none(), st.integers(-2_000_000_000, 4_000_000_000)), min_size=n, max_size=n))
    unit, tz = draw(st.sampled_from(UNITS)), draw(st.sampled_from([None, 'UTC', 'Asia/Kolkata', 'America/New_York']))
    s = pd.to_datetime(pd.Series([np.nan if v is None else v for v in secs], dtype='float64'), unit='s')
    s = s.dt.tz_localize('UTC').dt.tz_convert(tz) if tz else s
    s = s.astype(s.dtype.name.replace('[ns', f'[{unit}') if tz is None else f'datetime64[{unit}, {tz}]')
    idx = draw(st.lists(st.integers(0, 10**6), min_size=n, max_size=n, unique=True))
    return pd.DataFrame(dict(saledate=s.values if tz is None else s.array, v=range(n)), index=idx), secs

@SETTINGS
@given(date_frames())
@pytest.mark.filterwarnings('ignore:.*every value is missing:UserWarning')  # drawn columns can be all NaT
def test_add_datepart_properties(args):
    df, secs = args
    out = check_pure(add_datepart, df, 'saledate', drop=False)
    pd.testing.assert_frame_equal(add_datepart(out, 'saledate', drop=False), out)  # idempotent
    # Elapsed is seconds since the epoch, whatever the unit or timezone: compare with the integers we started from
    want = np.array([np.nan if v is None else float(v) for v in secs])
    np.testing.assert_array_equal(out.saleElapsed.to_numpy(dtype=float), want)
    assert out.saleElapsed.dtype == np.float64
    # dtypes follow one documented rule (fastai's, so the frames stay equal to fastai's): date parts are int32,
    # or float64 when a NaT forces NaN in; the Is_ flags are always bool (False for NaT); Elapsed is always float64
    has_nat = df.saledate.isna().any()
    for c in ['saleYear', 'saleMonth', 'saleWeek', 'saleDay', 'saleDayofweek', 'saleDayofyear']:
        assert str(out[c].dtype) == ('float64' if has_nat else 'int32'), (c, out[c].dtype)
    for c in ['saleIs_month_end', 'saleIs_month_start', 'saleIs_quarter_end', 'saleIs_year_start']:
        assert str(out[c].dtype) == 'bool', (c, out[c].dtype)

@SETTINGS
@given(st.lists(st.booleans(), min_size=1, max_size=30), st.integers(1, 3), st.integers(1, 10))
def test_add_elapsed_times_properties(events, n_groups, window):
    n = len(events)
    df = pd.DataFrame(dict(date=pd.date_range('2020-01-01', periods=n), store=[i % n_groups for i in range(n)],
                           promo=events), index=np.arange(n)[::-1] * 3)
    out = check_pure(add_elapsed_times, df, 'promo', 'date', 'store', window=window)
    pd.testing.assert_frame_equal(add_elapsed_times(out, 'promo', 'date', 'store', window=window), out)
    # "no event yet" is NaN, never 0: a 0 means an event that very day
    for g, sub in out.groupby('store'):
        before_first = sub.sort_values('date').promo.cumsum() == 0
        assert sub.sort_values('date').Afterpromo[before_first].isna().all()
        assert (sub.Afterpromo[sub.promo.astype(bool)] == 0).all()

@SETTINGS
@given(st.lists(st.integers(1, 12), min_size=1, max_size=30))
def test_add_cyclic_properties(months):
    df = pd.DataFrame(dict(Month=months))
    out = check_pure(add_cyclic, df, 'Month', 12)
    pd.testing.assert_frame_equal(add_cyclic(out, 'Month', 12), out)
    np.testing.assert_allclose(out.Month_sin**2 + out.Month_cos**2, 1)

def test_elapsed_seconds_units_agree():
    "The same instants stored at four resolutions give the same Elapsed"
    s = pd.Series(pd.to_datetime(['1969-12-31 23:59:59', '2000-02-29 12:00:00', None]))
    res = [elapsed_seconds(s.astype(f'datetime64[{u}]')) for u in UNITS]
    for r in res[1:]: np.testing.assert_array_equal(np.asarray(r, float), np.asarray(res[0], float))
    assert np.asarray(res[0], float)[0] == -1

def test_lr_find_leaves_no_trace(tmp_path, monkeypatch):
    "fastai's lr_find saves a checkpoint in the working folder; ours writes nothing and restores the weights"
    import torch, torch.nn as nn, torch.nn.functional as F
    from dlcourse.lr_finder import lr_find
    monkeypatch.chdir(tmp_path)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 3, generator=g); y = x.sum(1, keepdim=True)
    dl = [(x[i:i+16], y[i:i+16]) for i in range(0, 64, 16)]
    m = nn.Linear(3, 1); w = m.weight.detach().clone()
    r = lr_find(m, dl, F.mse_loss, num_it=20)
    assert len(r.suggestions) >= 1 and torch.equal(m.weight.detach(), w)
    assert list(tmp_path.iterdir()) == []
