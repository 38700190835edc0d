"""Issue 19, class 7: no hidden state change. No helper changes the global RNGs (Python's, NumPy's, torch's), pandas'
options, environment variables, matplotlib's backend or `sys.path`.

The snapshot here is written independently of `dlcourse.checks.global_state` (the code under test); it holds what
tools/fuzz.py's does (torch's flags, NumPy's options and the working directory too). A helper that
imports fastai late is called in a fresh process, where its import is the first one (fastai's import sets pandas
options and `KMP_*` variables: the known case, `paddy_learner`, failed before the fix). Every other cheaply callable
helper is audited through tools/fuzz.py's base calls (`--state`), in one process.
"""
import json, subprocess, sys, textwrap
import pytest
from conftest import ROOT, fresh_env
from forkwriter import run_together

SNAPSHOT = '''
import os, sys, random, warnings, json
import numpy as np, pandas as pd
def snap():
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        def opts(d, pre=''):
            out = {}
            for k in dir(d):
                v = getattr(d, k)
                out.update(opts(v, pre + k + '.') if type(v).__name__ == 'DictWrapper' else {pre + k: repr(v)})
            return out
        o = opts(pd.options)
    t = sys.modules.get('torch')
    mpl = sys.modules.get('matplotlib')
    flags = None if t is None else [t.is_grad_enabled(), str(t.get_default_dtype()), t.get_num_threads(),
                                    t.are_deterministic_algorithms_enabled(), t.backends.cudnn.benchmark]
    return dict(random=repr(random.getstate()), numpy=repr(np.random.get_state()[1].tolist()),
                torch=None if t is None else t.random.get_rng_state().tolist(), pandas=o, env=dict(os.environ),
                path=list(sys.path), mpl=None if mpl is None else dict.__getitem__(mpl.rcParams, 'backend'),
                torch_flags=flags, numpy_opts=repr((np.geterr(), np.get_printoptions())), cwd=os.getcwd())
def diff(a, b):
    out = [k for k in ('random', 'numpy', 'path', 'torch_flags', 'numpy_opts', 'cwd') if a[k] != b[k]]
    out += ['torch'] if a['torch'] is not None and a['torch'] != b['torch'] else []
    out += ['mpl'] if a['mpl'] is not None and a['mpl'] != b['mpl'] else []
    for part in ('pandas', 'env'):
        out += [f"{part}:{k}" for k in sorted(set(a[part]) | set(b[part])) if a[part].get(k) != b[part].get(k)]
    return out
'''

SETUP = SNAPSHOT + '''
import torch  # loaded first, as in any lesson: its own import-time settings are not the helper's
from pathlib import Path
from dlcourse.synth import synth_paddy
small = synth_paddy(Path(os.environ['PADDY']), n_per_class=2, size=16, n_test=0, progress=False)
assert 'fastai' not in sys.modules  # so each helper's first use is fastai's first import
'''

# Run in a process forked from the set-up (its imports once, not once per helper), where nothing has imported fastai
CALL = '''
np.random.seed(123); random.seed(4); torch.manual_seed(5)
name, call = CALLS[int(os.environ['TOGETHER_INDEX'])]
before = snap()
exec(call)
print(name, json.dumps(diff(before, snap())))
'''

FIRST_USE = {
    'training.paddy_learner': 'from dlcourse.training import paddy_learner; paddy_learner(small, epochs=0, bs=4)',
    'multi_target.paddy_multi_dls': 'from dlcourse.multi_target import paddy_multi_dls; paddy_multi_dls(small, bs=4)',
    'vision.paddy_vision_learner': 'from dlcourse.vision import paddy_vision_learner; '
                                   "paddy_vision_learner(small, arch='resnet18', size=16, bs=4, pretrained=False)",
}

@pytest.mark.costly(cpu_s=12)  # measured: the set-up ~3 CPU s once, then fastai's first import in each of three
def test_first_use_of_fastai_moves_nothing(tmp_path):
    """The issue's example: paddy_learner set pandas options and KMP_* variables on first use. Each helper's first use
    is fastai's first import in its process: three processes, forked from one that imported torch and the data
    helpers"""
    setup = SETUP + f'CALLS = {list(FIRST_USE.items())!r}\n'
    res = run_together(setup, CALL, len(FIRST_USE), tmp_path, fresh_env(DLCOURSE_CACHE=tmp_path/'cache',
                                                                          PADDY=tmp_path/'paddy'))
    for (code, out), helper in zip(res, FIRST_USE):
        assert code == 0, f'{helper}:\n{out[-3000:]}'
        assert out.strip().splitlines()[-1] == f'{helper} []', f'{helper} changed global state: {out[-500:]}'

# Helpers that draw from torch's global RNG on purpose: they build a model (or initial coefficients), and a learner
# seeds them with torch.manual_seed, as they seed nn.Linear. The README says so.
CONSTRUCTORS = {'training.simple_cnn', 'transfer.simple_cnn', 'sgd.init_linear', 'sgd.init_hidden', 'sgd.init_deep',
                'device.create_timm_model', 'model_zoo.zoo_model', 'device.seed_everything',
                'lr_finder.train_eval'}  # the lesson's trainer: compare_runs seeds each of its runs

# tools/fuzz.py --state, less its FIRST_USE calls: those three fresh processes (fastai's import, ~9 CPU s each) are
# the helpers test_first_use_of_fastai_moves_nothing above calls in fresh processes of its own, with its own snapshot.
FUZZ_STATE = '''
import importlib.util, shutil, sys
spec = importlib.util.spec_from_file_location('fuzz', sys.argv[1]); fuzz = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fuzz)
assert set(fuzz.FIRST_USE) == set(sys.argv[3].split()), sorted(fuzz.FIRST_USE)  # the ones the test covers
fuzz.FIRST_USE.clear()
try: fuzz.main(['--state', '--json', sys.argv[2]])
finally: shutil.rmtree(fuzz.TMP, ignore_errors=True)
'''

@pytest.mark.costly(cpu_s=10)
def test_every_helper_leaves_global_state_alone(tmp_path):
    "tools/fuzz.py --state: each cheaply callable helper's base call, with snapshots before and after it"
    out = tmp_path/'state.json'
    r = subprocess.run([sys.executable, '-c', FUZZ_STATE, str(ROOT/'tools'/'fuzz.py'), str(out), ' '.join(FIRST_USE)],
                       capture_output=True, text=True, env=fresh_env(), cwd=tmp_path, timeout=1500)
    assert out.exists(), r.stdout[-2000:] + r.stderr[-2000:]
    res = json.loads(out.read_text())
    assert len(res['called']) > 100, f"only {len(res['called'])} helpers called"
    assert not res['no_base_call'], f"neither a base call in tools/fuzz.py nor a reason in its SKIP: {res['no_base_call']}"
    moved = {h: d for h, d in res['changes'].items() if d and h not in CONSTRUCTORS}
    assert not moved, textwrap.indent(json.dumps(moved, indent=1), '  ')
    assert {'training.simple_cnn', 'sgd.init_linear', 'device.create_timm_model', 'lr_finder.train_eval'} <= set(
        res['called'])  # the exceptions were called and looked at
