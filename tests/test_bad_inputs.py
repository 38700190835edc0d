"""The bad-input battery: each row is a wrong argument a learner might pass, and the error (or warning) it must give.

The table in docs/bad_inputs.md is generated from CASES by tools/bad_input_table.py; a test checks they agree.
Each case's `call` is a Python expression evaluated with the names in SETUP; `match` must appear in the message.
"""
import re, warnings, textwrap
from dataclasses import dataclass
import pytest
from conftest import ROOT

@dataclass
class Case:
    helper: str   # the public helper, as a learner imports it
    bad: str      # what is wrong with the input, in words
    call: str     # the call, as code
    error: type   # the exception (or Warning subclass) expected
    match: str    # text the message must contain (names the argument and what was expected)

SETUP = textwrap.dedent("""
    import datetime, math, numpy as np, pandas as pd, torch
    from pathlib import Path
    from dlcourse import data, device, basics, cli, titanic, dates, tabular, sgd, accumulation, lr_finder, tta, models, cleaning
    import torch.nn as nn, torch.nn.functional as F
    LIN = nn.Linear(3, 2); OPT = torch.optim.SGD(LIN.parameters(), 0.1)
    DL = [(torch.randn(4, 3), torch.tensor([0, 1, 0, 1]))]
    NAN_LOSS = lambda out, y: out.sum()*float('nan')
    TI = data.titanic()
    EV = pd.DataFrame(dict(date=pd.date_range('2020-01-01', periods=3), g=1, e=[0, 1, 0]))
    tiny_nb_dir = Path(TMP)
""")

