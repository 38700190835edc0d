"""Property tests (hypothesis) for `dlcourse.dates` on frames a learner may bring: nullable dtypes, duplicate index
values, datetime units s/ms/us/ns (far from 1970 where the unit allows it) and timezones. Each case must give a clear
error that names the argument, or the answer of an independent reference: plain Python `datetime` arithmetic, and
fastai's `add_datepart` on nanosecond columns, where fastai is right."""
import datetime as dt
from zoneinfo import ZoneInfo
import numpy as np, pandas as pd
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from dlcourse.dates import add_datepart, add_elapsed_times, add_cyclic, elapsed_seconds

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
UTC_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
DAY = 86_400
# seconds since 1970 that each unit can hold: nanoseconds reach 1677-2262; the others years 1 to 9999 (3 days spare)
SPAN = {'ns': (-9_000_000_000, 9_000_000_000), 's': (-62_135_596_800 + 3 * DAY, 253_402_300_799 - 3 * DAY)}
SPAN['ms'] = SPAN['us'] = SPAN['s']
TZS = [None, 'UTC', 'Asia/Kolkata', 'America/New_York', 'Australia/Lord_Howe']
PER_SEC = {'s': 1, 'ms': 10**3, 'us': 10**6, 'ns': 10**9}


def dates_series(unit, tz, ticks, index=None) -> pd.Series:
    "A datetime column of `unit` holding `ticks` (integers of that unit since 1970, None for NaT), in `tz`"
    a = np.array([np.datetime64('NaT') if t is None else np.datetime64(t, unit) for t in ticks], f'datetime64[{unit}]')
    s = pd.Series(a, index=index)
    return s.dt.tz_localize('UTC').dt.tz_convert(tz) if tz else s


def py_instant(secs, tz):
    "The instant `secs` after the epoch as a Python datetime, as the wall clock shows it in `tz` (naive if tz is None)"
    t = UTC_EPOCH + dt.timedelta(seconds=secs)
    return t.replace(tzinfo=None) if tz is None else t.astimezone(ZoneInfo(tz))


@st.composite
def instants(draw, min_size=1, max_size=12):
    "(unit, tz, ticks, secs): instants as ticks of a unit, and as their floored whole seconds"
    unit, tz = draw(st.sampled_from(list(PER_SEC))), draw(st.sampled_from(TZS))
    lo, hi = SPAN[unit]
    secs = draw(st.lists(st.one_of(st.none(), st.integers(lo, hi)), min_size=min_size, max_size=max_size))
    frac = draw(st.integers(0, PER_SEC[unit] - 1))  # a fraction of a second: Elapsed must floor it away
    ticks = [None if s is None else s * PER_SEC[unit] + frac for s in secs]
    return unit, tz, ticks, secs


@pytest.mark.filterwarnings('ignore:field_name=.saledate.. every value is missing')  # all-NaT: tested in the notebook
@SETTINGS
@given(instants(), st.lists(st.integers(0, 3), min_size=12, max_size=12))
def test_elapsed_seconds_any_unit_and_timezone(args, idx):
    "Elapsed equals the whole seconds we started from, for every unit and timezone, also far from 1970 (no overflow)"
    unit, tz, ticks, secs = args
    s = dates_series(unit, tz, ticks, index=idx[:len(ticks)])  # duplicate index values on purpose
    want = np.array([np.nan if v is None else float(v) for v in secs])
    np.testing.assert_array_equal(elapsed_seconds(s).to_numpy(), want)
    df = pd.DataFrame(dict(saledate=s, x=range(len(s))), index=s.index)
    before = df.copy()
    out = add_datepart(df, 'saledate')
    pd.testing.assert_frame_equal(df, before)
    assert out.index.equals(df.index)
    np.testing.assert_array_equal(out.saleElapsed.to_numpy(), want)


@SETTINGS
@given(instants())
def test_add_datepart_parts_match_python(args):
    "Year, Month, Day, Dayofweek, Dayofyear, Week and the Is_ flags equal Python's calendar, in the column's timezone"
    unit, tz, ticks, secs = args
    if all(v is None for v in secs): return  # all NaT: a warning, tested in the notebook
    out = add_datepart(pd.DataFrame(dict(saledate=dates_series(unit, tz, ticks))), 'saledate')
    for i, v in enumerate(secs):
        if v is None:
            assert np.isnan(out.saleYear.iloc[i]); continue
        t = py_instant(v, tz)
        nxt = t + dt.timedelta(days=1)
        want = dict(Year=t.year, Month=t.month, Day=t.day, Dayofweek=t.weekday(), Dayofyear=t.timetuple().tm_yday,
                    Week=t.isocalendar()[1], Is_month_end=nxt.month != t.month, Is_month_start=t.day == 1,
                    Is_year_end=nxt.year != t.year, Is_year_start=t.month == 1 and t.day == 1)
        got = {k: out[f'sale{k}'].iloc[i] for k in want}
        assert got == want, (unit, tz, v, got, want)


