#!/usr/bin/env python
"""Fuzz dlcourse's public helpers with the odd inputs a learner passes, and classify what each helper does.

    python tools/fuzz.py [--json out.json] [--only REGEX] [--timeout SECONDS] [-v]

Every public helper (`__all__`: functions and classes defined in the module) gets one *base call* with small valid
arguments (the BASE table below; the only hand-written part). Cases are then derived from each argument's name,
annotation and base value (RULES): numpy scalars and bools for counts, NaN/inf/negative rates, nullable dtypes,
duplicate/MultiIndex columns and empty frames, one-shot and shuffled loaders, logits for probabilities, one-hot and
{1, 2} labels, a file where a folder is expected and a folder holding someone else's files, odd image tensors.
A few cases no rule derives (concurrent writers, integer class names, outputs that must be probabilities, ...) are
in EXTRA. The base call is also run twice to look for side effects (global RNG reseeded, model modes, pandas
options, torch flags, environment), and every module import is checked the same way.

Each case is classified:
  OK        a clear error: ValueError / KeyError / FileNotFoundError / NotADirectoryError / IsADirectoryError /
            FileExistsError whose message names the argument
  ACCEPTED  an input that should just work did, with the same result as the plain call (or an independent reference)
  SILENT    a result where an error was expected, or a result different from the reference
  REFUSED   a clear error for an input that should be accepted (e.g. np.int64(3) where 3 works)
  CRASH     an exception from deep inside pandas/torch/numpy/PIL, or one that does not name the argument
  HANG      the call exceeded the per-case timeout
  SIDE      a side effect on global state (RNG reseeded, model mode, options) or on the caller's data
  DATA-LOSS a probe of tools/fuzz_edges.py found a write that a kill, a second writer or a link can spoil
  SECURITY  a probe of tools/fuzz_edges.py found the app reachable beyond this machine, or a model file running code
The script always exits 0: it is a measuring instrument, not a test (tests/test_fuzz_classes.py holds the tests).
Everything it writes goes to a private temporary folder (also used as DLCOURSE_CACHE); the network stays off.
"""
import os, sys, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # tools/, for runenv
from runenv import private_tmp  # noqa: E402
# removed when this process exits, however the module is used (alone, by a test); every other temporary folder
# (tools/fuzz_edges.py's probes, the writers they start) goes in it
TMP = private_tmp('dlcourse-fuzz-')
os.environ.update(DLCOURSE_CACHE=os.path.join(TMP, 'cache'), HF_HUB_OFFLINE='1', OMP_NUM_THREADS='1',
                  MPLBACKEND='Agg', DLCOURSE_NETGUARD_LOG=os.path.join(TMP, 'netguard.log'),
                  MPLCONFIGDIR=os.path.join(TMP, 'mpl'), FASTAI_HOME=os.path.join(TMP, 'fastai'),
                  TORCH_HOME=os.path.join(TMP, 'torch'))  # every cache a helper might fill stays in TMP
os.environ.pop('DLCOURSE_DATA', None)
import argparse, contextlib, copy, importlib, inspect, io, json, math, numbers, pkgutil, random, re, signal
import subprocess, threading, time, traceback, warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT/'tests'/'netguard'))
import netguard  # noqa: E402  (refuses non-local connections)
netguard.install()
warnings.simplefilter('ignore')
import numpy as np, pandas as pd  # noqa: E402
import torch, torch.nn as nn, torch.nn.functional as F  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402
torch.set_num_threads(1)

CLEAR = (ValueError, KeyError, FileNotFoundError, NotADirectoryError, IsADirectoryError, FileExistsError)
CLASSES = ['OK', 'ACCEPTED', 'SILENT', 'REFUSED', 'CRASH', 'HANG', 'SIDE', 'DATA-LOSS', 'SECURITY']
GOOD = {'OK', 'ACCEPTED'}

# ---------------------------------------------------------------------------------------------------------------
# Fixtures: small valid inputs, built fresh (seeded) for every call so in-place training cannot leak between cases
# ---------------------------------------------------------------------------------------------------------------
def seed(s=0): torch.manual_seed(s); np.random.seed(s); random.seed(s)

def tmpdir(name) -> Path:
    d = Path(tempfile.mkdtemp(prefix=name + '-', dir=TMP)); return d

@cache
def titanic():
    from dlcourse.data import titanic as t
    return t()

def ti(): return titanic().copy()
def prep(): from dlcourse.sgd import prep_titanic; return prep_titanic(ti())
def tt():
    from dlcourse.sgd import titanic_tensors
    return titanic_tensors(prep())
def xs_y(n=200):
    from dlcourse.tabular import titanic_xs_y
    xs, y = titanic_xs_y(ti()); return xs.iloc[:n], y.iloc[:n]

@cache
def paddy_dir() -> Path:
    from dlcourse.synth import synth_paddy
    return synth_paddy(Path(TMP)/'paddy', n_per_class=2, size=16, n_test=2, progress=False)

def imgs(n=8): seed(); return torch.rand(n, 3, 8, 8)
def labels(n=8, k=2): return torch.arange(n) % k
def cnn(n_out=2):
    seed(); return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                                 nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, n_out))
def lin(i=3, o=2): seed(); return nn.Linear(i, o)
def flat(n=8, d=3): seed(); return torch.randn(n, d)
def loader(*ts, bs=4): return DataLoader(TensorDataset(*ts), batch_size=bs, shuffle=False)
def unif(n=6): seed(); return torch.rand(n)  # seeded: the base call and each case see the same values
def probs(n=8, k=3): seed(); return torch.softmax(torch.randn(n, k), 1)
def events():
    return pd.DataFrame(dict(date=pd.date_range('2020-01-01', periods=8), g=[0, 1]*4, e=[0, 1, 0, 0, 1, 0, 0, 1]))
def curve():
    lrs = np.geomspace(1e-7, 10, 100); x = np.log10(lrs)
    return lrs, 2 - 1/(1 + np.exp(-(x + 3))) + np.exp(x - 0.3)
def a_file():
    f = Path(tempfile.mkstemp(dir=TMP, suffix='.txt')[1]); f.write_text('x'); return f
def timm_tiny():
    from dlcourse.device import create_timm_model
    seed(); return create_timm_model('resnet18', num_classes=2)

def cleaner_base():
    from dlcourse.cleaning import cleaner_table
    t = cleaner_table(list('abcdefgh'), probs(), labels(8, 3), ['x', 'y', 'z'])
    t.loc[0, 'action'], t.loc[1, 'action'] = 'delete', 'z'; return t

def M(mod):
    return importlib.import_module(f'dlcourse.{mod}')

# ---------------------------------------------------------------------------------------------------------------
# BASE: helper -> factory returning (callable, kwargs) for one small valid call. Optional Base fields:
#   kinds: {param: kind} to override the name rules; only: the params to mutate; cmp: result comparator;
#   trains: the helper trains its model in place (model mode not checked); eval_dl: order must not matter
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Base:
    make: Callable
    kinds: dict = field(default_factory=dict)
    only: tuple | None = None
    cmp: Callable | None = None
    trains: bool = False
    eval_dl: bool = False
    zero_ok: tuple = ()      # counts for which 0 is documented as valid
    signed: tuple = ()       # numbers that may be negative here (a cut-off on values), though their name is a rate's

def shape_cmp(a, b): return type(a) is type(b) and getattr(a, 'shape', None) == getattr(b, 'shape', None)
def cols_cmp(a, b): return list(a.columns) == list(b.columns) and len(a) == len(b)
def f(mod_, name_, **kw): return lambda: (getattr(M(mod_), name_), kw)

