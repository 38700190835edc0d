"""The fuzz classes of issue 11, across modules: each test picks helpers of several modules and asserts a clear error
naming the argument, or the same answer as an independent reference.

`tools/fuzz.py` measures the same classes over every public helper; these tests pin the cases other test files don't
(test_synth: foreign folders and concurrent writers for `synth_paddy`; test_dates_properties: nullable dates;
test_titanic_properties: Titanic frames; test_tta / test_training: `tta` and `fit_tensors`)."""
import contextlib, hashlib, signal, subprocess, sys, textwrap, threading
from pathlib import Path
import numpy as np, pandas as pd, pytest, torch
import torch.nn as nn, torch.nn.functional as F
from hypothesis import given, settings, strategies as st, HealthCheck, Phase
from hypothesis.extra.numpy import arrays
from torch.utils.data import DataLoader, TensorDataset
from conftest import fresh_env, ROOT

SET = settings(max_examples=20, deadline=None, derandomize=True,
               phases=(Phase.explicit, Phase.generate),  # no shrinking: a failure stays fast
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
CLEAR = (ValueError, KeyError, FileNotFoundError, NotADirectoryError, IsADirectoryError, FileExistsError)

def clear_error(fn, *names, types=CLEAR):
    "`fn()` raises one of `types` whose message names one of `names` (the argument, or the path given)"
    with pytest.raises(types) as e: fn()
    assert any(str(n) in str(e.value) for n in names), f'{type(e.value).__name__}: {e.value} (names none of {names})'
    return e.value

@contextlib.contextmanager
def deadline(seconds, what):
    "Fail (instead of hanging the suite) if the block takes longer than `seconds`"
    def stop(*_): raise TimeoutError(f'{what}: no answer within {seconds} s (a one-shot loader iterated forever?)')
    old = signal.signal(signal.SIGALRM, stop); signal.alarm(seconds)
    try: yield
    finally: signal.alarm(0); signal.signal(signal.SIGALRM, old)

def same(a, b, tol=1e-6):
    "Recursive equality for the results compared here (tensors, arrays, frames, numbers, tuples, dicts, objects)"
    if isinstance(a, (torch.Tensor, np.ndarray)) or isinstance(b, (torch.Tensor, np.ndarray)):
        a, b = (np.asarray(x.detach().cpu() if isinstance(x, torch.Tensor) else x, dtype=float) for x in (a, b))
        return a.shape == b.shape and np.allclose(a, b, rtol=tol, atol=tol, equal_nan=True)
    if isinstance(a, pd.DataFrame):
        return a.shape == b.shape and list(a.columns) == list(b.columns) and all(
            same(a[c].to_numpy(float, na_value=np.nan), b[c].to_numpy(float, na_value=np.nan), tol)
            if pd.api.types.is_numeric_dtype(a[c]) else list(a[c]) == list(b[c]) for c in a.columns)
    if isinstance(a, (tuple, list)): return len(a) == len(b) and all(same(x, y, tol) for x, y in zip(a, b))
    if isinstance(a, dict): return list(a) == list(b) and all(same(a[k], b[k], tol) for k in a)
    if isinstance(a, (int, float, np.number)) and not isinstance(a, bool):
        return np.isclose(float(a), float(b), rtol=tol, atol=tol, equal_nan=True)
    if hasattr(a, '__dict__') and not isinstance(a, type): return type(a) is type(b) and same(vars(a), vars(b), tol)
    return a == b

def lin(i=3, o=2, seed=0):
    with torch.random.fork_rng(): torch.manual_seed(seed); return nn.Linear(i, o)  # the global RNG left alone
def flat(n=8, d=3): return torch.randn(n, d, generator=torch.Generator().manual_seed(1))
def imgs(n=8): return torch.rand(n, 3, 8, 8, generator=torch.Generator().manual_seed(2))
def labels(n=8, k=2): return torch.arange(n) % k

# ------------------------------------------------------------------------------------------------ nullable dtypes
NULLABLE = ['Int64', 'Float64', 'boolean']

@SET
@given(st.lists(st.integers(0, 1), min_size=3, max_size=40), st.sampled_from(NULLABLE), st.data())
def test_stats_nullable_series(v, dtype, data):
    "stats on a nullable 0/1 Series: the numpy answer; with one NA: an error naming the argument"
    from dlcourse.stats import bootstrap_ci, accuracy, paired_bootstrap
    s, a = pd.Series(v, dtype=dtype), np.array(v)
    pred = a[::-1].copy()
    assert bootstrap_ci(s, n_boot=50) == pytest.approx(bootstrap_ci(a, n_boot=50))
    assert accuracy(s, pred) == pytest.approx(np.mean(a == pred))  # independent reference: the plain mean
    assert paired_bootstrap(s, pred, a, n_boot=50) == pytest.approx(paired_bootstrap(a, pred, a, n_boot=50))
    na = s.copy(); na.iloc[data.draw(st.integers(0, len(v) - 1))] = pd.NA
    clear_error(lambda: bootstrap_ci(na, n_boot=50), 'values')
    clear_error(lambda: accuracy(na, pred), 'y')
    clear_error(lambda: paired_bootstrap(na, pred, a, n_boot=50), 'y')

def pareto_reference(x, y):
    "On the front unless another row is at least as fast and as accurate, and strictly better on one"
    return [not any(x[j] <= x[i] and y[j] >= y[i] and (x[j] < x[i] or y[j] > y[i]) for j in range(len(x)))
            for i in range(len(x))]

@SET
@given(st.lists(st.tuples(st.integers(1, 20), st.integers(50, 90)), min_size=1, max_size=15),
       st.sampled_from(['Int64', 'Float64']), st.data())
def test_pareto_front_nullable(rows, dtype, data):
    "models.pareto_front on nullable columns: the brute-force front; with an NA: an error naming df"
    from dlcourse.models import pareto_front
    df = pd.DataFrame(rows, columns=['ms', 'top1']).astype(dtype)
    got = pareto_front(df)
    assert got.tolist() == pareto_reference(*zip(*rows))
    df.iloc[data.draw(st.integers(0, len(df) - 1)), 1] = pd.NA
    clear_error(lambda: pareto_front(df), 'df')

@SET
@given(st.lists(st.tuples(st.integers(0, 3), st.floats(0, 80, allow_nan=False), st.integers(0, 1)), min_size=4,
                max_size=30), st.data())
def test_best_split_nullable(rows, data):
    "tabular.best_split on nullable columns: the numpy answer; with an NA: an error naming xs, or the NaN answer"
    from dlcourse.tabular import best_split
    df = pd.DataFrame(rows, columns=['k', 'age', 'y'])
    xs, y = df[['k', 'age']], df.y
    try: want = best_split(xs, y)
    except ValueError: want = None  # e.g. every column constant: the nullable frame must be refused too
    if want is None: clear_error(lambda: best_split(xs.convert_dtypes(), y.astype('Int64')), 'xs', 'y'); return
    assert same(best_split(xs.convert_dtypes(), y.astype('Int64')), want)
    i = data.draw(st.integers(0, len(df) - 1))
    na, nan = xs.astype({'age': 'Float64'}), xs.astype({'age': float})
    na.iloc[i, 1], nan.iloc[i, 1] = pd.NA, np.nan
    try: want = best_split(nan, y)
    except ValueError: want = None
    if want is None: clear_error(lambda: best_split(na, y), 'xs', 'age')
    else:
        try: assert same(best_split(na, y), want)
        except ValueError as e: assert 'xs' in str(e) or 'age' in str(e), e

def test_cleaning_with_string_dtype():
    "apply_cleaning on a frame read with pandas' string dtype: the same rows and labels as with object columns"
    from dlcourse.cleaning import apply_cleaning
    df = pd.DataFrame(dict(image_id=list('abcd'), label=list('xyzx')))
    got = apply_cleaning(df.astype('string'), ['a'], {'b': 'z'})
    assert got.astype(object).values.tolist() == [['b', 'z'], ['c', 'z'], ['d', 'x']]

# ------------------------------------------------------------------------------------------------ numpy scalars
def curve():
    lrs = np.geomspace(1e-7, 10, 100); x = np.log10(lrs)
    return dict(lrs=lrs, losses=2 - 1/(1 + np.exp(-(x + 3))) + np.exp(x - 0.3))

def fit_acc_kw():
    from dlcourse.accumulation import fit_acc
    m = lin(); return fit_acc, dict(model=m, dl=[(flat()[:4], labels(4)), (flat()[4:], labels(4))],
                                    loss_func=F.cross_entropy, opt=torch.optim.SGD(m.parameters(), 0.1), n_acc=8,
                                    n_epoch=1)

def mod(name): import importlib; return importlib.import_module(f'dlcourse.{name}')

# (id, factory -> (callable, kwargs), the integer arguments); int values stay below 128 so every numpy type holds them
INT_CASES = [
    ('stats.bootstrap_ci', lambda: (mod('stats').bootstrap_ci, dict(values=[1, 0, 1, 1, 0, 1], n_boot=50, seed=3)),
     ['n_boot', 'seed']),
    ('stats.paired_bootstrap', lambda: (mod('stats').paired_bootstrap, dict(
        y=[0, 1, 1, 0, 1], pred_a=[0, 1, 0, 0, 1], pred_b=[0, 1, 1, 0, 0], n_boot=50, seed=1)), ['n_boot', 'seed']),
    ('transfer.few_shot_split', lambda: (mod('transfer').few_shot_split, dict(y=np.array([0, 1]*10), n_shot=2, seed=1)),
     ['n_shot', 'seed']),
    ('transfer.one_cycle_lrs', lambda: (mod('transfer').one_cycle_lrs, dict(n_iter=10, lr_max=0.01)), ['n_iter']),
    ('transfer.fine_tune_schedule', lambda: (mod('transfer').fine_tune_schedule, dict(
        epochs=2, base_lr=0.002, n_iter=5, freeze_epochs=1, n_groups=2)),
     ['epochs', 'n_iter', 'freeze_epochs', 'n_groups']),
    ('lr_finder.slide', lambda: (mod('lr_finder').slide, dict(curve(), lr_diff=15)), ['lr_diff']),
    ('lr_finder.lr_find', lambda: (mod('lr_finder').lr_find, dict(
        model=lin(), dl=[(flat(), labels())], loss_func=F.cross_entropy, num_it=6)), ['num_it']),
    ('accumulation.fit_acc', fit_acc_kw, ['n_acc', 'n_epoch']),
    ('cleaning.precision_recall_at_k', lambda: (mod('cleaning').precision_recall_at_k, dict(
        ranked=list('abcd'), bad=['b', 'd'], k=2)), ['k']),
    ('cleaning.oof_probs', lambda: (mod('cleaning').oof_probs, dict(
        x=flat(12), y=labels(12), make_model=lambda: lin(), n_folds=2, seed=1, epochs=1, bs=6, flip=False)),
     ['n_folds', 'seed', 'epochs', 'bs']),
    ('sgd.random_splitter', lambda: (mod('sgd').random_splitter, dict(n=20, seed=3)), ['n', 'seed']),
    ('distributed.toy_problem', lambda: (mod('distributed').toy_problem, dict(n=8, size=4, seed=1)),
     ['n', 'size', 'seed']),
    ('synth.draw_leaf', lambda: (mod('synth').draw_leaf, dict(disease='blast', variety='ADT45', size=16,
                                                               rng=np.random.default_rng(0))), ['size']),
    ('dates.add_elapsed_times', lambda: (mod('dates').add_elapsed_times, dict(
        df=pd.DataFrame(dict(d=pd.date_range('2020-01-01', periods=6), g=[0, 1]*3, e=[1, 0, 0, 1, 0, 0])),
        field_names='e', date_field='d', base_field='g', window=2)), ['window']),
    ('tta.Shift', lambda: (mod('tta').Shift, dict(dx=2, dy=-1)), ['dx', 'dy']),
]
INT_PARAMS = [(c, p) for c in INT_CASES for p in c[2]]

def comparable(r):
    "What to compare: a PIL image as pixels, a transform by what it does, a model's weights"
    if hasattr(r, 'getpixel'): return np.asarray(r)
    if type(r).__name__ == 'Shift': return r(imgs(2))
    if isinstance(r, nn.Module): return r.state_dict()
    return r

def call(factory, **change):
    fn, kw = factory(); kw.update(change)
    return comparable(fn(**kw))

@pytest.mark.parametrize('case,param', INT_PARAMS, ids=[f'{c[0]}-{p}' for c, p in INT_PARAMS])
def test_numpy_integers_are_ints_and_bools_are_not(case, param):
    "Every numpy integer type gives the plain-int answer; a bool is refused with a message naming the argument"
    name, factory, _ = case
    v = factory()[1][param]
    want = call(factory)
    for t in (np.int8, np.int32, np.int64) + ((np.uint16,) if v >= 0 else ()):
        assert same(call(factory, **{param: t(v)}), want), f'{name}({param}={t.__name__}({v})) differs from {v}'
    clear_error(lambda: call(factory, **{param: True}), param)

FLOAT_CASES = [
    ('transfer.one_cycle_lrs', lambda: (mod('transfer').one_cycle_lrs, dict(n_iter=10, lr_max=0.01, pct_start=0.25)),
     ['lr_max', 'pct_start']),
    ('transfer.discriminative_lrs', lambda: (mod('transfer').discriminative_lrs, dict(lr=0.001, n_groups=3)), ['lr']),
    ('stats.n_to_detect', lambda: (mod('stats').n_to_detect, dict(diff=0.01, sd=0.02)), ['diff', 'sd']),
    ('stats.seed_interval', lambda: (mod('stats').seed_interval, dict(values=[0.8, 0.82, 0.79], conf=0.9)), ['conf']),
    ('models.pick_model', lambda: (mod('models').pick_model, dict(
        budget_ms=20., table=pd.DataFrame(dict(arch=['a', 'b'], top1=[70., 80.])),
        timings=pd.DataFrame(dict(arch=['a', 'b'], ms=[10., 30.])))), ['budget_ms']),
    ('lr_finder.lr_find', lambda: (mod('lr_finder').lr_find, dict(
        model=lin(), dl=[(flat(), labels())], loss_func=F.cross_entropy, num_it=6, end_lr=1.)), ['end_lr']),
]
FLOAT_PARAMS = [(c, p) for c in FLOAT_CASES for p in c[2]]

@pytest.mark.parametrize('case,param', FLOAT_PARAMS, ids=[f'{c[0]}-{p}' for c, p in FLOAT_PARAMS])
def test_numpy_floats_are_floats_and_nan_is_refused(case, param):
    "np.float32(v) gives the answer of float(np.float32(v)); NaN and inf are refused with a message naming the argument"
    name, factory, _ = case
    v = np.float32(factory()[1][param])
    assert same(call(factory, **{param: v}), call(factory, **{param: float(v)})), f'{name}({param}=np.float32)'
    for bad in (float('nan'), float('inf')): clear_error(lambda: call(factory, **{param: bad}), param)

# ------------------------------------------------------------------------------------------------ one-shot loaders
def batches(): return [(flat()[:4], labels(4)), (flat()[4:], labels(4))]
def img_batches(): return [(imgs()[:4], labels(4)), (imgs()[4:], labels(4))]
def head_batches(): return [(flat(8, 5)[:4], labels(4), labels(4, 3)), (flat(8, 5)[4:], labels(4), labels(4, 3))]

def cnn():
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                             nn.Flatten(), nn.Linear(4, 2))