CASES = [
    Case('data.titanic', "split that isn't 'train' or 'test'", "data.titanic(split='valid')", ValueError, "split='valid'"),
    Case('data.titanic', 'a path with no train.csv', "data.titanic(path='/no/such/folder')", FileNotFoundError, "expected 'train.csv'"),
    Case('data.titanic', 'a CSV without the Kaggle columns', "data.titanic(path=BAD_CSV)", KeyError, "expected column(s) ['PassengerId'"),
    Case('data.weather', 'a CSV path that does not exist', "data.weather('/no/such.csv')", FileNotFoundError, "path='/no/such.csv'"),
    Case('data.weather', 'a CSV without the weather columns', "data.weather(BAD_CSV)", KeyError, "expected column(s) ['date'"),
    Case('data.synth_paddy', 'zero images per class', "data.synth_paddy(TMP+'/p', n_per_class=0)", ValueError, 'n_per_class=0'),
    Case('data.synth_paddy', 'a negative image size', "data.synth_paddy(TMP+'/p', size=-1)", ValueError, 'size=-1'),
    Case('data.synth_paddy', 'a float count', "data.synth_paddy(TMP+'/p', n_per_class=2.5)", ValueError, 'n_per_class=2.5'),
    Case('data.synth_paddy', 'label noise above 1', "data.synth_paddy(TMP+'/p', label_noise=1.5)", ValueError, 'label_noise=1.5'),
    Case('data.synth_paddy', 'a destination folder that holds other files', "data.synth_paddy(FOREIGN_DIR, n_per_class=1)", FileExistsError, 'not overwriting'),
    Case('data.draw_leaf', 'an unknown disease', "data.draw_leaf('rust', 'IR20')", ValueError, "disease='rust'"),
    Case('data.draw_leaf', 'an unknown variety', "data.draw_leaf('blast', 'Basmati')", ValueError, "variety='Basmati'"),
    Case('data.check_paddy_folder', 'a folder without train.csv', "data.check_paddy_folder(TMP)", FileNotFoundError, "expected Paddy Doctor's train.csv"),
    Case('data.paddy_arrays', 'a corrupt image file', "data.paddy_arrays(CORRUPT_PADDY)", ValueError, 'expected a readable image file'),
    Case('data.paddy_arrays', "a split that isn't 'train' or 'test'", "data.paddy_arrays(CORRUPT_PADDY, 'valid')", ValueError, "split='valid'"),
    Case('data.package_file', 'a package that is not installed', "data.package_file('no_such_pkg_xyz', 'a.csv')", ModuleNotFoundError, "pkg='no_such_pkg_xyz'"),
    Case('device.default_device', 'a device name torch does not know', "device.default_device('gpu0')", ValueError, "use='gpu0'"),
    Case('device.default_device', 'CUDA asked for on a machine without it', "device.default_device('cuda') if not torch.cuda.is_available() else (_ for _ in ()).throw(ValueError('use=cuda skipped: torch.cuda.is_available() is False'))", ValueError, 'torch.cuda.is_available() is False'),
    Case('device.seed_everything', 'a negative seed', "device.seed_everything(-1)", ValueError, 'seed=-1'),
    Case('device.seed_everything', 'a seed given as a string', "device.seed_everything('42')", ValueError, "seed='42'"),
    Case('device.create_timm_model', 'a misspelt architecture', "device.create_timm_model('resnet_19_typo')", ValueError, "arch='resnet_19_typo'"),
    Case('device.create_timm_model', 'pretrained weights with no network', "device.create_timm_model('resnet18', pretrained=True)", RuntimeError, 'pretrained=False'),
    Case('device.create_timm_model', 'a checkpoint file that does not exist', "device.create_timm_model('resnet18', checkpoint='/no/such.pth')", FileNotFoundError, "checkpoint='/no/such.pth'"),
    Case('device.create_timm_model', 'a checkpoint for the wrong architecture', "device.create_timm_model('resnet34', checkpoint=RESNET18_CKPT)", ValueError, "expected weights for 'resnet34'"),
    Case('basics.bootstrap_ci', 'an empty array', "basics.bootstrap_ci([])", ValueError, 'empty'),
    Case('basics.bootstrap_ci', 'predictions of another length', "basics.bootstrap_ci([1, 0], preds=[1])", ValueError, 'preds'),
    Case('basics.bootstrap_ci', 'NaN in the values', "basics.bootstrap_ci([1, float('nan')])", ValueError, 'NaN'),
    Case('basics.bootstrap_ci', 'coverage given as a percentage', "basics.bootstrap_ci([1, 0], ci=95)", ValueError, 'ci=95'),
    Case('basics.bootstrap_ci', 'zero resamples', "basics.bootstrap_ci([1, 0], n_boot=0)", ValueError, 'n_boot=0'),
    Case('basics.simple_cnn', 'zero outputs', "basics.simple_cnn(0)", ValueError, 'n_out=0'),
    Case('cli.lesson_notebooks', 'a lesson name that matches nothing', "cli.lesson_notebooks(ROOT_NBS, ['zz_no_such'])", ValueError, "no notebook matches ['zz_no_such']"),
    Case('cli.lesson_notebooks', 'a folder that does not exist', "cli.lesson_notebooks('/no/such/nbs')", FileNotFoundError, 'nbs_dir='),
    Case('cli.project_root', 'a folder outside the project', "cli.project_root('/')", FileNotFoundError, 'expected to be inside the dlcourse project'),
    Case('titanic.add_features', 'a frame without the Cabin column', "titanic.add_features(TI.drop(columns='Cabin'))", KeyError, "expected column(s) ['Cabin']"),
    Case('titanic.add_features', 'an empty frame', "titanic.add_features(TI.iloc[:0])", ValueError, 'df is empty'),
    Case('titanic.add_features', 'a file name instead of a DataFrame', "titanic.add_features('train.csv')", ValueError, 'expected a pandas DataFrame'),
    Case('dates.add_datepart', 'a misspelt date column', "dates.add_datepart(data.weather(), 'datee')", KeyError, "field_name='datee'"),
    Case('dates.add_datepart', 'a column of numbers, not dates', "dates.add_datepart(pd.DataFrame(dict(d=[1, 2])), 'd')", ValueError, "field_name='d': expected a date column"),
    Case('dates.add_datepart', 'an empty frame', "dates.add_datepart(pd.DataFrame(dict(d=pd.Series([], dtype='datetime64[ns]'))), 'd')", ValueError, 'df is empty'),
    Case('dates.add_datepart', 'a date column that is all NaT', "dates.add_datepart(pd.DataFrame(dict(d=[pd.NaT, pd.NaT])), 'd')", UserWarning, 'every value is missing'),
    Case('dates.add_elapsed_times', 'a zero-day window', "dates.add_elapsed_times(EV, 'e', 'date', 'g', window=0)", ValueError, 'window=0'),
    Case('dates.add_elapsed_times', 'no event column', "dates.add_elapsed_times(EV, [], 'date', 'g')", ValueError, 'field_names: expected at least one'),
    Case('dates.add_cyclic', 'a text column', "dates.add_cyclic(pd.DataFrame(dict(m=['a'])), 'm', 12)", ValueError, "field_name='m': expected a numeric column"),
    Case('dates.add_cyclic', 'a zero period', "dates.add_cyclic(pd.DataFrame(dict(m=[1])), 'm', 0)", ValueError, 'period=0'),
    Case('sgd.prep_titanic', 'a frame without Age', "sgd.prep_titanic(TI.drop(columns='Age'))", KeyError, "expected column(s) ['Age']"),
    Case('sgd.titanic_tensors', 'NaN left in a column', "sgd.titanic_tensors(sgd.prep_titanic(TI).assign(Age=np.nan))", ValueError, "NaN left in columns ['Age']"),
    Case('sgd.random_splitter', 'a validation share above 1', "sgd.random_splitter(10, valid_pct=1.5)", ValueError, 'valid_pct=1.5'),
    Case('sgd.linear_preds', 'coefficients that do not match the columns', "sgd.linear_preds(torch.rand(3), torch.rand(5, 4))", ValueError, 'coeffs: expected 4 rows'),
    Case('sgd.train_model', 'zero epochs', "sgd.train_model(sgd.linear_preds, sgd.init_linear(12), torch.rand(5, 12), torch.rand(5), epochs=0, lr=0.1)", ValueError, 'epochs=0'),
    Case('sgd.train_model', 'a zero batch size', "sgd.train_model(sgd.linear_preds, sgd.init_linear(12), torch.rand(5, 12), torch.rand(5), epochs=1, lr=0.1, bs=0)", ValueError, 'bs=0'),
    Case('sgd.mae', 'a column of predictions against a row of targets (silent broadcasting)', "sgd.mae(torch.rand(5, 1), torch.rand(5))", ValueError, 'expected the same shape'),
    Case('sgd.linear_grads', 'an unknown loss', "sgd.linear_grads(torch.rand(3), torch.rand(5, 3), torch.rand(5), loss='huber')", ValueError, "loss='huber'"),
    Case('tabular.titanic_xs_y', 'a frame without Sex', "tabular.titanic_xs_y(TI.drop(columns='Sex'))", KeyError, "expected column(s) ['Sex']"),
    Case('tabular.BinarySplit', 'a misspelt column to split on', "tabular.BinarySplit(['Sexx']).fit(*tabular.titanic_xs_y(TI))", KeyError, "cols=['Sexx']"),
    Case('tabular.split_score', 'targets of another length than the column', "tabular.split_score(pd.Series([1, 2]), pd.Series([0, 1, 1]), 1.5)", ValueError, 'col=2, y=3'),
    Case('accumulation.fit_acc', 'n_acc of zero', "accumulation.fit_acc(LIN, DL, F.cross_entropy, OPT, n_acc=0)", ValueError, 'n_acc=0'),
    Case('accumulation.fit_acc', 'n_acc smaller than the batch', "accumulation.fit_acc(LIN, DL, F.cross_entropy, OPT, n_acc=2)", ValueError, 'n_acc=2: expected at least the batch size'),
    Case('accumulation.fit_acc', 'a loader that yields nothing', "accumulation.fit_acc(LIN, [], F.cross_entropy, OPT, n_acc=8)", ValueError, 'dl: expected at least one batch'),
    Case('accumulation.fit_acc', 'a loss that is NaN from the first step', "accumulation.fit_acc(LIN, DL, NAN_LOSS, OPT, n_acc=8)", FloatingPointError, 'loss is nan at the first step'),
    Case('accumulation.find_bn', 'a model name instead of a model', "accumulation.find_bn('resnet18')", ValueError, 'model: expected a torch.nn.Module'),
    Case('lr_finder.lr_find', 'a loader that yields nothing', "lr_finder.lr_find(LIN, [], F.cross_entropy)", ValueError, 'dl: expected at least one batch'),
    Case('lr_finder.lr_find', 'a loss that is NaN from the first batch', "lr_finder.lr_find(LIN, DL, NAN_LOSS)", ValueError, 'loss is nan at the first batch'),
    Case('lr_finder.lr_find', 'a reversed learning-rate range', "lr_finder.lr_find(LIN, DL, F.cross_entropy, start_lr=1, end_lr=1e-3)", ValueError, 'expected 0 < start_lr < end_lr'),
    Case('tta.tta', 'no transforms', "tta.tta(LIN, DL, tfms=[])", ValueError, 'tfms: expected a non-empty list'),
    Case('tta.tta', 'a loader that yields nothing', "tta.tta(LIN, [])", ValueError, 'dl: expected at least one batch'),
    Case('tta.tta', "head sizes that don't add up to the outputs", "tta.tta(LIN, DL, heads=[3, 3])", ValueError, 'heads=[3, 3]'),
    Case('models.pick_model', 'a negative latency budget', "models.pick_model(-1)", ValueError, 'budget_ms=-1'),
    Case('models.benchmark_models', 'a misspelt architecture', "models.benchmark_models(['resnet_typo'])", ValueError, "['resnet_typo'] are not timm architectures"),
    Case('cleaning.precision_recall_at_k', 'k of zero', "cleaning.precision_recall_at_k([1, 2], [1], k=0)", ValueError, 'k=0'),
]