BASE = {
    # accumulation
    'accumulation.acc_backward': Base(lambda: (M('accumulation').acc_backward, dict(
        model=lin(), xb=flat(4), yb=labels(4), loss_func=F.cross_entropy, n_acc=8))),
    'accumulation.find_bn': Base(lambda: (M('accumulation').find_bn, dict(model=cnn()))),
    'accumulation.fit_acc': Base(lambda: (lambda m: (M('accumulation').fit_acc, dict(
        model=m, dl=loader(flat(), labels()), loss_func=F.cross_entropy, opt=torch.optim.SGD(m.parameters(), 0.1),
        n_acc=8, n_epoch=1)))(lin()), trains=True),
    # checks
    'checks.check_int': Base(f('checks', 'check_int', v=3, name='n'), only=('v',)),
    'checks.check_num': Base(f('checks', 'check_num', v=0.5, name='rate', lo=0, hi=1), only=('v',)),
    'checks.check_frac': Base(f('checks', 'check_frac', v=0.5, name='frac'), only=('v',)),
    'checks.check_one_of': Base(f('checks', 'check_one_of', v='a', name='opt', options=['a', 'b']), only=('v',)),
    'checks.check_frame': Base(lambda: (M('checks').check_frame, dict(df=pd.DataFrame(dict(a=[1, 2], b=[.5, 1.])))),
                               only=('df',)),
    'checks.check_cols': Base(lambda: (M('checks').check_cols, dict(df=pd.DataFrame(dict(a=[1, 2], b=[.5, 1.])),
                                                                      cols=['a'])), only=('df',)),
    'checks.as_array': Base(lambda: (M('checks').as_array, dict(x=pd.Series([1, 2, 3]), name='x')), only=('x',)),
    'checks.check_ndim': Base(lambda: (M('checks').check_ndim, dict(x=np.zeros((2, 2)), name='x', ndim=2)), only=()),
    'checks.check_same_len': Base(lambda: (M('checks').check_same_len, dict(a=[1, 2], b=[3, 4])), only=()),
    'checks.check_labels': Base(lambda: (M('checks').check_labels, dict(y=np.array([0, 1, 1, 0]), name='y',
                                                                         n_classes=2)), only=('y', 'n_classes')),
    'checks.check_probs': Base(lambda: (M('checks').check_probs, dict(p=probs().numpy(), name='p')),
                               kinds=dict(p='probs'), only=('p',)),
    'checks.check_fracs': Base(lambda: (M('checks').check_fracs, dict(p=unif(), name='p')), kinds=dict(p='probs1'),
                               only=('p',)),
    'checks.check_reiterable': Base(lambda: (M('checks').check_reiterable, dict(dl=[1, 2])), only=()),
    'checks.check_preds': Base(lambda: (M('checks').check_preds, dict(pred=probs().numpy(), name='pred')),
                               only=()),  # its one-column cases are in one_column_cases
    'checks.check_loader': Base(lambda: (M('checks').check_loader, dict(dl=list(loader(flat(), labels())))),
                                only=('dl',)),
    'checks.check_model_input': Base(lambda: (M('checks').check_model_input, dict(x=imgs(), name='x', model=cnn())),
                                     only=('x',)),
    'checks.check_loss': Base(lambda: (M('checks').check_loss, dict(loss_func=F.cross_entropy)), only=('loss_func',)),
    'checks.check_opt': Base(lambda: (lambda m: (M('checks').check_opt, dict(opt=torch.optim.SGD(m.parameters(), 0.1),
                                                                             model=m)))(lin()), only=('opt',)),
    'checks.global_state': Base(f('checks', 'global_state'), only=(), cmp=lambda a, b: sorted(a) == sorted(b)),
    'checks.state_changes': Base(lambda: (M('checks').state_changes, dict(before=M('checks').global_state(),
                                                                          after=M('checks').global_state())), only=()),
    'checks.is_shuffled': Base(lambda: (M('checks').is_shuffled, dict(dl=loader(flat(), labels()))), only=()),
    'checks.check_dir': Base(lambda: (M('checks').check_dir, dict(path=tmpdir('dir'))), only=()),
    # cleaning
    'cleaning.item_losses': Base(lambda: (M('cleaning').item_losses, dict(probs=probs(), targs=labels(8, 3)))),
    'cleaning.oof_probs': Base(lambda: (M('cleaning').oof_probs, dict(
        x=flat(16), y=labels(16), make_model=lambda: nn.Linear(3, 2), n_folds=2, seed=0, epochs=1, bs=8, flip=False,
        progress=False)), trains=True),
    'cleaning.oof_logits': Base(lambda: (M('cleaning').oof_logits, dict(
        x=flat(16), y=labels(16), make_model=lambda: nn.Linear(3, 2), n_folds=2, seed=0, epochs=1, bs=8, flip=False,
        progress=False)), trains=True),
    'cleaning.label_errors': Base(lambda: (M('cleaning').label_errors, dict(
        df=pd.DataFrame(dict(image_id=list('abcd'), label=list('xyzx'))), truth=dict(a='x', b='z', c='z', d='y')))),
    'cleaning.precision_recall_at_k': Base(f('cleaning', 'precision_recall_at_k', ranked=['a', 'b', 'c'],
                                             bad=['b'], k=2)),
    'cleaning.cleaner_table': Base(lambda: (M('cleaning').cleaner_table, dict(
        items=list('abcdefgh'), probs=probs(), targs=labels(8, 3), vocab=['x', 'y', 'z']))),
    'cleaning.multi_head_cleaner_table': Base(lambda: (M('cleaning').multi_head_cleaner_table, dict(
        items=list('abcdefgh'), head_probs=dict(label=(probs(), labels(8, 3)), variety=(probs(8, 2), labels(8))),
        vocabs=dict(label=['x', 'y', 'z'], variety=['u', 'v'])))),
    'cleaning.cleaner_actions': Base(lambda: (M('cleaning').cleaner_actions, dict(table=cleaner_base(),
                                                                                 vocab=['x', 'y', 'z']))),
    'cleaning.apply_cleaning': Base(lambda: (M('cleaning').apply_cleaning, dict(
        df=pd.DataFrame(dict(image_id=list('abcd'), label=list('xyzx'))), delete=['a'], relabel={'b': 'z'}))),
    # cli (notebook runners themselves are skipped: they execute notebooks)
    'cli.cell_directives': Base(f('cli', 'cell_directives', source='#| export\nx = 1')),
    'cli.skip_cell': Base(f('cli', 'skip_cell', cell=dict(cell_type='code', source='#| slow\n1'), skip_flags={'slow'})),
    'cli.project_root': Base(lambda: (M('cli').project_root, dict(start=ROOT/'nbs'))),
    'cli.nbdev_settings': Base(lambda: (M('cli').nbdev_settings, dict(root=ROOT))),
    'cli.skip_flags': Base(lambda: (M('cli').skip_flags, dict(flags=(), root=ROOT))),
    'cli.lesson_notebooks': Base(lambda: (M('cli').lesson_notebooks, dict(nbs_dir=ROOT/'nbs', lessons=['00_checks']))),
    'cli.results_table': Base(f('cli', 'results_table',
                                rows=[dict(lesson='a', seconds=1.0, status='ok', html='a.html')])),
    # data
    'data.find_data': Base(lambda: (M('data').find_data, dict(name='titanic', fname='train.csv')),
                           kinds=dict(path='file_or_dir')),
    'data.package_file': Base(f('data', 'package_file', pkg='dlcourse', parts=())),
    'data.titanic': Base(f('data', 'titanic')),
    'data.weather': Base(f('data', 'weather'), kinds=dict(path='file')),
    'data.check_paddy_folder': Base(lambda: (M('data').check_paddy_folder, dict(path=paddy_dir()))),
    'data.paddy': Base(lambda: (M('data').paddy, dict(path=paddy_dir()))),
    'data.paddy_arrays': Base(lambda: (M('data').paddy_arrays, dict(path=paddy_dir(), size=8))),
    # dates
    'dates.as_datetime': Base(lambda: (M('dates').as_datetime, dict(col=events().date))),
    'dates.elapsed_seconds': Base(lambda: (M('dates').elapsed_seconds, dict(dates=events().date))),
    'dates.add_datepart': Base(lambda: (M('dates').add_datepart, dict(df=events(), field_name='date'))),
    'dates.add_elapsed_times': Base(lambda: (M('dates').add_elapsed_times, dict(
        df=events(), field_names='e', date_field='date', base_field='g', window=2))),
    'dates.add_cyclic': Base(lambda: (M('dates').add_cyclic, dict(df=pd.DataFrame(dict(m=range(1, 13))),
                                                                  field_name='m', period=12))),
    # device
    'device.default_device': Base(f('device', 'default_device', use='cpu')),
    'device.to_device': Base(lambda: (M('device').to_device, dict(b=(flat(2), labels(2)), device='cpu'))),
    'device.seed_everything': Base(f('device', 'seed_everything', seed=42)),
    'device.write_atomic': Base(lambda: (M('device').write_atomic, dict(path=tmpdir('w')/'f.bin', data=b'abc')),
                                kinds=dict(path='file_out')),
    'device.cached_file_ok': Base(lambda: (M('device').cached_file_ok, dict(path=a_file())),
                                  only=()),  # a missing file gives False: documented
    'device.record_sha256': Base(lambda: (M('device').record_sha256, dict(path=a_file())), kinds=dict(path='file')),
    'device.create_timm_model': Base(f('device', 'create_timm_model', arch='resnet18'), kinds=dict(checkpoint='file')),
    'device.model_stats': Base(lambda: (M('device').model_stats, dict(model=timm_tiny()))),
    # distributed (ddp_grads, ddp_grads_sweep and ddp_launch need a process group: skipped)
    'distributed.toy_problem': Base(f('distributed', 'toy_problem', n=8, size=4), cmp=lambda a, b: same(a[1:], b[1:])),
    'distributed.big_batch_grads': Base(f('distributed', 'big_batch_grads', n=8)),
    # frameworks
    'frameworks.Node': Base(f('frameworks', 'Node', name='x', op='input', inputs=())),
    'frameworks.Graph': Base(f('frameworks', 'Graph')),
    'frameworks.run_graph': Base(lambda: (M('frameworks').run_graph, graph_kw())),
    'frameworks.graph_grads': Base(lambda: (M('frameworks').graph_grads, dict(graph_kw(), out='mean_4'))),
    'frameworks.fx_ops': Base(lambda: (M('frameworks').fx_ops, dict(model=cnn()))),
    # lr_finder
    **{f'lr_finder.{n}': Base(lambda n=n: (getattr(M('lr_finder'), n), dict(zip(('lrs', 'losses'), curve()))))
       for n in ('valley', 'slide', 'minimum', 'steep', 'slide_scaled')},
    'lr_finder.titanic_task': Base(f('lr_finder', 'titanic_task', epochs=1), cmp=lambda a, b: same(a[:2], b[:2])),
    'lr_finder.diabetes_task': Base(f('lr_finder', 'diabetes_task', epochs=1), cmp=lambda a, b: same(a[:2], b[:2])),
    'lr_finder.train_eval': Base(lambda: (M('lr_finder').train_eval, dict(task=M('lr_finder').titanic_task(1),
                                                                          lr=0.01, epochs=1))),
    'lr_finder.lr_grid_compare': Base(lambda: (M('lr_finder').lr_grid_compare, grid_kw()), only=()),
    'lr_finder.suggestion_vs_best': Base(lambda: (M('lr_finder').suggestion_vs_best, dict(summary=grid()[1]))),
    'lr_finder.lr_find': Base(lambda: (M('lr_finder').lr_find, dict(model=lin(), dl=loader(flat(), labels()),
                                                                    loss_func=F.cross_entropy, num_it=6))),
    # model_zoo
    'model_zoo.zoo_model': Base(f('model_zoo', 'zoo_model', name='resnet18')),
    'model_zoo.zoo_table': Base(f('model_zoo', 'zoo_table', names=['mobilenet_v3_small'], size=32, n=6, warmup=0,
                                  timed=False, progress=False), cmp=cols_cmp),
    # models (build_timm_table needs timm's results files)
    'models.timm_table': Base(f('models', 'timm_table')),
    'models.benchmark_models': Base(f('models', 'benchmark_models', archs=['resnet18'], img_size=32, n_warmup=0,
                                      n_runs=1), cmp=cols_cmp),
    'models.time_model': Base(lambda: (M('models').time_model, dict(model=cnn(), img_size=16, n_warmup=0, n_runs=2)),
                              cmp=lambda a, b: sorted(a) == sorted(b) and a['params_m'] == b['params_m']),
    'models.pareto_front': Base(lambda: (M('models').pareto_front, dict(df=speed_table()))),
    'models.plot_speed_accuracy': Base(lambda: (M('models').plot_speed_accuracy, dict(df=speed_table())),
                                       cmp=lambda a, b: type(a) is type(b)),
    'models.pick_model': Base(lambda: (M('models').pick_model, dict(budget_ms=20., archs=['a', 'b'],
        table=pd.DataFrame(dict(arch=['a', 'b'], top1=[70., 80.])),
        timings=pd.DataFrame(dict(arch=['a', 'b'], ms=[10., 30.]))))),
    # multi_target
    'multi_target.paddy_multi_dls': Base(lambda: (M('multi_target').paddy_multi_dls, dict(
        path=paddy_dir(), bs=4, size=16, valid_pct=0.25)), cmp=lambda a, b: type(a) is type(b)),
    'multi_target.head_sizes': Base(lambda: (M('multi_target').head_sizes, dict(dls=multi_dls()))),
    'multi_target.split_heads': Base(lambda: (M('multi_target').split_heads, dict(preds=flat(4, 5),
                                                                                 sizes=dict(a=2, b=3)))),
    'multi_target.MultiHeadLoss': Base(f('multi_target', 'MultiHeadLoss', sizes=dict(a=2, b=3))),
    'multi_target.head_metrics': Base(f('multi_target', 'head_metrics', sizes=dict(a=2, b=3)),
                                      cmp=lambda a, b: len(a) == len(b)),
    'multi_target.head_probs': Base(lambda: (M('multi_target').head_probs, dict(
        model=lin(3, 5), dl=loader(flat(), labels(), labels(8, 3)), sizes=dict(a=2, b=3))), eval_dl=True),
    # neural_net
    'neural_net.quad': Base(lambda: (M('neural_net').quad, dict(a=3., b=2., c=1., x=torch.linspace(-2, 2, 5)))),
    'neural_net.mk_quad': Base(f('neural_net', 'mk_quad', a=3., b=2., c=1.)),
    'neural_net.noisy_data': Base(lambda: (M('neural_net').noisy_data, dict(f=M('neural_net').mk_quad(3., 2., 1.),
                                                                            n=10))),
    'neural_net.fit_quadratic': Base(lambda: (M('neural_net').fit_quadratic, dict(
        x=torch.linspace(-2, 2, 10), y=torch.linspace(-2, 2, 10)**2, steps=3))),
    'neural_net.relu_sum': Base(lambda: (M('neural_net').relu_sum, dict(
        x=torch.linspace(-2, 2, 5)[:, None], ms=torch.tensor([1., -1.]), bs=torch.tensor([0., 1.])))),
    'neural_net.fit_relus': Base(lambda: (M('neural_net').fit_relus, dict(
        x=torch.linspace(-2, 2, 10)[:, None], y=torch.linspace(-2, 2, 10)[:, None]**2, n=2, steps=3))),
    # pytorch_basics (compare_compiled runs torch.compile: skipped)
    'pytorch_basics.time_calls': Base(f('pytorch_basics', 'time_calls', f=abs, args=(1,), n=3, warmup=0),
                                      cmp=shape_cmp),
    'pytorch_basics.time_it': Base(f('pytorch_basics', 'time_it', f=abs, args=(1,), n=3, warmup=0),
                                   cmp=lambda a, b: type(a) is type(b)),
    'pytorch_basics.median_ci': Base(f('pytorch_basics', 'median_ci', values=[1., 2., 3., 4., 5., 6.])),
    # sgd
    'sgd.prep_titanic': Base(lambda: (M('sgd').prep_titanic, dict(df=ti()))),
    'sgd.titanic_tensors': Base(lambda: (M('sgd').titanic_tensors, dict(df=prep()))),
    'sgd.random_splitter': Base(f('sgd', 'random_splitter', n=20)),
    'sgd.titanic_splits': Base(lambda: (M('sgd').titanic_splits, dict(df=ti()))),
    'sgd.linear_grads': Base(lambda: (M('sgd').linear_grads, dict(zip(('coeffs', 'indeps', 'deps'), sgd_xy())))),
    'sgd.hand_step': Base(lambda: (M('sgd').hand_step, dict(zip(('coeffs', 'indeps', 'deps'), sgd_xy()), lr=0.1))),
    'sgd.init_linear': Base(f('sgd', 'init_linear', n_coeff=12)),
    'sgd.linear_preds': Base(lambda: (M('sgd').linear_preds, dict(zip(('coeffs', 'indeps'), sgd_xy())))),
    'sgd.sigmoid_preds': Base(lambda: (M('sgd').sigmoid_preds, dict(zip(('coeffs', 'indeps'), sgd_xy())))),
    'sgd.mae': Base(lambda: (M('sgd').mae, dict(preds=unif(6), deps=torch.tensor([0., 1.]*3))),
                    kinds=dict(deps='real')),
    'sgd.bce': Base(lambda: (M('sgd').bce, dict(preds=unif(6), deps=torch.tensor([0., 1.]*3))),
                    kinds=dict(preds='probs1', deps='binary')),
    'sgd.accuracy': Base(lambda: (M('sgd').accuracy, dict(preds=unif(6), deps=torch.tensor([0., 1.]*3))),
                         kinds=dict(deps='binary'), signed=('thresh',)),  # preds: any real numbers (documented), so thresh too
    'sgd.update_coeffs': Base(lambda: (M('sgd').update_coeffs, dict(coeffs=coeffs_with_grad(), lr=0.1))),
    'sgd.train_model': Base(lambda: (M('sgd').train_model, dict(
        preds_fn=M('sgd').linear_preds, coeffs=M('sgd').init_linear(12), indeps=tt()[0][:64], deps=tt()[1][:64],
        epochs=2, lr=0.1)), trains=True, kinds=dict(deps='real')),
    'sgd.init_hidden': Base(f('sgd', 'init_hidden', n_coeff=12, n_hidden=4)),
    'sgd.hidden_preds': Base(lambda: (M('sgd').hidden_preds, dict(coeffs=M('sgd').init_hidden(12, 4),
                                                                 indeps=tt()[0][:16]))),
    'sgd.init_deep': Base(f('sgd', 'init_deep', n_coeff=12, hiddens=(4, 4))),
    'sgd.deep_preds': Base(lambda: (M('sgd').deep_preds, dict(coeffs=M('sgd').init_deep(12, (4, 4)),
                                                             indeps=tt()[0][:16]))),
    # stats
    'stats.bootstrap_ci': Base(f('stats', 'bootstrap_ci', values=[1, 0, 1, 1, 0, 1], n_boot=50)),
    'stats.accuracy': Base(f('stats', 'accuracy', y=[0, 1, 1, 0], pred=[0, 1, 0, 0])),
    'stats.paired_bootstrap': Base(f('stats', 'paired_bootstrap', y=[0, 1, 1, 0, 1], pred_a=[0, 1, 0, 0, 1],
                                     pred_b=[0, 1, 1, 0, 0], n_boot=50)),
    'stats.seed_interval': Base(f('stats', 'seed_interval', values=[0.8, 0.82, 0.79])),
    'stats.compare_runs': Base(f('stats', 'compare_runs', fn=lambda c, s: c + s/10, configs=dict(a=1., b=2.),
                                 seeds=[0, 1], progress=False)),
    'stats.interval_sentence': Base(f('stats', 'interval_sentence', diff=0.02, lo=-0.01, hi=0.05, sd=0.1)),
    'stats.paired_verdict': Base(f('stats', 'paired_verdict', y=[0, 1, 1, 0, 1], pred_a=[0, 1, 0, 0, 1],
                                   pred_b=[0, 1, 1, 0, 0], n_boot=50)),
    'stats.n_to_detect': Base(f('stats', 'n_to_detect', diff=0.01, sd=0.02)),
    # synth
    'synth.draw_leaf': Base(lambda: (M('synth').draw_leaf, dict(disease='blast', variety='ADT45', size=16,
                                                                 rng=np.random.default_rng(0))),
                            cmp=lambda a, b: np.array_equal(np.asarray(a), np.asarray(b))),
    'synth.synth_paddy': Base(lambda: (M('synth').synth_paddy, dict(dest=Path(TMP)/'synth', n_per_class=1, size=16,
                                                                    n_test=1, progress=False))),
    # tabular
    'tabular.titanic_xs_y': Base(lambda: (M('tabular').titanic_xs_y, dict(df=ti()))),
    'tabular.split_score': Base(lambda: (M('tabular').split_score, dict(col=xs_y()[0].Sex, y=xs_y()[1], split=0.5)),
                                kinds=dict(y='binary')),
    'tabular.best_split': Base(lambda: (M('tabular').best_split, dict(zip(('xs', 'y'), xs_y()))),
                               kinds=dict(y='binary')),
    'tabular.BinarySplit': Base(f('tabular', 'BinarySplit', cols=['Sex'])),
    'tabular.BinarySplit.fit': Base(lambda: (M('tabular').BinarySplit(['Sex']).fit, dict(zip(('xs', 'y'), xs_y()))),
                                    kinds=dict(y='binary')),
    'tabular.BinarySplit.predict': Base(lambda: (M('tabular').BinarySplit(['Sex']).fit(*xs_y()).predict,
                                                 dict(xs=xs_y()[0]))),
    'tabular.compare_models': Base(lambda: (M('tabular').compare_models, dict(
        models=dict(oner=(M('tabular').BinarySplit(['Sex']), 1)), xs_train=xs_y()[0][:150], y_train=xs_y()[1][:150],
        xs_valid=xs_y()[0][150:], y_valid=xs_y()[1][150:], n_boot=50)), kinds=dict(y_train='binary', y_valid='binary')),
    'tabular.forest_importance': Base(lambda: (M('tabular').forest_importance, dict(
        model=tree(), xs_valid=xs_y()[0][150:], y_valid=xs_y()[1][150:], n_repeats=2)), kinds=dict(y_valid='binary')),
    'tabular.error_by_trees': Base(lambda: (M('tabular').error_by_trees, dict(
        model=forest(), xs_train=xs_y()[0][:150], y_train=xs_y()[1][:150], xs_valid=xs_y()[0][150:],
        y_valid=xs_y()[1][150:], n_trees=(1, 2, 5))), kinds=dict(y_train='binary', y_valid='binary')),
    # titanic
    'titanic.clean_titanic': Base(lambda: (M('titanic').clean_titanic, dict(df=ti()))),
    'titanic.prep_titanic': Base(lambda: (M('titanic').prep_titanic, dict(df=ti()))),
    'titanic.titanic_xs_y': Base(lambda: (M('titanic').titanic_xs_y, dict(df=ti()))),
    'titanic.deck': Base(lambda: (M('titanic').deck, dict(cabin=ti().Cabin))),
    'titanic.ticket_freq': Base(lambda: (M('titanic').ticket_freq, dict(tickets=ti().Ticket))),
    'titanic.title': Base(lambda: (M('titanic').title, dict(names=ti().Name))),
    'titanic.add_features': Base(lambda: (M('titanic').add_features, dict(df=ti()))),
    # training
    'training.simple_cnn': Base(f('training', 'simple_cnn', n_out=2, widths=(4, 8))),
    # transfer
    'transfer.freeze_body': Base(lambda: (M('transfer').freeze_body, dict(model=cnn())), trains=True),
    'transfer.unfreeze': Base(lambda: (M('transfer').unfreeze, dict(model=cnn())), trains=True),
    'transfer.discriminative_lrs': Base(f('transfer', 'discriminative_lrs', lr=1e-3, n_groups=3)),
    'transfer.one_cycle_lrs': Base(f('transfer', 'one_cycle_lrs', n_iter=10, lr_max=0.01)),
    'transfer.fine_tune_schedule': Base(f('transfer', 'fine_tune_schedule', epochs=2, base_lr=0.002, n_iter=5),
                                        zero_ok=('epochs',)),
    'transfer.images_to_tensor': Base(lambda: (M('transfer').images_to_tensor, dict(
        x=np.random.default_rng(0).integers(0, 256, (2, 8, 8, 3), dtype=np.uint8))), kinds=dict(x='hwc')),
    'transfer.fit_tensors': Base(lambda: (M('transfer').fit_tensors, dict(model=cnn(), x=imgs(), y=labels(),
                                                                          epochs=1, bs=4)), trains=True),
    'transfer.predict_tensors': Base(lambda: (M('transfer').predict_tensors, dict(model=cnn(), x=imgs(), bs=4))),
    'transfer.fine_tune_tensors': Base(lambda: (M('transfer').fine_tune_tensors, dict(
        model=timm_tiny(), x=imgs(4), y=labels(4), epochs=1, bs=4)), trains=True, only=('x', 'y', 'epochs', 'base_lr')),
    'transfer.few_shot_split': Base(lambda: (M('transfer').few_shot_split, dict(y=np.array([0, 1]*10), n_shot=2))),
    # vision (on the pretrained branch; entries for helpers a module does not have are not used)
    'vision.load_image': Base(lambda: (M('vision').load_image, dict(src=u8((8, 8, 3)))), kinds=dict(src='file'),
                              cmp=lambda a, b: np.array_equal(np.asarray(a), np.asarray(b))),
    'vision.normalise_images': Base(lambda: (M('vision').normalise_images, dict(x=u8((2, 8, 8, 3)), model=STATS)),
                                    kinds=dict(x='hwc')),
    'vision.image_tensor': Base(lambda: (M('vision').image_tensor, dict(img=u8((16, 16, 3)), model=timm_tiny(),
                                                                        size=8))),
    'vision.top_k_names': Base(lambda: (M('vision').top_k_names, dict(model=imagenet_tiny(), x=imgs(2), k=3))),
    'vision.body_head_splitter': Base(lambda: (M('vision').body_head_splitter, dict(model=timm_tiny())),
                                      cmp=lambda a, b: [len(g) for g in a] == [len(g) for g in b]),
    'vision.paddy_xy': Base(lambda: (M('vision').paddy_xy, dict(path=paddy_dir(), model=STATS, size=8))),
    'vision.zero_head': Base(lambda: (M('vision').zero_head, dict(model=timm_tiny())), trains=True),
    'device.cache_root': Base(f('device', 'cache_root')),
    'site.nb_title': Base(lambda: (M('site').nb_title, dict(path=ROOT/'nbs'/'00_checks.ipynb')),
                          kinds=dict(path='file')),
    'site.site_notebooks': Base(lambda: (M('site').site_notebooks, dict(nbs_dir=ROOT/'nbs'))),
    'site.lesson_table': Base(lambda: (M('site').lesson_table, dict(nbs_dir=ROOT/'nbs'))),
    'app.open_image': Base(lambda: (M('app').open_image, dict(f=png())), kinds=dict(f='file'),
                           cmp=lambda a, b: np.array_equal(np.asarray(a), np.asarray(b))),
    'app.example_images': Base(lambda: (M('app').example_images, dict(path=paddy_dir(), n=2))),
    'cli.write_kaggle': Base(lambda: (M('cli').write_kaggle, dict(name='titanic', to=tmpdir('kaggle')/'t')),
                             kinds=dict(to='dir_out'), cmp=lambda a, b: type(a) is type(b)),
    # helpers of the later lessons and of the runner, the writers and the shipped weights (issue 19's full run)
    'cli.lesson_order': Base(lambda: (M('cli').lesson_order, dict(nbs=[ROOT/'nbs'/'00_checks.ipynb',
                                                                       ROOT/'nbs'/'02_neural_net.ipynb']))),
    'cli.lesson_preload': Base(lambda: (M('cli').lesson_preload, dict(nbs=[ROOT/'nbs'/'00_checks.ipynb',
                                                                           ROOT/'nbs'/'02_neural_net.ipynb']))),
    'threads.cpu_cores': Base(f('threads', 'cpu_cores')),
    'threads.others_running': Base(f('threads', 'others_running', n=2, dt=0.0), cmp=lambda a, b: type(a) is type(b)),
    'threads.wait_env': Base(f('threads', 'wait_env', threads=2, env={}, others=0.0, cores=2)),
    'threads.env_threads': Base(f('threads', 'env_threads', env={'OMP_NUM_THREADS': '2'})),
    'cli.lesson_env': Base(f('cli', 'lesson_env', threads=2, env={}),  # its wait settings follow the load of the moment
                           cmp=lambda a, b: a.get('OMP_NUM_THREADS') == b.get('OMP_NUM_THREADS')),
    'data.kaggle_paddy': Base(lambda: (M('data').kaggle_paddy, dict(dest=tmpdir('kp')/'paddy', scale=0.0005,
                                                                    draw_size=8, progress=False)),
                              cmp=lambda a, b: names_in(a) == names_in(b)),
    'device.hub_weights_file': Base(lambda: (M('device').hub_weights_file, dict(arch='tf_efficientnet_lite0',
                                                                                cache_dir=tmpdir('hub')))),
    'files.inside': Base(lambda: (M('files').inside, dict(folder=tmpdir('in'), name='a/b.txt')),
                         cmp=lambda a, b: a.name == b.name),
    'files.clean_leftovers': Base(lambda: (M('files').clean_leftovers, dict(dest=tmpdir('cl')/'x')),
                                  only=()),  # `dest` may be a file, missing or full: only dead writers' copies go
    'files.new_dir': Base(lambda: (M('files').new_dir, dict(dest=tmpdir('nd')/'x')), only=(),
                          cmp=lambda a, b: a.is_dir() and b.is_dir()),
    'files.swap_dir': Base(lambda: (lambda d: (M('files').swap_dir, dict(new=M('files').new_dir(d), dest=d)))(
        tmpdir('sw')/'x'), only=(), cmp=lambda a, b: a.name == b.name),  # `dest`'s old content goes: documented
    'files.read_files': Base(lambda: (lambda d: (d/'a.txt').write_text('a') and (M('files').read_files, dict(
        folder=d, names=['a.txt'])))(tmpdir('rf')), kinds=dict(folder='dir_in'), only=()),
    'new_domain.digits_arrays': Base(f('new_domain', 'digits_arrays', size=8)),
    'new_domain.head_inputs': Base(lambda: (M('new_domain').head_inputs, dict(model=timm_tiny(), x=imgs(2), bs=2))),
    'new_domain.bn_head': Base(f('new_domain', 'bn_head', n_in=4, n_out=2)),
    'new_domain.set_bn_head': Base(lambda: (M('new_domain').set_bn_head, dict(model=timm_tiny(), n_out=3)),
                                   trains=True),  # changes `model` in place: its name says so
    'site.signature': Base(lambda: (M('site').signature, dict(obj=M('stats').accuracy))),
    'small_first.spearman': Base(f('small_first', 'spearman', a=[.1, .4, .3, .2], b=[.2, .5, .1, .3])),
    'small_first.rank_agreement': Base(lambda: (M('small_first').rank_agreement, dict(runs=small_runs()))),
    'transfer_cost.train_macs': Base(lambda: (M('transfer_cost').train_macs, dict(model=cnn(), size=8))),
    'transfer_cost.epochs_to_target': Base(f('transfer_cost', 'epochs_to_target', accs=[.5, .6, .7], target=.65)),
    'transfer_cost.stage_features': Base(lambda: (M('transfer_cost').stage_features, dict(
        model=cnn(), x=imgs(2), stages=['0', '3'], bs=2))),
    'vision.image_cfg': Base(lambda: (M('vision').image_cfg, dict(model=timm_tiny(), size=32, crop_pct=0.9))),
    # tta (paddy_learner trains a fastai learner: skipped)
    'tta.flip_lr': Base(lambda: (M('tta').flip_lr, dict(x=imgs(2)))),
    'tta.flip_ud': Base(lambda: (M('tta').flip_ud, dict(x=imgs(2)))),
    'tta.Shift': Base(f('tta', 'Shift', dx=1, dy=1), cmp=lambda a, b: same(a(imgs(2)), b(imgs(2)))),
    'tta.Shift.__call__': Base(lambda: (M('tta').Shift(1, 1).__call__, dict(x=imgs(2)))),
    'tta.tta': Base(lambda: (M('tta').tta, dict(model=cnn(), dl=loader(imgs(), labels()))), eval_dl=True),
    'tta.tta_table': Base(lambda: (M('tta').tta_table, dict(model=cnn(), dl=loader(imgs(), labels()), n_boot=50)),
                          eval_dl=True, cmp=lambda a, b: np.allclose(a['error'].astype(float),
                                                                     b['error'].astype(float))),
    # exercises (the checker; the banks' reference solutions are skipped below)
    'exercises.is_blank': Base(f('exercises', 'is_blank', answer='an answer')),  # any object at all
    'exercises.differs': Base(f('exercises', 'differs', expected=[1.0, 2.0], got=[1.0, 2.5])),
    'exercises.call_limited': Base(f('exercises', 'call_limited', f=sum, args=([1, 2],), seconds=2.0)),
    'exercises.their_traceback': Base(f('exercises', 'their_traceback', e=ValueError('x'))),
    'exercises.verdict': Base(lambda: (M('exercises').verdict, dict(ex=M('exercises').lesson('06_dates').q1,
                                                                    answer=lambda dates: dates))),
    'exercises.lesson': Base(f('exercises', 'lesson', name='06_dates'), cmp=lambda a, b: len(a) == len(b)),
    'exercises.banks': Base(f('exercises', 'banks')),
    'exercises.progress_path': Base(f('exercises', 'progress_path')),
    'exercises.load_progress': Base(lambda: (M('exercises').load_progress, dict(path=tmpdir('p')/'progress.json')),
                                    only=()),  # a missing file is no progress yet: {} is the answer
    'exercises.status': Base(lambda: (M('exercises').status, dict(ex=M('exercises').lesson('06_dates').q1,
                                                                  progress={}))),
    'exercises.progress_table': Base(f('exercises', 'progress_table', progress={})),
    'exercises.show_progress': Base(f('exercises', 'show_progress', progress={})),
}