LOADER_CASES = {  # helper -> function of a loader returning what must not depend on how the batches are delivered
    'lr_finder.lr_find': lambda dl: mod('lr_finder').lr_find(lin(), dl, F.cross_entropy, num_it=6)[:3],
    'accumulation.fit_acc': lambda dl: fit_acc_kw()[0](**dict(fit_acc_kw()[1], dl=dl)),
    'multi_target.head_probs': lambda dl: mod('multi_target').head_probs(lin(5, 5), dl, dict(a=2, b=3)),
    'tta.tta_table': lambda dl: mod('tta').tta_table(cnn(), dl, n_boot=50)['error'].tolist(),
}
SOURCES = {'lr_finder.lr_find': batches, 'accumulation.fit_acc': batches, 'multi_target.head_probs': head_batches,
           'tta.tta_table': img_batches}

@pytest.mark.parametrize('kind', ['generator', 'zip'])
@pytest.mark.parametrize('helper', list(LOADER_CASES))
def test_one_shot_loaders(helper, kind):
    "A generator or zip of batches: the same answer as the list, or a ValueError naming dl; never a hang"
    run, bs = LOADER_CASES[helper], SOURCES[helper]()
    want = run(bs)
    one_shot = (b for b in bs) if kind == 'generator' else zip(*map(list, zip(*bs)))
    with deadline(10, f'{helper} on a {kind}'):
        try: got = run(one_shot)
        except ValueError as e: assert 'dl' in str(e), e; return
    assert same(got, want), f'{helper}: a {kind} of the same batches gave another answer'