def test_add_datepart_equals_fastai_on_nanoseconds():
    "Where fastai is right (naive nanosecond columns), our whole frame equals fastai's"
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        from fastai.tabular.core import add_datepart as fastai_add_datepart

    @settings(max_examples=30, deadline=None)
    @given(st.lists(st.one_of(st.none(), st.integers(*SPAN['ns'])), min_size=1, max_size=12).filter(
        lambda v: any(x is not None for x in v)))
    def check(secs):
        df = pd.DataFrame(dict(saledate=dates_series('s', None, secs).astype('datetime64[ns]'), x=range(len(secs))))
        pd.testing.assert_frame_equal(add_datepart(df, 'saledate'), fastai_add_datepart(df.copy(), 'saledate'))
    with warnings.catch_warnings():  # fastai 2.8 calls pandas APIs that pandas 3 deprecates
        warnings.simplefilter('ignore')
        check()


# ---- add_elapsed_times against a reference written with plain datetimes and loops

def reference_elapsed(dates:list, groups:list, events:list, window:int) -> dict:
    "After/Before (days, truncated toward zero; NaN when there is no such event) and window counts, row by row"
    def days(td): return float(td.days) if td >= dt.timedelta(0) else -float((-td).days)
    out = {k: [] for k in ('After', 'Before', 'bw', 'fw')}
    w = dt.timedelta(days=window)
    for d, g in zip(dates, groups):
        ev = [e_d for e_d, e_g, e in zip(dates, groups, events) if e_g == g and e]
        past, future = [x for x in ev if x <= d], [x for x in ev if x >= d]
        out['After'].append(days(d - max(past)) if past else np.nan)
        out['Before'].append(days(d - min(future)) if future else np.nan)
        out['bw'].append(float(sum(d - w < x <= d for x in ev)))
        out['fw'].append(float(sum(d <= x < d + w for x in ev)))
    return out


EVENT_DTYPES = ['bool', 'int64', 'float64', 'boolean', 'Int64', 'Float64', 'text']


@st.composite
def event_frames(draw):
    "A learner's events table: groups, dates (repeats, any unit, far from 1970, any timezone), events of any dtype"
    n = draw(st.integers(1, 16))
    unit, tz = draw(st.sampled_from(list(PER_SEC))), draw(st.sampled_from(TZS))
    start = 0 if unit == 'ns' else draw(st.sampled_from([-25_000 * DAY, 0, 15_000 * DAY, 190_000 * DAY]))  # 1901..2490
    secs = [start + draw(st.integers(0, 40)) * DAY + draw(st.sampled_from([0, 3600, 13 * 3600])) for _ in range(n)]
    dates = dates_series(unit, tz, [s * PER_SEC[unit] for s in secs])
    groups = draw(st.lists(st.sampled_from([1, 2]), min_size=n, max_size=n))
    ev = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    kind, with_na = draw(st.sampled_from(EVENT_DTYPES)), draw(st.booleans())
    col = pd.array([['no', 'yes'][e] for e in ev], dtype=object) if kind == 'text' else pd.array(ev, dtype=kind)
    if with_na and kind not in ('bool', 'int64'): col[draw(st.integers(0, n - 1))] = None
    index = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))  # duplicate index values
    gcol = pd.array(groups, dtype=draw(st.sampled_from(['int64', 'Int64', 'str'])))
    df = pd.DataFrame(dict(date=dates.array, store=gcol, e=col), index=index)
    return df, secs, groups, ev, tz, kind, with_na