SKIP = {
    'exercises.Case': 'a case container', 'exercises.TooSlow': 'an exception class',
    'exercises.Exercise': 'an exercise container (its banks test every one)',
    'exercises.LessonExercises': 'a list of exercises',
    'exercises.all_exercises': 'imports every bank (tests/test_exercises.py)',
    'exercises.record': 'writes the progress file (tests/test_exercises.py kills it mid-write)',
    'threads.set_wait_env': 'changes the environment it is given, as its name says (`wait_env`, which it applies, is fuzzed)',
    'accumulation.step_peak_memory': 'starts a child process per measurement',
    'accumulation.memory_table': 'starts a child process per measurement',
    'cli.execute_notebook': 'executes a notebook', 'cli.notebook_html': 'renders a notebook',
    'cli.run_lessons': 'executes notebooks', 'cli.data_report': 'builds every dataset', 'cli.main': 'the CLI',
    'device.hub_reachable': 'network', 'device.shipped_weights': 'pretrained weights (tests/test_pretrained.py)',
    'device.converted_weights': 'pretrained weights (tests/test_pretrained.py)',
    'device.lite_key': 'weight-conversion internals', 'device.convert_lite_weights': 'weight-conversion internals',
    'device.PretrainedUnavailable': 'an exception class',
    'distributed.ddp_grads': 'needs a process group', 'distributed.ddp_launch': 'starts processes',
    'distributed.ddp_grads_sweep': 'needs a process group',
    'frameworks.captured_graphs': 'torch.compile (seconds per call)',
    'pytorch_basics.compare_compiled': 'torch.compile (seconds per call)',
    'lr_finder.LRFindResult': 'a result container', 'lr_finder.LRTask': 'a task container',
    'lr_finder.preserved': 'a context manager (lr_find uses it)', 'lr_finder.paddy_task': 'builds 400 images',
    'synth.LeafShape': 'a drawing container',
    'synth.DataPath': 'a Path subclass', 'models.build_timm_table': "needs timm's results CSV files",
    'tta.paddy_learner': 'trains a fastai learner for minutes', 'training.paddy_learner': 'trains a fastai learner',
    'app.serve': 'starts a web server', 'app.make_app': 'builds a Gradio app', 'app.lesson_model': 'trains a model',
    'app.build_model': 'app models (tests/test_app.py)', 'app.export_model': 'app models (tests/test_app.py)',
    'app.load_model': 'app models (tests/test_app.py)', 'app.Classifier': 'app models (tests/test_app.py)',
    'site.build_site': 'renders the whole site', 'site.proc_nb': 'nbdev processing (tests/test_site.py)',
    'site.page_nb': 'nbdev processing (tests/test_site.py)', 'site.api_links': 'nbdev processing (tests/test_site.py)',
    'site.api_index': 'nbdev processing (tests/test_site.py)',
    'site.api_entry': 'HTML rendering (tests/test_site.py)',
    'training.eval_mode': 'a context manager (the side-effect checks cover its users)',
    'checks.kept_global_state': 'a context manager (tested in 00_checks; the state audit covers its users)',
    'vision.show_top_k': 'draws a figure',
    'vision.paddy_vision_learner': 'trains a fastai learner', 'vision.pretrained_paddy': 'fine-tunes for minutes',
    'cli.settle_pages': "the runner's page step (tests/test_runner.py kills lessons)",
    'site.run_page': 'renders a notebook page (tests/test_runner.py)',
    'device.install_timm_weights': 'pretrained weights (tests/test_pretrained.py)',
    'files.atomic_dir': 'a context manager (tools/fuzz_edges.py kills it mid-swap)',
    'files.locked': 'a context manager (tests/test_exercises.py: progress under a lock)',
    'new_domain.bn_stats_frozen': 'a context manager (tested in 11b_new_domain)',
}