@pytest.fixture(scope='module')
def ns(tmp_path_factory):
    import os
    tmp = tmp_path_factory.mktemp('bad')
    os.environ['DLCOURSE_CACHE'] = str(tmp/'cache')
    g = dict(TMP=str(tmp), ROOT_NBS=str(ROOT/'nbs'))
    exec(SETUP, g)
    bad = tmp/'bad.csv'; bad.write_text('a,b\n1,2\n'); g['BAD_CSV'] = str(bad)
    foreign = tmp/'foreign'; foreign.mkdir(); (foreign/'mine.txt').write_text('x'); g['FOREIGN_DIR'] = str(foreign)
    from dlcourse.data import synth_paddy
    import pandas as pd, torch, timm
    p = synth_paddy(tmp/'corrupt', n_per_class=1, size=16, n_test=0)
    first = pd.read_csv(p/'train.csv').iloc[0]
    (p/'train_images'/first.label/first.image_id).write_bytes(b'not a jpeg')
    g['CORRUPT_PADDY'] = str(p)
    ck = tmp/'resnet18.pth'; torch.save(timm.create_model('resnet18').state_dict(), ck); g['RESNET18_CKPT'] = str(ck)
    return g

@pytest.mark.parametrize('case', CASES, ids=[f'{c.helper}: {c.bad}' for c in CASES])
def test_bad_input(case, ns):
    if issubclass(case.error, Warning):
        with pytest.warns(case.error, match=re.escape(case.match)): eval(case.call, ns)
    else:
        with pytest.raises(case.error) as e: eval(case.call, ns)
        assert case.match in str(e.value), f'message {str(e.value)!r} lacks {case.match!r}'

def test_table_is_current():
    import subprocess, sys
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'bad_input_table.py'), '--check'], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