# ------------------------------------------------------------------------------------------------ shuffled loaders
@SET
@given(st.integers(0, 2**16))
def test_head_probs_keeps_items_together_under_shuffling(seed):
    "head_probs with a shuffling loader: every item keeps its own probabilities and targets (or dl is refused)"
    from dlcourse.multi_target import head_probs
    ds = TensorDataset(flat(10, 5), labels(10), labels(10, 3))
    model, sizes = lin(5, 5), dict(a=2, b=3)
    def rows(res):  # one row per item: its probabilities and targets for every head, in a canonical order
        r = torch.cat([torch.cat([p, t[:, None].float()], 1) for p, t in res.values()], 1).numpy().round(5)
        return r[np.lexsort(r.T[::-1])]
    want = rows(head_probs(model, DataLoader(ds, batch_size=4), sizes))
    dl = DataLoader(ds, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(seed))
    try: got = rows(head_probs(model, dl, sizes))
    except ValueError as e: assert 'dl' in str(e), e; return
    np.testing.assert_allclose(got, want, atol=1e-4)

def test_tta_table_same_errors_under_shuffling():
    "tta_table's error rates do not depend on the loader's order (or a shuffling loader is refused)"
    from dlcourse.tta import tta_table
    x, model = imgs(16) - 0.5, nn.Sequential(nn.Flatten(), lin(192, 2))
    with torch.no_grad(): y = model(x).argmax(1)  # each image its own answer: mixing images up shows as errors
    ds = TensorDataset(x, y)
    want = tta_table(model, DataLoader(ds, batch_size=4), n_boot=50)
    try: got = tta_table(model, DataLoader(ds, batch_size=4, shuffle=True,
                                           generator=torch.Generator().manual_seed(3)), n_boot=50)
    except ValueError as e: assert 'dl' in str(e), e; return
    np.testing.assert_allclose(got['error'].astype(float), want['error'].astype(float))