STATS = ((0.5, 0.5, 0.5), (0.25, 0.25, 0.25))
def u8(shape): return np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
def imagenet_tiny():
    seed(); return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 1000))
def grid_kw():
    return dict(task=M('lr_finder').titanic_task(1), lrs=(1e-3, 1e-2), seeds=(0, 1), epochs=1, progress=False)
@cache
def grid(): return M('lr_finder').lr_grid_compare(**grid_kw())
def forest():
    from sklearn.ensemble import RandomForestClassifier
    return RandomForestClassifier(n_estimators=5, random_state=0)
def png():
    from PIL import Image
    f = tmpdir('img')/'leaf.png'; Image.fromarray(u8((8, 8, 3))).save(f); return f
def names_in(d): return sorted(x.name for x in Path(d).rglob('*'))
def small_runs():
    "Lesson 10b's runs: two models, three ideas, two seeds"
    rng = np.random.default_rng(0)
    return pd.DataFrame([dict(model=m, idea=i, seed=s, value=v + rng.random()*0.1) for m in ('small', 'large')
                         for s in (0, 1) for i, v in zip('abc', (0.1, 0.5, 0.3))])
def speed_table():
    return pd.DataFrame(dict(arch=['a', 'b', 'c'], ms=[10., 20., 30.], top1=[70., 75., 74.]))
def graph_kw():
    G = M('frameworks').Graph(); a, b = G.input('a'), G.input('b'); G.op('mean', G.op('add', G.op('mul', a, b), a))
    return dict(graph=G, feeds=dict(a=np.array([1., 2.]), b=np.array([3., 4.])))
def sgd_xy():
    x, y = tt()[:2]; return M('sgd').init_linear(x.shape[1]), x[:16], y[:16]
def coeffs_with_grad():
    c = M('sgd').init_linear(12).requires_grad_(); c.grad = torch.ones(12); return c
def tree():
    from sklearn.tree import DecisionTreeClassifier
    xs, y = xs_y(); return DecisionTreeClassifier(max_depth=3, random_state=0).fit(xs[:150], y[:150])
@cache
def _multi_dls():
    return M('multi_target').paddy_multi_dls(paddy_dir(), bs=4, size=16, valid_pct=0.25)
def multi_dls(): return _multi_dls()

# ---------------------------------------------------------------------------------------------------------------
# Comparing results: tolerant, NaN-equal, nullable-dtype-blind; `unordered` compares row multisets (shuffled loaders)
# ---------------------------------------------------------------------------------------------------------------
def _col(s):
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
        return s.to_numpy(dtype=float, na_value=np.nan)
    if pd.api.types.is_datetime64_any_dtype(s.dtype): return s.astype(str).to_numpy()
    return np.array([None if (x is None or (not isinstance(x, (list, tuple, np.ndarray)) and pd.isna(x))) else x
                     for x in s.astype(object)], dtype=object)

TIMING = re.compile(r'seconds|^time$|^ms$|latency')