@SETTINGS
@given(event_frames(), st.integers(1, 10))
def test_add_elapsed_times_matches_reference(args, window):
    "Text or missing events are refused by name; otherwise every column equals the reference, rows in any order"
    df, secs, groups, ev, tz, kind, with_na = args
    before = df.copy()
    if kind == 'text':
        with pytest.raises(ValueError, match="field_names: column 'e' holds"):
            add_elapsed_times(df, 'e', 'date', 'store')
        return
    if with_na and kind not in ('bool', 'int64'):
        with pytest.raises(ValueError, match="field_names: column 'e' has 1 missing"):
            add_elapsed_times(df, 'e', 'date', 'store')
        return
    out = add_elapsed_times(df, 'e', 'date', 'store', window=window)
    pd.testing.assert_frame_equal(df, before)  # not mutated
    assert out.index.equals(df.index)
    wall = [py_instant(s, tz).replace(tzinfo=None) for s in secs]  # tz-aware dates count local calendar days
    ref = reference_elapsed(wall, groups, ev, window)
    for k, col in (('After', 'Aftere'), ('Before', 'Beforee'), ('bw', 'e_bw'), ('fw', 'e_fw')):
        np.testing.assert_array_equal(out[col].to_numpy(), np.array(ref[k]), err_msg=col)


# ---- the same mistake, the same clear error

def _frames():
    d = pd.date_range('2020-01-01', periods=3)
    base = pd.DataFrame(dict(date=d, store=1, e=[0, 1, 0], m=[1, 2, 3]))
    dup = pd.concat([base, base[['e', 'date']]], axis=1)
    multi = base.set_axis(pd.MultiIndex.from_product([['a'], base.columns]), axis=1)
    return dict(dup=(dup, 'appear more than once'), multi=(multi, 'MultiIndex'))

CALLS = {'add_datepart': lambda df: add_datepart(df, 'date'),
         'add_elapsed_times': lambda df: add_elapsed_times(df, 'e', 'date', 'store'),
         'add_cyclic': lambda df: add_cyclic(df, 'm', 12)}

@pytest.mark.parametrize('kind', ['dup', 'multi'])
@pytest.mark.parametrize('helper', list(CALLS))
def test_duplicate_or_multiindex_columns_refused(helper, kind):
    df, msg = _frames()[kind]
    with pytest.raises(ValueError, match=f'df: .*{msg}'): CALLS[helper](df)


@SETTINGS
@given(st.lists(st.one_of(st.none(), st.integers(-30, 30)), min_size=1, max_size=12),
       st.sampled_from(['Int64', 'Float64', 'float64', 'boolean', 'object']))
def test_add_cyclic_nullable(vals, dtype):
    "Nullable numbers give NaN where missing and the float answer elsewhere; booleans and objects are refused"
    if dtype == 'boolean': vals = [None if v is None else v > 0 for v in vals]
    col = pd.Series(vals, dtype=dtype)
    df = pd.DataFrame(dict(m=col.array), index=[0] * len(vals))  # a repeated index value
    if dtype in ('boolean', 'object'):
        with pytest.raises(ValueError, match="field_name='m': expected a numeric column"): add_cyclic(df, 'm', 12)
        return
    out = add_cyclic(df, 'm', 12)
    x = np.array([np.nan if v is None else v for v in vals], float)
    np.testing.assert_allclose(out.m_sin.to_numpy(float), np.sin(2 * np.pi * x / 12), equal_nan=True)
    np.testing.assert_allclose(out.m_cos.to_numpy(float), np.cos(2 * np.pi * x / 12), equal_nan=True)


@pytest.mark.parametrize('period', [0, -12, float('inf'), float('nan'), '12', True])
def test_add_cyclic_period_refused(period):
    with pytest.raises(ValueError, match='period='): add_cyclic(pd.DataFrame(dict(m=[1, 2])), 'm', period)


@pytest.mark.parametrize('col', [pd.Series([1, 2]), pd.array([True, None], dtype='boolean'),
                                 pd.array([1, None], dtype='Int64')])
def test_numbers_are_not_dates(col):
    with pytest.raises(ValueError, match="field_name='d': expected a date column"):
        add_datepart(pd.DataFrame(dict(d=col)), 'd')


@pytest.mark.parametrize('col', [
    pd.Series(['2020-01-01T00:00:00+01:00', '2020-01-01T00:00:00+00:00']),  # strings with two different offsets
    pd.Series([pd.Timestamp('2020-01-01', tz='UTC'), pd.Timestamp('2020-01-01', tz='Asia/Tokyo')], dtype=object)])
def test_mixed_timezones_refused(col):
    "A column mixing timezones has no single calendar: refused with a message naming the column, not parsed silently"
    with pytest.raises(ValueError, match="field_name='d': expected a date column"):
        add_datepart(pd.DataFrame(dict(d=col)), 'd')
    ev = pd.DataFrame(dict(d=col, g=1, e=[1, 0]))
    with pytest.raises(ValueError, match="date_field='d': expected a date column"): add_elapsed_times(ev, 'e', 'd', 'g')