# ---------------------------------------------------------------------------------------- logits for probabilities
def is_probs(a): return a.min() >= 0 and a.max() <= 1 and np.allclose(a.sum(1), 1, atol=1e-3)

@SET
@given(arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(2, 5)), elements=st.floats(-6, 6)), st.data())
def test_item_losses_and_cleaner_table_want_probabilities(z, data):
    "Probabilities: -log p[target] (the reference); logits: a ValueError naming probs"
    from dlcourse.cleaning import item_losses, cleaner_table, multi_head_cleaner_table
    t = np.array(data.draw(st.lists(st.integers(0, z.shape[1] - 1), min_size=len(z), max_size=len(z))))
    p = np.exp(z - z.max(1, keepdims=True)); p /= p.sum(1, keepdims=True)
    np.testing.assert_allclose(item_losses(p, t), -np.log(np.clip(p[np.arange(len(p)), t], 1e-7, 1)), rtol=1e-6)
    vocab, items = [f'c{i}' for i in range(z.shape[1])], [f'i{i}' for i in range(len(z))]
    tab = cleaner_table(items, p, t, vocab)
    np.testing.assert_allclose(np.sort(tab.loss.to_numpy()), np.sort(item_losses(p, t)), rtol=1e-6)
    if not is_probs(z):
        clear_error(lambda: item_losses(z, t), 'probs')
        clear_error(lambda: cleaner_table(items, z, t, vocab), 'probs')
        clear_error(lambda: multi_head_cleaner_table(items, dict(h=(z, t)), dict(h=vocab)), 'probs', 'head_probs')