def same(a, b, rtol=1e-6, atol=1e-9, depth=0) -> bool:
    if depth > 8 or a is b: return True
    if isinstance(a, nn.Module):
        return type(a) is type(b) and str(a) == str(b) and same(a.state_dict(), b.state_dict(), rtol, atol, depth+1)
    if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):  # wall-clock columns never repeat exactly
        a, b = (x[[c for c in x.columns if not TIMING.search(str(c))]] for x in (a, b))
    if isinstance(a, pd.DataFrame):
        if not isinstance(b, pd.DataFrame) or a.shape != b.shape: return False
        if list(map(str, a.columns)) != list(map(str, b.columns)): return False
        if not np.array_equal(np.asarray(a.index, object), np.asarray(b.index, object)): return False
        return all(same(_col(a.iloc[:, i]), _col(b.iloc[:, i]), rtol, atol, depth+1) for i in range(a.shape[1]))
    if isinstance(a, (pd.Series, pd.Index)):
        return isinstance(b, type(a)) and len(a) == len(b) and same(_col(pd.Series(a)), _col(pd.Series(b)), rtol, atol)
    if isinstance(a, torch.Tensor):
        if not isinstance(b, torch.Tensor) or a.shape != b.shape: return False
        a, b = a.detach().cpu().float().numpy(), b.detach().cpu().float().numpy()
    if isinstance(a, np.ndarray) and a.ndim == 0: a = a.item()
    if isinstance(b, np.ndarray) and b.ndim == 0: b = b.item()
    if isinstance(a, (np.ndarray, np.generic)) and not isinstance(a, np.bool_) and np.ndim(a) > 0:
        b = np.asarray(b) if not isinstance(b, torch.Tensor) else b.detach().cpu().numpy()
        if a.shape != b.shape: return False
        if a.dtype.kind in 'biuf' and b.dtype.kind in 'biuf':
            return bool(np.allclose(a.astype(float), b.astype(float), rtol=rtol, atol=atol, equal_nan=True))
        return all(same(x, y, rtol, atol, depth+1) for x, y in zip(a.ravel().tolist(), b.ravel().tolist()))
    if isinstance(a, (numbers.Number, np.generic)) and isinstance(b, (numbers.Number, np.generic)):
        a, b = complex(a), complex(b)
        return (math.isnan(a.real) and math.isnan(b.real)) or abs(a - b) <= atol + rtol*abs(b)
    if isinstance(a, (str, bytes, Path, type(None), bool)) or isinstance(b, (str, bytes, Path, type(None), bool)):
        return a == b
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(
            same(x, y, rtol, atol, depth+1) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(same(a[k], b[k], rtol, atol, depth+1) for k in a)
    if isinstance(a, (set, frozenset)): return a == b
    if callable(a) and callable(b) and not isinstance(a, type):
        try: return same(a(torch.tensor([0.5, 1.5])), b(torch.tensor([0.5, 1.5])), rtol, atol, depth+1)
        except Exception: return type(a) is type(b)
    if hasattr(a, '__dict__') and type(a) is type(b): return same(vars(a), vars(b), rtol, atol, depth+1)
    try: return bool(a == b)
    except Exception: return repr(a) == repr(b)

def _rows(x, out):
    "Collect the per-item arrays of a result (tensors/arrays, through tuples and dicts)"
    if isinstance(x, torch.Tensor): out.append(x.detach().cpu().float().numpy())
    elif isinstance(x, np.ndarray): out.append(x.astype(float))
    elif isinstance(x, (list, tuple)): [_rows(v, out) for v in x]
    elif isinstance(x, dict): [_rows(v, out) for v in x.values()]
    return out

def same_unordered(a, b, rtol=1e-5, atol=1e-6) -> bool:
    "The same rows in any order: items keep their predictions and targets together"
    ra, rb = _rows(a, []), _rows(b, [])
    if len(ra) != len(rb) or not ra or any(x.shape != y.shape for x, y in zip(ra, rb)): return same(a, b, rtol, atol)
    n = ra[0].shape[0]
    if any(x.ndim == 0 or x.shape[0] != n for x in ra): return same(a, b, rtol, atol)
    A, B = (np.round(np.hstack([x.reshape(n, -1) for x in r]), 4) for r in (ra, rb))
    A, B = A[np.lexsort(A.T[::-1])], B[np.lexsort(B.T[::-1])]
    return bool(np.allclose(A, B, rtol=rtol, atol=1e-3, equal_nan=True))

# ---------------------------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Case:
    helper: str
    klass: str               # the fuzz class, e.g. 'numpy scalars'
    name: str                # what is odd, e.g. 'n_acc=np.int64(8)'
    expect: str              # 'error' | 'same' | 'error_or_same' | 'error_or_any'
    call: Callable           # () -> result
    ref: Callable | None = None        # () -> reference result ('same' / 'error_or_same'); default: the base call
    names: tuple = ()        # words one of which a clear error message must contain
    check: Callable | None = None      # (result) -> None, or a reason the result is wrong (SILENT)
    after: Callable | None = None      # () -> None or a reason (e.g. the learner's file is gone)
    cmp: Callable | None = None
    tol: float = 1e-6
    unordered: bool = False
    timeout: float | None = None       # seconds, when the default per-case timeout is too short

COUNT_ZERO_OK = ('seed', 'rank', 'warmup', 'n_warmup', 'freeze_epochs', 'n_test', 'lr_diff', 'dx', 'dy', 'v')
SIGNED = ('dx', 'dy', 'lo', 'hi', 'c', 'split')  # split: split_score's cut-off on a column's values, not a fraction
RATE = re.compile(r'(^|_)(lr|lrs|rate|pct|eps|conf|ci|div|wd|noise|timeout|budget|mult|power|sd|thresh|beta|'
                  r'max|start|end|frac|split|period)(_|$)|^lr|^v$')
RATE_ZERO = re.compile(r'(^|_)(lr|rate|timeout|budget|div|sd|period|power|conf|ci|max)(_|$)|^lr')
NO_NAN = {'a', 'b', 'c', 'x', 'lo', 'hi', 'add'}
PATH_IN = {'path', 'src', 'nbs_dir', 'root', 'start'}
PATH_OUT = {'dest', 'out_dir'}
LABELS = {'targs', 'y', 'yb', 'y_train', 'y_valid', 'deps', 'labels'}
PATH_KINDS = {'dir_in', 'dir_out', 'file', 'file_or_dir', 'file_out'}
CLASS_INDEX = {'cleaning.item_losses', 'cleaning.cleaner_table', 'cleaning.oof_probs', 'checks.check_labels',
               'transfer.fit_tensors', 'training.fit_tensors', 'accumulation.acc_backward'}

def kind_of(helper, p, v, base: Base, ann='') -> str | None:
    if p in base.kinds: return base.kinds[p]
    ann = str(ann)
    mod = helper.split('.')[0]
    if isinstance(v, (bool, np.bool_)): return None
    if p == 'dl': return 'dl' if v is not None else None
    if p in ('probs',): return 'probs'
    if p == 'head_probs': return 'head_probs'
    if p in PATH_IN: return 'dir_in'
    if p in PATH_OUT: return 'dir_out'
    if p == 'checkpoint': return 'file'
    if isinstance(v, pd.DataFrame): return 'frame'
    if p in LABELS and mod not in ('neural_net', 'distributed') and _is_labels(v): return 'labels'
    if isinstance(v, pd.Series): return 'series'
    if isinstance(v, int) and ann.startswith('float'): return 'rate'
    if isinstance(v, int): return 'count'
    if isinstance(v, float): return 'rate'
    if p in ('x', 'xb') and isinstance(v, torch.Tensor) and v.ndim == 4: return 'images'
    if p in ('x', 'xb') and isinstance(v, torch.Tensor) and v.is_floating_point(): return 'floats'
    if p == 'loss_func' and callable(v) and not isinstance(v, type): return 'loss'
    if p == 'opt' and isinstance(v, torch.optim.Optimizer): return 'opt'
    return None

def _is_labels(v):
    try: a = np.asarray(v.detach().cpu() if isinstance(v, torch.Tensor) else v, dtype=float)
    except Exception: return False
    return a.ndim == 1 and a.size > 0 and np.all(a == np.round(a)) and a.min() >= 0 and len(np.unique(a)) <= 10

def _np_like(v):
    return v.detach().cpu().numpy() if isinstance(v, torch.Tensor) else np.asarray(v)

def _like(v, a):
    "`a` (numpy) returned in `v`'s container type"
    if isinstance(v, torch.Tensor): return torch.as_tensor(a).to(v.dtype if a.ndim == v.ndim else v.dtype)
    if isinstance(v, pd.Series):
        return pd.Series(a, index=v.index, name=v.name) if a.ndim == 1 else pd.DataFrame(a, index=v.index)
    if isinstance(v, list): return a.tolist()
    return a

def nullable_variants(df):
    "(name, nullable frame with one NA, classic frame with NaN/None in the same cell) per nullable dtype"
    out = []
    for kind, test, dtype in [('Int64', pd.api.types.is_integer_dtype, 'Int64'),
                              ('Float64', pd.api.types.is_float_dtype, 'Float64'),
                              ('boolean', pd.api.types.is_bool_dtype, 'boolean'),
                              ('string', lambda d: d == object, 'string')]:
        cols = [c for c in df.columns if test(df[c].dtype) and not pd.api.types.is_bool_dtype(df[c].dtype) or
                (kind == 'boolean' and pd.api.types.is_bool_dtype(df[c].dtype) and test(df[c].dtype))]
        if kind != 'boolean': cols = [c for c in cols if not pd.api.types.is_bool_dtype(df[c].dtype)]
        cols = [c for c in cols if not df[c].isna().all()]
        if not cols or len(df) == 0: continue
        c = cols[0]
        nul = df.copy(); nul[c] = nul[c].astype(dtype); nul.loc[nul.index[0], c] = pd.NA
        cls = df.copy(); cls[c] = cls[c].astype(float if kind in ('Int64', 'Float64') else object)
        cls.loc[cls.index[0], c] = np.nan
        out.append((f'{kind} column {c!r} with NA', nul, cls, c))
    return out

def series_variants(s):
    out = [('nullable dtype (convert_dtypes)', s.convert_dtypes(), s)]
    if len(s) and pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        dt = 'Int64' if pd.api.types.is_integer_dtype(s.dtype) else 'Float64'
        nul = s.astype(dt); nul.iloc[0] = pd.NA
        cls = s.astype(float); cls.iloc[0] = np.nan
        out.append((f'{dt} with NA', nul, cls))
    elif len(s) and s.dtype == object:
        nul = s.astype('string'); nul.iloc[0] = pd.NA
        cls = s.copy(); cls.iloc[0] = np.nan
        out.append(('string with NA', nul, cls))
    return out

def one_image(r):
    if getattr(r, 'ndim', None) != 4 or r.shape[0] != 1: return f'one image gave {summary_of(r)}, not a batch of one'

def foreign_dir():
    d = tmpdir('foreign'); (d/'mine.txt').write_text('my notes'); return d

def intact(d):
    return lambda: None if (d/'mine.txt').exists() else f"deleted the learner's file {d.name}/mine.txt"

def unused_params(fn) -> set:
    "Parameters whose docment says they are unused (kept for a familiar signature): nothing to check"
    try: src = inspect.getsource(fn)
    except (OSError, TypeError): return set()
    return set(re.findall(r'^\W*(\w+)\s*[:=,][^#\n]*#[^\n]*\bunused\b', src, flags=re.M))

def derive(helper, base: Base):
    "The cases the rules derive from the base call's arguments"
    fn0, kw0 = base.make()
    sig = inspect.signature(fn0)
    vals = {p.name: kw0.get(p.name, p.default) for p in sig.parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    vals.update({k: v for k, v in kw0.items() if k not in vals})
    cases, unused = [], unused_params(fn0)
    def names_for(p):  # a path error may name the path itself instead of the argument
        if helper.startswith('checks.') and 'name' in kw0: return (kw0['name'],)
        return (p, TMP) if kind_of(helper, p, vals.get(p), base) in PATH_KINDS else (p,)
    def call_with(p, mk):
        def run():
            fn, kw = base.make(); kw = dict(kw); kw[p] = mk(kw.get(p, vals.get(p))); return invoke(fn, kw)
        return run
    def add(klass, name, p, expect, mk, ref=None, extra_names=(), **extra):
        cases.append(Case(helper, klass, name, expect, call_with(p, mk), ref, names=names_for(p) + extra_names,
                          cmp=base.cmp, **extra))
    for p, v in vals.items():
        if base.only is not None and p not in base.only: continue
        if v is inspect.Parameter.empty or p in unused: continue
        ann = sig.parameters[p].annotation if p in sig.parameters else ''
        k = kind_of(helper, p, v, base, ann)
        if k == 'count':
            add('numpy scalars', f'{p}=np.int64({v})', p, 'same', lambda v: np.int64(v))
            add('bool counts', f'{p}=True', p, 'error', lambda v: True)
            add('bad counts', f'{p}={v}.5 (float)', p, 'error', lambda v: v + 0.5)
            if p not in SIGNED: add('bad counts', f'{p}=-1', p, 'error', lambda v: -1)
            if p not in COUNT_ZERO_OK + base.zero_ok and v != 0: add('bad counts', f'{p}=0', p, 'error', lambda v: 0)
        elif k == 'rate':
            add('numpy scalars', f'{p}=np.float32({v})', p, 'same', lambda v: np.float32(v), tol=1e-4)
            if p not in NO_NAN:
                add('bad rates', f'{p}=nan', p, 'error', lambda v: float('nan'))
                add('bad rates', f'{p}=inf', p, 'error', lambda v: float('inf'))
            if RATE.search(p) and p not in SIGNED + base.signed:
                add('bad rates', f'{p}=-{abs(v) or 1}', p, 'error', lambda v: -(abs(v) or 1.))
                if RATE_ZERO.search(p) and v != 0: add('bad rates', f'{p}=0', p, 'error', lambda v: 0.)
        elif k == 'frame':
            add('duplicate/MultiIndex columns', f'{p} with a duplicated column', p, 'error',
                lambda v: pd.concat([v, v.iloc[:, :1]], axis=1))
            add('duplicate/MultiIndex columns', f'{p} with MultiIndex columns', p, 'error',
                lambda v: v.set_axis(pd.MultiIndex.from_tuples([(str(c), '') for c in v.columns]), axis=1))
            add('empty frames', f'{p} with no rows', p, 'error_or_any', lambda v: v.iloc[:0])
            add('nullable dtypes', f'{p}.convert_dtypes() (all nullable)', p, 'error_or_same',
                lambda v: v.convert_dtypes())
            for name, nul, cls, col in nullable_variants(v):  # an error may name the column instead of the frame
                add('nullable dtypes', f'{p}: {name}', p, 'error_or_same', lambda v, nul=nul: nul.copy(),
                    ref=call_with(p, lambda v, cls=cls: cls.copy()), extra_names=(f'{col}',))
        elif k == 'series':
            for name, nul, cls in series_variants(v):
                add('nullable dtypes', f'{p}: {name}', p, 'error_or_same', lambda v, nul=nul: nul.copy(),
                    ref=call_with(p, lambda v, cls=cls: cls.copy()))
            add('empty frames', f'{p} empty', p, 'error_or_any', lambda v: v.iloc[:0])
        elif k in ('labels', 'binary'):
            add('label coding', f'{p} one-hot', p, 'error', lambda v: _like(v, np.eye(int(_np_like(v).max()) + 1)[
                _np_like(v).astype(int)].astype(_np_like(v).dtype)))
            if k == 'binary' or helper in CLASS_INDEX:
                add('label coding', f'{p} coded {{1, 2}}' if k == 'binary' else f'{p} + 1 (past the last class)', p,
                    'error', lambda v: v + 1)
            if isinstance(v, pd.Series):
                for name, nul, cls in series_variants(v):
                    add('nullable dtypes', f'{p}: {name}', p, 'error_or_same', lambda v, nul=nul: nul.copy(),
                        ref=call_with(p, lambda v, cls=cls: cls.copy()))
        elif k == 'probs':
            add('logits for probabilities', f'{p} given logits', p, 'error',
                lambda v: _like(v, np.log(_np_like(v)) * 3 + 1))
        elif k == 'probs1':
            add('logits for probabilities', f'{p} given logits', p, 'error', lambda v: (v - 0.5) * 6)
        elif k == 'head_probs':
            add('logits for probabilities', f'{p} given logits', p, 'error',
                lambda v: {h: (torch.log(pp) * 3 + 1, t) for h, (pp, t) in v.items()})
        elif k == 'dl':
            add('tuple loaders', f'{p} a tuple (x, y) of whole tensors', p, 'error', whole_tuple)
            first = next(iter(v), None)
            if isinstance(first, (tuple, list)) and getattr(first[0], 'ndim', 0) == 4:
                add('uint8 NHWC images', f'{p} batches of uint8 (n, h, w, 3) pixels', p, 'error',
                    lambda v: [(nhwc_u8(b[0]), *b[1:]) for b in v])
            add('one-shot loaders', f'{p} as a generator', p, 'error_or_same', lambda v: (b for b in list(v)))
            add('one-shot loaders', f'{p} as a zip', p, 'error_or_same', lambda v: zip(*map(list, zip(*list(v)))))
            if isinstance(v, DataLoader):
                shuffled = lambda v: DataLoader(v.dataset, batch_size=v.batch_size, shuffle=True,
                                                generator=torch.Generator().manual_seed(1))
                if base.eval_dl: add('shuffled loaders', f'{p} shuffled', p, 'error_or_same', shuffled, unordered=True)
                else: add('shuffled loaders', f'{p} shuffled', p, 'error_or_any', shuffled)
        elif k == 'dir_in':
            add('foreign folders', f'{p} is a file', p, 'error', lambda v: a_file())
            add('foreign folders', f'{p} does not exist', p, 'error', lambda v: Path(TMP)/'no'/'such')
            d = foreign_dir()
            add('foreign folders', f'{p} holds foreign files', p, 'error', lambda v, d=d: d, after=intact(d))
        elif k == 'dir_out':
            add('foreign folders', f'{p} is a file', p, 'error', lambda v: a_file())
            d = foreign_dir()
            add('foreign folders', f'{p} holds foreign files', p, 'error', lambda v, d=d: d, after=intact(d))
        elif k in ('file', 'file_or_dir'):
            add('foreign folders', f'{p} does not exist', p, 'error', lambda v: Path(TMP)/'no'/'such.csv')
            if k == 'file': add('foreign folders', f'{p} is a folder', p, 'error', lambda v: tmpdir('d'))
        elif k == 'file_out':
            add('foreign folders', f'{p} is a folder', p, 'error', lambda v: tmpdir('d'))
        elif k == 'images':
            if helper in ('tta.flip_lr', 'tta.flip_ud', 'tta.Shift.__call__'):  # explicit no-op or refusal
                add('image tensors', f'{p} a flat (n, features) batch', p, 'error_or_same', lambda v: v.flatten(1),
                    ref=lambda: imgs(2).flatten(1))
            else:  # issue 19, class 6: images as a learner loads them, and NumPy's float64
                add('uint8 NHWC images', f'{p} uint8 (n, h, w, 3) pixels', p, 'error', lambda v: nhwc_u8(v))
                add('uint8 NHWC images', f'{p} float (n, h, w, 3), channels last', p, 'error',
                    lambda v: v.permute(0, 2, 3, 1).contiguous())
                add('float64 arrays', f'{p} a float64 NumPy array', p, 'error_or_same',
                    lambda v: v.double().numpy(), tol=1e-4)
        elif k == 'floats':
            add('float64 arrays', f'{p} a float64 NumPy array', p, 'error_or_same', lambda v: v.double().numpy(),
                tol=1e-4)
        elif k == 'loss':
            add('loss classes', f'{p} a loss class, not an instance', p, 'error', loss_class)
        elif k == 'opt':
            cases.append(Case(helper, 'foreign optimizers', 'opt built on another copy of the model', 'error',
                              foreign_opt_call(base), names=('opt',)))
        elif k == 'hwc':
            add('image tensors', f'{p} channels first (n, 3, h, w)', p, 'error', lambda v: v.transpose(0, 3, 1, 2))
            add('image tensors', f'{p} one image (h, w, 3)', p, 'error_or_any', lambda v: v[0], check=one_image)
            add('image tensors', f'{p} floats in [0, 1]', p, 'error_or_any', lambda v: v / 255.)
    return cases

def nhwc_u8(v):
    "Images `v` (n, c, h, w) as a learner loads them: uint8 pixels, channels last, a NumPy array"
    a = v.detach().float(); a = (a - a.min())/(a.max() - a.min() + 1e-9)*255
    return a.permute(0, 2, 3, 1).round().to(torch.uint8).numpy()

def whole_tuple(v):
    "The batches of a loader as one tuple (x, y, ...) of whole tensors: what a learner passes for a loader"
    return tuple(torch.cat(list(c)) for c in zip(*[b if isinstance(b, (tuple, list)) else (b,) for b in v]))

LOSS_CLASSES = {'cross_entropy': nn.CrossEntropyLoss, 'mse_loss': nn.MSELoss, 'mae': nn.L1Loss, 'bce': nn.BCELoss}

def loss_class(v):
    "The loss class a learner passes for the function or instance `v`"
    return LOSS_CLASSES.get(getattr(v, '__name__', ''), type(v) if isinstance(v, nn.Module) else nn.MSELoss)

def foreign_opt_call(base):
    def run():
        fn, kw = base.make(); kw = dict(kw)
        kw['opt'] = torch.optim.SGD(copy.deepcopy(kw['model']).parameters(), lr=0.1)
        return invoke(fn, kw)
    return run

def invoke(fn, kw):
    "Call fn with kw: parameters before a given *args go by position, **kwargs and unknown names by keyword"
    params = list(inspect.signature(fn).parameters.values())
    var_pos = next((p for p in params if p.kind == p.VAR_POSITIONAL and p.name in kw), None)
    args, kwargs, seen = [], {}, set()
    for p in params:
        if p.name not in kw: continue
        seen.add(p.name)
        if p.kind == p.VAR_POSITIONAL: args += list(kw[p.name])
        elif p.kind == p.VAR_KEYWORD: kwargs.update(kw[p.name])
        elif p.kind == p.POSITIONAL_ONLY or (var_pos is not None and params.index(p) < params.index(var_pos)):
            args.append(kw[p.name])
        else: kwargs[p.name] = kw[p.name]
    kwargs.update({k: v for k, v in kw.items() if k not in seen})
    return fn(*args, **kwargs)

# ---------------------------------------------------------------------------------------------------------------
# Cases no rule derives
# ---------------------------------------------------------------------------------------------------------------
SYNTH_CHILD = r'''
import sys, pandas as pd
from pathlib import Path
from dlcourse.synth import synth_paddy
p = synth_paddy(Path(sys.argv[1]), n_per_class=2, size=16, n_test=2, progress=False)
df = pd.read_csv(p/'train.csv')
for r in df.itertuples(): (p/'train_images'/r.label/r.image_id).read_bytes()
print(len(df))
'''

def concurrent_synth():
    "Two processes make the same dataset at once; both must finish and read every file they were given"
    dest = tmpdir('race')/'paddy'
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT/'tests'/'netguard'), str(ROOT)]))
    ps = [subprocess.Popen([sys.executable, '-c', SYNTH_CHILD, str(dest)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in ps]
    n = len(list((dest/'train_images').rglob('*.*'))) if (dest/'train_images').exists() else 0
    return dict(rcs=[p.returncode for p in ps], errs=[e.strip().splitlines()[-1:] for _, e in outs], n_files=n)

def concurrent_synth_check(r):
    if any(r['rcs']): return f"a concurrent writer failed: {r['errs']}"
    if r['n_files'] != 20: return f"expected 20 training images after two concurrent writers, found {r['n_files']}"

def concurrent_atomic():
    "Threads writing the same file: the file ends as one whole payload, no temporary file left"
    d = tmpdir('atomic'); target = d/'f.bin'
    payloads = [bytes([i])*50_000 for i in range(4)]
    write = M('device').write_atomic
    errs = []
    def w(b):
        try:
            for _ in range(10): write(target, b)
        except Exception as e: errs.append(repr(e))
    ts = [threading.Thread(target=w, args=(b,)) for b in payloads]
    [t.start() for t in ts]; [t.join() for t in ts]
    return dict(errs=errs, whole=target.read_bytes() in payloads, left=sorted(p.name for p in d.iterdir()))

def concurrent_atomic_check(r):
    if r['errs']: return f"a writer failed: {r['errs'][:1]}"
    if not r['whole']: return 'the file is a mix of payloads'
    if r['left'] != ['f.bin']: return f"left behind {r['left']}"

def foreign_json(text):
    def mk():
        d = tmpdir('fj'); (d/'dataset.json').write_text(text); (d/'mine.txt').write_text('my notes'); return d
    return mk

def synth_into(mk):
    d = mk(); box['last'] = d
    return M('synth').synth_paddy(d, n_per_class=1, size=16, n_test=0, progress=False)

box = {}
def last_intact(): return None if (box['last']/'mine.txt').exists() else "deleted the learner's file mine.txt"

def int_cleaning(vocab, relabel_to):
    C = M('cleaning')
    t = C.cleaner_table(list('abcdefgh'), probs(), labels(8, 3), vocab)
    t['action'] = t['action'].astype(object)
    t.loc[0, 'action'], t.loc[1, 'action'] = 'delete', relabel_to
    delete, relabel = C.cleaner_actions(t, vocab=vocab)
    df = pd.DataFrame(dict(image_id=list('abcdefgh'), label=[vocab[i] for i in labels(8, 3).tolist()]))
    out = C.apply_cleaning(df, delete, relabel)
    return out.image_id.tolist(), out.label.astype(str).tolist()

def probs_check(r):
    p = r.detach().float().numpy() if isinstance(r, torch.Tensor) else np.asarray(r, float)
    if p.min() < 0 or p.max() > 1 or not np.allclose(p.sum(-1), 1, atol=1e-3):
        return f'returned rows that are not probabilities (min {p.min():.2f}, max {p.max():.2f}, sums {p.sum(-1)[:2]})'

def finite_check(r):
    v = float(r)
    if not math.isfinite(v): return f'returned {v}'

def csv_file(text: bytes, name='train.csv', folder=False):
    def mk():
        d = tmpdir('csv'); (d/name).write_bytes(text); return d if folder else d/name
    return mk

def noparam(): return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())

def fit_flat(flip):
    return M('transfer').fit_tensors(lin(), flat(), labels(), epochs=1, bs=4, **({} if flip else dict(flip=False)))

def p_class_1(n=12, seed=0):
    "Binary labels and a model's P(class 1), one per row (never 0.5 nor a whole number)"
    rng = np.random.default_rng(seed); y = rng.integers(0, 2, n)
    return y, np.clip(0.3*y + rng.random(n)*0.7, 0.01, 0.99).round(3) + 0.0005

def one_column_cases(E):
    "Issue 19, class 4: one-column and 1-D probabilities are binary P(class 1) wherever predictions are taken"
    S, C, K = M('stats'), M('cleaning'), 'one-column probabilities'
    y, p = p_class_1(); _, q = p_class_1(seed=1); lp, lq = (p > .5).astype(int), (q > .5).astype(int)
    two = np.stack([1 - p, p], 1)
    E('stats.accuracy', K, 'pred (n, 1) of P(class 1)', 'same', lambda: S.accuracy(y, p[:, None]),
      ref=lambda: float(np.mean(lp == y)), names=('pred',))
    E('stats.accuracy', K, 'pred 1-D of P(class 1)', 'same', lambda: S.accuracy(y, p),
      ref=lambda: float(np.mean(lp == y)),
      names=('pred',))
    E('stats.accuracy', K, 'pred (n, 1) of logits', 'error', lambda: S.accuracy(y, (p[:, None] - .5)*8),
      names=('pred',))
    E('stats.paired_bootstrap', K, 'pred_a, pred_b (n, 1) of P(class 1)', 'same',
      lambda: S.paired_bootstrap(y, p[:, None], q[:, None], n_boot=50),
      ref=lambda: S.paired_bootstrap(y, lp, lq, n_boot=50),
      names=('pred_a', 'pred_b'))
    E('stats.paired_verdict', K, 'pred_a, pred_b (n, 1) of P(class 1)', 'same',
      lambda: S.paired_verdict(y, p[:, None], q[:, None], n_boot=50),
      ref=lambda: S.paired_verdict(y, lp, lq, n_boot=50),
      names=('pred_a', 'pred_b'))
    E('stats.bootstrap_ci', K, 'preds (n, 1) of P(class 1)', 'same', lambda: S.bootstrap_ci(y, p[:, None], n_boot=50),
      ref=lambda: S.bootstrap_ci((lp == y).astype(float), n_boot=50), names=('preds',))
    E('cleaning.item_losses', K, 'probs 1-D of P(class 1)', 'same', lambda: C.item_losses(p, y),
      ref=lambda: C.item_losses(two, y), names=('probs',))
    E('cleaning.item_losses', K, 'probs (n, 1) of P(class 1)', 'same', lambda: C.item_losses(p[:, None], y),
      ref=lambda: C.item_losses(two, y), names=('probs',))
    E('cleaning.cleaner_table', K, 'probs (n, 1) of P(class 1)', 'same',
      lambda: C.cleaner_table(range(len(y)), p[:, None], y, ['a', 'b']),
      ref=lambda: C.cleaner_table(range(len(y)), two, y, ['a', 'b']), names=('probs',))
    E('sgd.accuracy', K, 'preds (n, 1) against deps (n,)', 'error',
      lambda: M('sgd').accuracy(torch.tensor(p)[:, None], torch.tensor(y).float()), names=('preds', 'deps'))
    E('sgd.bce', K, 'preds (n, 1) against deps (n,)', 'error',
      lambda: M('sgd').bce(torch.tensor(p)[:, None], torch.tensor(y).float()), names=('preds', 'deps'))
    t = cleaner_base(); t.loc[0, 'action'] = ' Delete '
    E('cleaning.cleaner_actions', K, "action typed 'Delete' (no vocab)", 'same', lambda: C.cleaner_actions(t),
      ref=lambda: C.cleaner_actions(cleaner_base()), names=('table',))
    t2 = cleaner_base(); t2.loc[1, 'action'] = 'Z'
    E('cleaning.cleaner_actions', K, "label typed 'Z' for 'z' (no vocab)", 'error', lambda: C.cleaner_actions(t2),
      names=('table',))

def extras():
    X, E = [], lambda *a, **k: X.append(Case(*a, **k))
    E('synth.synth_paddy', 'concurrent writers', 'two processes make the same dataset at once', 'error_or_any',
      concurrent_synth, check=concurrent_synth_check, timeout=150)
    E('device.write_atomic', 'concurrent writers', 'four threads write the same file', 'error_or_any',
      concurrent_atomic, check=concurrent_atomic_check)
    for what, text in [("another generator's dataset.json", '{"generator": "my_own_script"}'),
                       ('a dataset.json that does not parse', '{not json')]:
        E('synth.synth_paddy', 'foreign folders', f'dest holds {what} and my files', 'error',
          lambda t=text: synth_into(foreign_json(t)), names=('dest',), after=last_intact)
    E('cleaning.oof_probs', 'logits for probabilities', 'the result must be probabilities', 'error_or_any',
      lambda: M('cleaning').oof_probs(flat(16), labels(16), lambda: lin(), n_folds=2, epochs=1, bs=8, flip=False),
      check=probs_check)
    E('cleaning.apply_cleaning', 'label coding', 'integer class names through cleaner_table/actions/apply',
      'same', lambda: int_cleaning([0, 1, 2], 2), ref=lambda: int_cleaning(['0', '1', '2'], '2'))
    E('dates.add_elapsed_times', 'label coding', "event column of strings ('yes'/'no')", 'error',
      lambda: M('dates').add_elapsed_times(events().assign(e=['yes', 'no']*4), 'e', 'date', 'g'),
      names=('e', 'field_names'))
    E('sgd.prep_titanic', 'label coding', "upper-case categories ('MALE')", 'error_or_same',
      lambda: M('sgd').prep_titanic(ti().assign(Sex=ti().Sex.str.upper())), ref=lambda: M('sgd').prep_titanic(ti()),
      names=('Sex', 'df'))
    E('sgd.bce', 'odd dtypes', 'float16 predictions near 0 and 1', 'error_or_same',
      lambda: M('sgd').bce(torch.tensor([1e-5, 1 - 1e-5, .5]).half(), torch.tensor([1., 0., 1.]).half()),
      ref=lambda: M('sgd').bce(torch.tensor([1e-5, 1 - 1e-5, .5]).half().float(), torch.tensor([1., 0., 1.])),
      names=('preds',), tol=2e-2)
    E('transfer.fit_tensors', 'image tensors', 'a flat (n, features) batch with the default flip=True',
      'error_or_same', lambda: fit_flat(True), ref=lambda: fit_flat(False), names=('flip', 'x'))
    E('transfer.fit_tensors', 'odd batches', 'a last batch of one row under BatchNorm', 'error_or_any',
      lambda: M('transfer').fit_tensors(cnn(), imgs(9), labels(9), epochs=1, bs=4), names=('bs', 'x'))
    for h, call in [('tta.tta', lambda: M('tta').tta(noparam(), loader(imgs(), labels()))),
                    ('transfer.predict_tensors', lambda: M('transfer').predict_tensors(noparam(), imgs())),
                    ('lr_finder.lr_find', lambda: M('lr_finder').lr_find(noparam(), loader(imgs(), labels()),
                                                                         F.cross_entropy, num_it=6)),
                    ('multi_target.head_probs', lambda: M('multi_target').head_probs(
                        nn.Flatten(), loader(flat(8, 5), labels(), labels(8, 3)), dict(a=2, b=3)))]:
        E(h, 'odd models', 'a model with no parameters', 'error_or_any', call, names=('model',))
    for h, fn in [('data.weather', lambda p: M('data').weather(p)), ('data.titanic', lambda p: M('data').titanic(p))]:
        E(h, 'bad files', 'an empty CSV', 'error', lambda fn=fn: fn(csv_file(b'')()), names=('path',))
        E(h, 'bad files', 'a CSV that is not UTF-8', 'error',
          lambda fn=fn: fn(csv_file('date,caf\xe9\n1,2\n'.encode('latin-1'))()), names=('path',))
    one_column_cases(E)
    E('stats.paired_bootstrap', 'nullable dtypes', 'y as Int64 with NA', 'error',
      lambda: M('stats').paired_bootstrap(pd.Series([0, 1, None, 0], dtype='Int64'), [0, 1, 1, 0], [0, 0, 1, 0],
                                          n_boot=20), names=('y',))
    E('stats.bootstrap_ci', 'nullable dtypes', 'values as a boolean Series with NA', 'error',
      lambda: M('stats').bootstrap_ci(pd.Series([True, None, False], dtype='boolean'), n_boot=20), names=('values',))
    return X

# ---------------------------------------------------------------------------------------------------------------
# Running and classifying
# ---------------------------------------------------------------------------------------------------------------
class Hang(BaseException): pass

def _alarm(*_): raise Hang()

def run(call, timeout, seeded=True):
    "('ok', result) | ('exc', exception) | ('hang', None): quietly, under a deadline, globally seeded"
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            if seeded: seed(0)
            return 'ok', call()
    except Hang: return 'hang', None
    except Exception as e: return 'exc', e
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0); signal.signal(signal.SIGALRM, old)