def test_out_of_fold_predictions_are_probabilities():
    "oof_probs returns what its name says: rows of probabilities"
    cleaning = mod('cleaning')
    if not hasattr(cleaning, 'oof_probs'): pytest.skip('oof_probs was renamed (issue 11 allows either)')
    p = cleaning.oof_probs(flat(16) * 5, labels(16), lambda: lin(), n_folds=2, epochs=1, bs=8, flip=False)
    p = np.asarray(p.detach() if torch.is_tensor(p) else p, dtype=float)
    assert p.shape == (16, 2) and is_probs(p), f'rows are not probabilities: {p[:2]}'

# ------------------------------------------------------------------------------------------------ foreign folders
def tree(d: Path) -> dict:
    "Every file under d with its SHA-256: what must be left exactly as it was"
    return {str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(d.rglob('*')) if p.is_file()}

READERS = {  # helper -> call on a folder the learner passes
    'data.check_paddy_folder': lambda p: mod('data').check_paddy_folder(p),
    'data.paddy_arrays': lambda p: mod('data').paddy_arrays(p),
    'data.paddy': lambda p: mod('data').paddy(p),
    'data.titanic': lambda p: mod('data').titanic(p),
    'data.weather': lambda p: mod('data').weather(p),
    'cli.lesson_notebooks': lambda p: mod('cli').lesson_notebooks(p, ['00_checks']),
    'site.lesson_table': lambda p: mod('site').lesson_table(p),
    'device.write_atomic': lambda p: mod('device').write_atomic(p, b'new bytes'),
}