def origin(e) -> str:
    "Where an exception was raised: the package of the innermost frame"
    tb = traceback.extract_tb(e.__traceback__)
    if not tb: return '?'
    fn = tb[-1].filename
    m = re.search(r'site-packages/([A-Za-z_0-9]+)', fn)
    return m.group(1) if m else ('dlcourse' if '/dlcourse/' in fn else Path(fn).name)

def short(x, n=110) -> str:
    s = ' '.join(str(x).split()); return s if len(s) <= n else s[:n-3] + '...'

def summary_of(r) -> str:
    if isinstance(r, (pd.DataFrame, pd.Series, np.ndarray, torch.Tensor)):
        return f'{type(r).__name__} {tuple(r.shape)}'
    return short(repr(r), 60)

def is_clear(e, names) -> bool:
    if not isinstance(e, CLEAR): return False
    msg = str(e)
    return bool(msg) and (not names or any(n in msg for n in names))

def exc_reason(e, names) -> str:
    kind = f'{type(e).__name__} from {origin(e)}'
    if isinstance(e, CLEAR) and names: kind += f" not naming {'/'.join(names)}"
    elif isinstance(e, TypeError) and names and any(n in str(e) for n in names):
        kind += ' (policy: ValueError)'
    return f'{kind}: {short(e)}'