FOREIGN = [(h, w) for h in READERS for w in ('a file', 'a folder of my own files')]

@pytest.mark.parametrize('helper,where', FOREIGN)
def test_foreign_folders_and_files(helper, where, tmp_path):
    "A file where a folder is expected, or someone else's folder: a clear error naming it, and nothing changed"
    mine = tmp_path/'mine'; mine.mkdir()
    (mine/'notes.txt').write_text('my notes'); (mine/'train.csv').write_text('a,b\n1,2\n')
    (mine/'sub').mkdir(); (mine/'sub'/'x.bin').write_bytes(bytes(range(256)))
    target = mine/'notes.txt' if where == 'a file' else mine
    if helper in ('device.write_atomic', 'data.weather') and where == 'a file': target = mine/'sub'  # these want a file
    before = tree(mine)
    clear_error(lambda: READERS[helper](target), 'path', 'nbs_dir', target.name)
    assert tree(mine) == before, f'{helper} changed files in the folder it was given'

# ------------------------------------------------------------------------------------------------ concurrent writers
WRITER = textwrap.dedent('''
    import sys
    from dlcourse.device import write_atomic, record_sha256
    path, byte = sys.argv[1], int(sys.argv[2])
    for _ in range(15):
        write_atomic(path, bytes([byte]) * 200_000); record_sha256(path, writer=byte)
''')