def compare(case, res, ref):
    cmp = case.cmp or (same_unordered if case.unordered else lambda a, b: same(a, b, rtol=case.tol, atol=case.tol))
    try: return cmp(res, ref)
    except Exception: return False

def classify(case, base_result, timeout):
    timeout = case.timeout or timeout
    st, res = run(case.call, timeout)
    after = case.after() if case.after else None
    if st == 'hang': return 'HANG', f'no answer within {timeout:g} s'
    if after: return 'SILENT', after
    if st == 'exc':
        if is_clear(res, case.names):
            return ('REFUSED', f'{type(res).__name__}: {short(res)}') if case.expect == 'same' else ('OK', '')
        return 'CRASH', exc_reason(res, case.names)
    # it returned a result
    if case.expect == 'error': return 'SILENT', f'returned {summary_of(res)} instead of an error'
    if case.expect == 'error_or_any':
        why = case.check(res) if case.check else None
        return ('SILENT', why) if why else ('ACCEPTED', '')
    ref_st, ref = run(case.ref, timeout) if case.ref else base_result
    if ref_st == 'exc' and is_clear(ref, ()):
        return 'SILENT', f'returned {summary_of(res)}; the plain input is refused ({short(ref, 60)})'
    if ref_st != 'ok': return 'ACCEPTED', 'reference failed; result not compared'
    if compare(case, res, ref): return 'ACCEPTED', ''
    return 'SILENT', f'returned a different result ({summary_of(res)}) from the plain call'

# ---------------------------------------------------------------------------------------------------------------
# Side effects: global state before/after, the caller's data, model modes, global RNG reseeding
# ---------------------------------------------------------------------------------------------------------------
ENV_IGNORE = {'DLCOURSE_NETGUARD_LOG', 'TORCHINDUCTOR_CACHE_DIR'}  # the latter: set by torch's own imports

def pandas_options(d=None, prefix='') -> dict:
    "Every pandas option by its dotted name, read without the deprecation warnings some of them give"
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        for k in dir(pd.options if d is None else d):
            v = getattr(pd.options if d is None else d, k)
            if type(v).__name__ == 'DictWrapper': out.update(pandas_options(v, f'{prefix}{k}.'))
            else: out[prefix + k] = repr(v)
    return out

def mpl_backend():
    mpl = sys.modules.get('matplotlib')  # the raw rcParams value: get_backend() would resolve (change) it
    return None if mpl is None else dict.__getitem__(mpl.rcParams, 'backend')

def global_state() -> dict:
    return dict(pandas=pandas_options(), sys_path=list(sys.path), mpl_backend=mpl_backend(),
                grad=torch.is_grad_enabled(),
                default_dtype=torch.get_default_dtype(), deterministic=torch.are_deterministic_algorithms_enabled(),
                threads=torch.get_num_threads(), cudnn_benchmark=torch.backends.cudnn.benchmark, numpy_err=np.geterr(),
                numpy_print=np.get_printoptions(), cwd=os.getcwd(),
                env={k: v for k, v in os.environ.items() if k not in ENV_IGNORE})

def state_diff(a, b) -> list:
    out = []
    for k in a:
        if k in ('pandas', 'env'):
            out += [f'{k}: {x} {a[k].get(x)!r} -> {b[k].get(x)!r}' for x in sorted(set(a[k]) | set(b[k]))
                    if a[k].get(x) != b[k].get(x)]
        elif k == 'mpl_backend' and a[k] is None: continue  # matplotlib's first import: its backend is set, not changed
        elif a[k] != b[k]: out.append(f'{k}: {short(a[k], 40)} -> {short(b[k], 40)}')
    return out

def rng_state():
    return (torch.get_rng_state().clone(), np.random.get_state()[1].copy(), random.getstate())

def rng_equal(a, b):
    return [n for n, x, y in zip(('torch', 'numpy', 'random'), a, b)
            if (torch.equal(x, y) if isinstance(x, torch.Tensor) else np.array_equal(x, y) if isinstance(x, np.ndarray)
                else x == y)]

def data_args(kw):
    return {k: v for k, v in kw.items() if k not in ('model', 'opt', 'coeffs', 'models')
            and isinstance(v, (pd.DataFrame, pd.Series, np.ndarray, torch.Tensor, dict, tuple))}

def side_effects(helper, base: Base, timeout):
    "Run the base call twice (global seeds 1 and 2, model in train then eval mode): what leaks out?"
    why, posts = [], []
    for s in (1, 2):
        fn, kw = base.make()
        mods = [v for v in kw.values() if isinstance(v, nn.Module)]
        for m in mods:
            if s == 2:
                m.eval(); sub = [x for x in m.modules() if isinstance(x, nn.modules.batchnorm._BatchNorm)]
                (sub or list(m.children()) or [m])[0].train()
        modes = [[x.training for x in m.modules()] for m in mods]
        data = copy.deepcopy(data_args(kw)); before = global_state()
        seed(s)
        st, res = run(lambda: invoke(fn, kw), timeout, seeded=False)
        posts.append(rng_state())
        why += state_diff(before, global_state())
        if not base.trains and modes != [[x.training for x in m.modules()] for m in mods]:
            why.append(f"model modes changed ({'train' if s == 1 else 'eval with a BatchNorm in train'} before)")
        why += [f'changed the caller\'s {k}' for k, v in data.items() if not same(v, kw[k], 0, 0)]
    if helper != 'device.seed_everything':
        why += [f'reseeds the global {n} RNG' for n in rng_equal(*posts)]
    return sorted(set(why))