def test_concurrent_atomic_writers(tmp_path):
    "Processes and threads writing the same cached file: it ends whole, recorded, with no temporary file left"
    from dlcourse.device import write_atomic, record_sha256, cached_file_ok
    target = tmp_path/'weights.bin'
    procs = [subprocess.Popen([sys.executable, '-c', WRITER, str(target), str(b)], env=fresh_env(), cwd=str(ROOT),
                              stderr=subprocess.PIPE, text=True) for b in (1,)]
    errs = []
    def thread(b):
        try:
            for _ in range(15): write_atomic(target, bytes([b]) * 200_000); record_sha256(target, writer=b)
        except Exception as e: errs.append(e)
    ts = [threading.Thread(target=thread, args=(b,)) for b in (2, 3)]
    [t.start() for t in ts]; [t.join() for t in ts]
    outs = [p.communicate(timeout=120)[1] for p in procs]
    assert not errs and all(p.returncode == 0 for p in procs), (errs, outs)
    data = target.read_bytes()
    assert len(data) == 200_000 and len(set(data)) == 1, 'the file mixes two writers'
    record_sha256(target, writer=data[0])  # the last record may belong to another writer's bytes: re-record
    assert cached_file_ok(target, writer=data[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ['weights.bin', 'weights.bin.json']

# ------------------------------------------------------------------------------------------------ side effects
RNG_CASES = {
    'stats.bootstrap_ci': lambda: mod('stats').bootstrap_ci([1, 0, 1, 1], n_boot=50, seed=1),
    'transfer.few_shot_split': lambda: mod('transfer').few_shot_split(np.array([0, 1]*5), 2, seed=1),
    'cleaning.oof_probs': lambda: mod('cleaning').oof_probs(flat(12), labels(12), lambda: lin(), n_folds=2, epochs=1,
                                                            bs=6, flip=False),
    'distributed.toy_problem': lambda: mod('distributed').toy_problem(8, seed=1, size=4),
    'lr_finder.lr_find': lambda: mod('lr_finder').lr_find(lin(), batches(), F.cross_entropy, num_it=6),
    'new_domain.bn_head': lambda: mod('new_domain').bn_head(8, 3),  # no seed: its zeroed weights need no draw
}

@pytest.mark.parametrize('helper', list(RNG_CASES))
def test_seeded_helpers_leave_the_global_rngs_alone(helper):
    "A helper with its own seed does not reseed (or consume) torch's, numpy's and random's global generators"
    import random
    RNG_CASES[helper]()  # first call: lazy imports may draw numbers
    torch.manual_seed(123); np.random.seed(123); random.seed(123)
    before = torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate()
    RNG_CASES[helper]()
    assert torch.equal(torch.get_rng_state(), before[0]), 'torch global RNG changed'
    assert np.array_equal(np.random.get_state()[1], before[1]), 'numpy global RNG changed'
    assert random.getstate() == before[2], 'random global RNG changed'

def test_head_probs_restores_every_module_mode():
    "head_probs puts back each submodule's own mode (a BatchNorm kept in eval inside a training model)"
    from dlcourse.multi_target import head_probs
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 5), nn.BatchNorm1d(5)).train(); model[1].eval()
    modes = [m.training for m in model.modules()]
    head_probs(model, head_batches(), dict(a=2, b=3))
    assert [m.training for m in model.modules()] == modes

# ------------------------------------------------ frames: duplicate/MultiIndex columns and nullable dtypes (10b's runs)
def small_first_runs():
    return pd.DataFrame([dict(model=m, idea=i, seed=s, value=v + 0.01*s) for m in ('small', 'large') for s in (0, 1)
                         for i, v in zip('abc', (0.1, 0.3, 0.2))])

@pytest.mark.parametrize('odd', ['duplicate', 'MultiIndex', 'Int64 seed with NA', 'Float64 value with NA',
                                 'string values'])
def test_rank_agreement_frames(odd):
    "rank_agreement names `runs` (not pandas' 'Grouper not 1-dimensional', nor spearman's 'a, b') for odd frames"
    from dlcourse.small_first import rank_agreement
    runs = small_first_runs()
    if odd == 'duplicate': runs = pd.concat([runs, runs.seed], axis=1)
    elif odd == 'MultiIndex': runs.columns = pd.MultiIndex.from_tuples([(c, '') for c in runs.columns])
    elif odd == 'Int64 seed with NA': runs['seed'] = runs.seed.astype('Int64'); runs.loc[0, 'seed'] = pd.NA
    elif odd == 'Float64 value with NA': runs['value'] = runs.value.astype('Float64'); runs.loc[3, 'value'] = pd.NA
    else: runs['value'] = runs.value.astype(str)
    clear_error(lambda: rank_agreement(runs), 'runs')
    assert rank_agreement(small_first_runs())[0] == 1.  # the plain frame still works