FIRST_USE = {  # helpers that import fastai late: called in a fresh process, where the import is the first one
    'training.paddy_learner': 'from dlcourse.training import paddy_learner; paddy_learner(small, epochs=0, bs=4)',
    'multi_target.paddy_multi_dls': 'from dlcourse.multi_target import paddy_multi_dls; paddy_multi_dls(small, bs=4)',
    'vision.paddy_vision_learner': 'from dlcourse.vision import paddy_vision_learner; '
                                   "paddy_vision_learner(small, arch='resnet18', size=16, bs=4, pretrained=False)",
}
FIRST_USE_CODE = '''
import json, sys, importlib.util, torch
from pathlib import Path
spec = importlib.util.spec_from_file_location('fuzz', sys.argv[2]); fuzz = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fuzz)
from dlcourse.synth import synth_paddy
small = synth_paddy(Path(sys.argv[1]), n_per_class=2, size=16, n_test=0, progress=False)
before, rng = fuzz.global_state(), fuzz.rng_state()
{call}
d = fuzz.state_diff(before, fuzz.global_state())
same_rng = fuzz.rng_equal(rng, fuzz.rng_state())
d += [f'draws from the global {n} RNG' for n in ('torch', 'numpy', 'random') if n not in same_rng]
print(json.dumps(d))
'''
# Model constructors draw initial weights from torch's global RNG, as nn.Linear does: a learner seeds them with
# torch.manual_seed. Listed in the README; counted apart, not as side effects. seed_everything's name says it.
RNG_BY_DESIGN = {'training.simple_cnn', 'transfer.simple_cnn', 'sgd.init_linear', 'sgd.init_hidden', 'sgd.init_deep',
                 'device.create_timm_model', 'model_zoo.zoo_model', 'device.seed_everything',
                 'lr_finder.train_eval'}  # builds and trains a model from the global RNGs: compare_runs seeds each run

def state_audit(names, timeout) -> tuple[dict, dict, list]:
    """Each helper's base call once, with snapshots of the global state (RNGs drawn from included) before and after:
    (changes, failed, the helpers of `names` with no base call)"""
    changes, failed, no_base = {}, {}, []
    for h in names:
        base = BASE.get(h) or moved(h)
        if base is None:
            if h not in FIRST_USE: no_base.append(h)  # those are called below, each in a fresh process
            continue
        try: fn, kw = base.make()
        except Exception as e: failed[h] = f'fixture: {short(e)}'; continue
        before, rng = global_state(), rng_state()
        st, res = run(lambda: invoke(fn, kw), timeout, seeded=False)
        d = state_diff(before, global_state())
        same_rng = rng_equal(rng, rng_state())
        d += [f'draws from the global {n} RNG' for n in ('torch', 'numpy', 'random') if n not in same_rng]
        if st != 'ok': failed[h] = 'hang' if st == 'hang' else f'{type(res).__name__}: {short(res)}'
        changes[h] = d
    for h, call in FIRST_USE.items():
        code = FIRST_USE_CODE.replace('{call}', call)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT/'tests'/'netguard'), str(ROOT)]))
        r = subprocess.run([sys.executable, '-c', code, str(tmpdir('first')/'paddy'), __file__], capture_output=True,
                           text=True, env=env, timeout=600)
        if r.returncode: failed[h] = short(r.stderr.strip().splitlines()[-1:]); continue
        changes[h] = json.loads(r.stdout.strip().splitlines()[-1])
    return changes, failed, no_base

def import_effects(modules):
    "Import each module in turn: does the import change global state?"
    rows = []
    for m in modules:
        before, rng = global_state(), rng_state()
        try: importlib.import_module(f'dlcourse.{m}')
        except Exception as e: rows.append((m, [f'import failed: {short(e)}'])); continue
        d = state_diff(before, global_state())
        d += [f'import changes the global {n} RNG' for n in ('torch', 'numpy', 'random')
              if n not in rng_equal(rng, rng_state())]
        rows.append((m, d))
    return rows

# ---------------------------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------------------------
def moved(h):
    "The BASE entry of a helper that moved to another module (the old module re-exports the same object)"
    mod, name = h.split('.', 1)
    obj = getattr(M(mod), name)
    for k, b in BASE.items():
        m2, n2 = k.split('.', 1)
        if n2 == name and m2 != mod and getattr(importlib.import_module(f'dlcourse.{m2}'), name, None) is obj: return b

def public_helpers(modules):
    "Every public function and class of `modules`; a bank's reference solutions (`exercises_*`) go to SKIP"
    out = []
    for m in modules:
        if m.startswith('exercises_'):
            for n in getattr(importlib.import_module(f'dlcourse.{m}'), '__all__', []):
                SKIP[f'{m}.{n}'] = "an exercise's reference solution (its bank checks it with an oracle and wrong answers)"
        mod = importlib.import_module(f'dlcourse.{m}')
        for n in getattr(mod, '__all__', []):
            o = getattr(mod, n, None)
            if (inspect.isfunction(o) or inspect.isclass(o)) and getattr(o, '__module__', '') == mod.__name__:
                out.append(f'{m}.{n}')
    return out

def table(rows, head):
    w = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    fmt = lambda r: '  '.join(str(c).ljust(w[i]) if i == 0 else str(c).rjust(w[i]) for i, c in enumerate(r))
    return '\n'.join([fmt(head), '  '.join('-'*x for x in w)] + [fmt(r) for r in rows])

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--json', help='write every case and its outcome to this file')
    ap.add_argument('--only', default='', help='regex: run only helpers whose name matches')
    ap.add_argument('--timeout', type=float, default=8., help='seconds per call before it counts as a hang')
    ap.add_argument('-v', '--verbose', action='store_true', help='print each case as it runs')
    ap.add_argument('--state', action='store_true', help='only the global-state audit (issue 19, class 7)')
    a = ap.parse_args(argv)
    t0, c0 = time.time(), time.process_time()
    import dlcourse
    modules = sorted(x.name for x in pkgutil.iter_modules(dlcourse.__path__) if not x.name.startswith('_'))
    modules = [m for m in modules if m not in ('basics',)]  # basics only re-exports stats/training helpers
    imports = import_effects(modules)
    helpers = public_helpers([m for m, d in imports if not any('import failed' in x for x in d)])
    only = re.compile(a.only) if a.only else None
    results, base_fail, no_base = [], [], []
    def record(case, cls, why):
        results.append(dict(helper=case.helper, module=case.helper.split('.')[0], klass=case.klass, case=case.name,
                            expect=case.expect, outcome=cls, reason=why))
        if a.verbose: print(f'{cls:8} {case.helper}: {case.name} {why}', flush=True)
    for m, d in imports:
        if only and not only.search(f'{m}.'): continue
        c = Case(f'{m}.<import>', 'side effects', 'import dlcourse.' + m, 'none', None)
        record(c, 'SIDE' if d else 'OK', '; '.join(d))
    names = [h for h in helpers if h not in SKIP] + [h for h in BASE if h not in helpers and h.count('.') == 2]
    if a.state:
        changes, failed, nob = state_audit([h for h in names if not only or only.search(h)], a.timeout)
        for h, d in changes.items(): print(f"{'SIDE' if d else 'OK':5} {h}: {'; '.join(d)}")
        if a.json: Path(a.json).write_text(json.dumps(dict(called=sorted(changes), changes=changes, failed=failed,
                                                           no_base_call=nob)))
        return 0
    for h in names:
        if only and not only.search(h): continue
        base = BASE.get(h) or moved(h)
        if base is None: no_base.append(h); continue
        try: fn, kw = base.make()
        except Exception as e: base_fail.append((h, f'fixture: {short(e)}')); continue
        st, res = run(lambda: invoke(fn, kw), a.timeout)
        if st != 'ok':
            base_fail.append((h, 'hang' if st == 'hang' else f'{type(res).__name__}: {short(res)}')); continue
        why = side_effects(h, base, a.timeout)
        record(Case(h, 'side effects', 'base call: global state, modes, inputs', 'none', None),
               'SIDE' if why else 'OK', '; '.join(why))
        try: cases = derive(h, base)
        except Exception as e: base_fail.append((h, f'deriving cases failed (tools/fuzz.py): {short(e)}')); continue
        for case in cases:
            try: cls, why = classify(case, (st, res), a.timeout)
            except Exception as e: cls, why = 'CRASH', f'in the harness (tools/fuzz.py, not the helper): {short(e)}'
            record(case, cls, why)
    for case in extras():
        if only and not only.search(case.helper): continue
        cls, why = classify(case, ('exc', RuntimeError('no base')), a.timeout)
        record(case, cls, why)
    for case, cls, why in edge_probes(only, max(a.timeout, 300)): record(case, cls, why)
    changes, failed, _ = state_audit([h for h in names + list(FIRST_USE) if not only or only.search(h)], a.timeout)
    for h, d in changes.items():
        by_design = h in RNG_BY_DESIGN and all('RNG' in x for x in d)
        record(Case(h, 'global state', 'before/after: RNGs drawn from, pandas options, environment, sys.path, '
                    'matplotlib backend' + (' (a constructor: RNG by design)' if by_design and d else ''), 'none',
                    None), 'SIDE' if d and not by_design else 'OK', '; '.join(d))
    report(results, base_fail, no_base, [h for h in helpers if h in SKIP], time.time() - t0, time.process_time() - c0)
    log = Path(os.environ['DLCOURSE_NETGUARD_LOG'])
    net = log.read_text().splitlines() if log.exists() else []
    print(f"network connections attempted (and refused): {len(net)}" + ''.join(f'\n  {x}' for x in net[:10]))
    if a.json:
        Path(a.json).write_text(json.dumps(dict(cases=results, base_failed=base_fail, no_base_call=no_base, network=net,
                                                skipped={h: SKIP[h] for h in helpers if h in SKIP}), indent=1))
    return 0

def edge_probes(only, timeout) -> list[tuple]:
    "Issue 19's data-loss and security probes (tools/fuzz_edges.py), classified: [(case, class, why)]"
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from fuzz_edges import cases as edge_cases  # the probes kill writers and start the app: their own module
    out = []
    for name, category, probe in edge_cases():
        case = Case(f'edges.{category}', category, name, 'none', None)
        if only and not only.search(case.helper): continue
        st, res = run(probe, timeout, seeded=False)
        cls = ('OK' if st == 'ok' else 'HANG' if st == 'hang' else
               category.upper() if isinstance(res, AssertionError) else 'CRASH')
        out.append((case, cls, '' if st == 'ok' else f'{type(res).__name__}: {short(res)}' if res else 'hang'))
    return out

def report(results, base_fail, no_base, skipped, wall, cpu):
    def rows(key):
        g = defaultdict(Counter)
        for r in results: g[r[key]][r['outcome']] += 1
        out = [[k, sum(c.values()), c['OK'], c['ACCEPTED'], sum(c.values()) - c['OK'] - c['ACCEPTED']] +
               [c[x] for x in CLASSES[2:]] for k, c in sorted(g.items())]
        tot = Counter(r['outcome'] for r in results)
        return out + [['TOTAL', len(results), tot['OK'], tot['ACCEPTED'], len(results) - tot['OK'] - tot['ACCEPTED']] +
                      [tot[x] for x in CLASSES[2:]]]
    head = ['', 'tried', 'OK', 'ACCEPTED', 'failing'] + CLASSES[2:]
    print(table(rows('klass'), ['class'] + head[1:])); print()
    print(table(rows('module'), ['module'] + head[1:])); print()
    bad = [r for r in results if r['outcome'] not in GOOD]
    print(f'{len(bad)} failing case(s):')
    for r in sorted(bad, key=lambda r: (r['module'], r['helper'], r['klass'])):
        print(f"  {r['outcome']:7} {r['helper']} [{r['klass']}] {r['case']}: {r['reason']}")
    if base_fail:
        print(f'\n{len(base_fail)} helper(s) whose base call failed (their cases were not run):')
        for h, why in base_fail: print(f'  {h}: {why}')
    if no_base: print(f"\n{len(no_base)} public helper(s) with no base call in tools/fuzz.py yet: {', '.join(no_base)}")
    if skipped:
        print(f"\n{len(skipped)} helper(s) skipped on purpose: " + '; '.join(f'{h} ({SKIP[h]})' for h in skipped))
    print(f'\n{len(results)} cases, {len(bad)} failing; about {wall:.0f} s wall, {cpu:.0f} s CPU')

if __name__ == '__main__':
    try: main()
    except BaseException: traceback.print_exc()  # a measuring instrument: report, never fail the caller
    sys.exit(0)
