"""Issue 19, class 2: nothing is lost. A writer killed at any moment (SIGKILL, in its own process) leaves the old
version or the new one, never half of one; two writers at once end with one complete, consistent copy; no write
follows a symbolic link out of its target folder. Covers `export_model`/`load_model`, `write_kaggle` (`dlcourse data
--to`), the docs site's output folder, and the shared primitives of `dlcourse.files`."""
import functools, importlib.util, json, os, random, signal, subprocess, sys, textwrap, threading, time
from pathlib import Path
import pytest
from conftest import ROOT, fresh_env
from forkwriter import ForkWriter

# The writers are processes forked from one that did the imports (and built what they write) once: `ForkWriter`.
# Each is killed in its own process, as a fresh one would be; only the import cost is not paid again at every kill.
def _kill_at_random(setup, body, tmp_path, check, n_kills=6, max_delay=0.6, seed=0, **env):
    "Fork the looping writer `body` (after `setup`), SIGKILL it at random moments, `check()` what it left each time"
    rng = random.Random(seed)
    with ForkWriter(setup, body, tmp_path, fresh_env(**env)) as fw:
        for _ in range(n_kills):
            pid = fw.start()
            time.sleep(rng.uniform(0, max_delay))
            fw.kill(pid)
            check()

# --- exported models ------------------------------------------------------------------------------------------
# Two models that cannot be confused: 3 classes and wide layers, or 5 classes and narrow ones. A writer exports
# them in turn to the same folder, forever; the state dicts are big enough (a few MB) that a kill often lands in a write.
def _tool(name: str):
    "tools/<name>.py as a module (the tools folder is not a package)"
    spec = importlib.util.spec_from_file_location(name, ROOT/'tools'/f'{name}.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod

MODELS = _tool('fuzz_edges').MODELS  # the same two models the fuzzer's export probes use: one definition of them

EXPORT_SETUP = MODELS + '''
import os
both = [model(0), model(1)]
'''
EXPORT_LOOP = '''
ms = [both[int(os.environ['ONLY'])]] if 'ONLY' in os.environ else both  # ONLY=i: export model i alone
print('ready', flush=True)
i = 0
while True:
    m, classes, w = ms[i % len(ms)]
    export_model(m, 'out/model', 'simple_cnn', classes, size=32, arch_kwargs=w)
    i += 1
'''

@functools.cache
def _model(i: int):
    "Model `i` as the writers build it (built once here)"
    ns = {}; exec(MODELS, ns)
    return ns['model'](i)

def _check_model(dest: Path):
    "The folder holds model 0 or model 1, whole: its classes and its weights agree"
    if not dest.exists(): return  # killed before the first export finished: nothing was there before either
    import torch
    from dlcourse.app import load_model
    clf = load_model(dest)  # a half-written model.pt or a json of the other model raises here
    i = int(clf.classes[0][1])
    m, classes, _ = _model(i)
    assert clf.classes == classes
    sd = clf.model.state_dict()
    assert all(torch.equal(v, sd[k]) for k, v in m.state_dict().items()), 'weights of one model, classes of the other'

@pytest.mark.costly(cpu_s=5)
def test_export_model_killed_leaves_old_or_new(tmp_path):
    (tmp_path/'out').mkdir()
    # an export takes 4-12 ms here: a kill within 0.3 s lands at a random moment of one of some 20-40 exports
    _kill_at_random(EXPORT_SETUP, EXPORT_LOOP, tmp_path, lambda: _check_model(tmp_path/'out'/'model'), n_kills=6,
                    max_delay=0.3)
    assert (tmp_path/'out'/'model').exists()

@pytest.mark.costly(cpu_s=3)  # measured 2.4-3.0 (5 s of wall)
def test_concurrent_exports_and_reads_stay_consistent(tmp_path):
    "Two writers export different models to one folder while this process loads it: every load is one whole model"
    (tmp_path/'out').mkdir()
    with ForkWriter(EXPORT_SETUP, EXPORT_LOOP, tmp_path, fresh_env()) as fw:
        pids = [fw.start(ONLY=i) for i in (0, 1)]
        t0, n = time.time(), 0
        while n < 50 and time.time() - t0 < 20:  # 50 loads: a few seconds (6 s of writing cost 18 CPU s)
            try: _check_model(tmp_path/'out'/'model'); n += 1
            except FileNotFoundError:
                if (tmp_path/'out'/'model').exists(): raise
        for pid in pids: fw.kill(pid)
    print(f'{n} loads in {time.time() - t0:.1f}s')
    assert n > 5
    _check_model(tmp_path/'out'/'model')

def test_export_model_refuses_a_folder_of_other_files(tmp_path):
    "The export replaces its folder whole: so a folder holding the learner's own files is refused, and kept"
    import torch
    from dlcourse.app import build_model, export_model
    (tmp_path/'space').mkdir(); (tmp_path/'space'/'app.py').write_text('my app')
    m = build_model('simple_cnn', 2)
    with pytest.raises(FileExistsError, match='app.py'):
        export_model(m, tmp_path/'space', 'simple_cnn', ['a', 'b'], size=32)
    assert (tmp_path/'space'/'app.py').read_text() == 'my app'

def test_export_model_into_a_link_does_not_write_outside(tmp_path):
    "dest a link to another folder: the link is replaced by the model folder; the folder it led to is untouched"
    from dlcourse.app import build_model, export_model, load_model
    (tmp_path/'elsewhere').mkdir(); (tmp_path/'elsewhere'/'model.pt').write_bytes(b'my own file')
    (tmp_path/'model').symlink_to(tmp_path/'elsewhere', target_is_directory=True)
    export_model(build_model('simple_cnn', 2), tmp_path/'model', 'simple_cnn', ['a', 'b'], size=32)
    assert (tmp_path/'elsewhere'/'model.pt').read_bytes() == b'my own file'
    assert load_model(tmp_path/'model').classes == ['a', 'b']

# --- dlcourse data --to -----------------------------------------------------------------------------------------
def test_data_to_force_does_not_follow_links_out(tmp_path):
    "`--to D --force` where D/train.csv and D/test.csv link elsewhere: the outside files are left as they were"
    d, outside = tmp_path/'titanic', tmp_path/'mine'
    d.mkdir(); outside.mkdir()
    for f in ('train.csv', 'test.csv'):
        (outside/f).write_text('my own work'); (d/f).symlink_to(outside/f)
    exe = Path(sys.executable).parent/'dlcourse'
    r = subprocess.run([str(exe), 'data', 'titanic', '--to', str(d), '--force'], capture_output=True, text=True,
                       timeout=300, env=fresh_env(DLCOURSE_DATA=''), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert [(outside/f).read_text() for f in ('train.csv', 'test.csv')] == ['my own work']*2
    assert not (d/'train.csv').is_symlink() and (d/'train.csv').read_text().startswith('PassengerId')

def test_write_kaggle_paddy_does_not_follow_a_linked_image_folder(tmp_path, cache_dir):
    from dlcourse.cli import write_kaggle
    d, outside = tmp_path/'paddy', tmp_path/'my_images'
    (outside/'blast').mkdir(parents=True); (outside/'blast'/'100001.jpg').write_bytes(b'my photo')
    d.mkdir(); (d/'train_images').symlink_to(outside, target_is_directory=True)
    write_kaggle('paddy', to=d, force=True, paddy_kwargs=dict(n_per_class=2, size=16, n_test=2))
    assert (outside/'blast'/'100001.jpg').read_bytes() == b'my photo'
    assert sorted(p.name for p in outside.rglob('*')) == ['100001.jpg', 'blast']
    assert not (d/'train_images').is_symlink() and len(list((d/'train_images').rglob('*.jpg'))) == 20

PADDY_SMALL = dict(n_per_class=3, size=16, n_test=4)

def _tree(p: Path) -> dict:
    return {str(f.relative_to(p)): f.read_bytes() for f in sorted(p.rglob('*')) if f.is_file()}

DATA_SETUP = '''
from dlcourse.cli import write_kaggle
for seed in SEEDS:  # the datasets, generated once into the cache
    write_kaggle('paddy', to=f'warm{seed}', force=True, paddy_kwargs=dict(n_per_class=3, size=16, n_test=4, seed=seed))
'''
DATA_LOOP = '''
import os
kw = dict(n_per_class=3, size=16, n_test=4, seed=int(os.environ.get('SEED', '0')))
print('ready', flush=True)
while True: write_kaggle('paddy', to='D', force=True, paddy_kwargs=kw)
'''

@pytest.mark.costly(cpu_s=5)
def test_data_to_killed_leaves_complete_files(tmp_path, cache_dir):
    "Killed while writing (first time, or with --force over a copy): every file there is whole, none is missing"
    from dlcourse.data import paddy
    src = _tree(Path(paddy(**PADDY_SMALL)))
    src = {k: v for k, v in src.items() if k != 'dataset.json' and not k.startswith('mislabelled')}
    def check():
        from dlcourse.files import clean_leftovers
        d = tmp_path/'D'
        for name in ['D', *(f'D/{k}' for k in {k.split('/')[0] for k in src})]:
            clean_leftovers(tmp_path/name)  # what the next writer does first: a dead writer's temporary copies go
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith('.')] == []
        if not d.exists(): return
        assert [p.name for p in d.iterdir() if p.name.startswith('.')] == []
        got = _tree(d)
        assert got == {k: v for k, v in src.items() if k in got}, 'a half-written file'
        names = {k.split('/')[0] for k in got}
        for top in names:  # each of our files and folders is there whole
            assert {k for k in src if k.split('/')[0] == top} == {k for k in got if k.split('/')[0] == top}, top
    # a write takes ~17 ms here: a kill within 0.3 s lands at a random moment of one of some 15 writes
    _kill_at_random('SEEDS = [0]' + DATA_SETUP, DATA_LOOP, tmp_path, check, n_kills=6, max_delay=0.3,
                    DLCOURSE_CACHE=cache_dir, DLCOURSE_DATA='')

DATA_ONCE = '''
import os, time
from pathlib import Path
kw = dict(n_per_class=3, size=16, n_test=4, seed=int(os.environ['SEED']))
print('ready', flush=True)
while not Path('go').exists(): time.sleep(0.01)
write_kaggle('paddy', to='D', force=True, paddy_kwargs=kw)
'''

@pytest.mark.costly(cpu_s=5)
def test_data_to_concurrent_writers_end_with_one_copy(tmp_path, cache_dir):
    "Two writers of different data (seeds 0 and 1) start together into one folder: it ends as one of the two, whole"
    from dlcourse.data import paddy
    srcs = []
    for s in (0, 1):
        t = _tree(Path(paddy(**PADDY_SMALL, seed=s)))
        srcs.append({k: v for k, v in t.items() if k != 'dataset.json' and not k.startswith('mislabelled')})
    assert srcs[0] != srcs[1]
    env = fresh_env(DLCOURSE_CACHE=cache_dir, DLCOURSE_DATA='')
    with ForkWriter('SEEDS = [0, 1]' + DATA_SETUP, DATA_ONCE, tmp_path, env) as fw:
        for new_folder in (True, False, False):  # into a new folder, then (--force) over a copy that is there
            if new_folder: import shutil; shutil.rmtree(tmp_path/'D', ignore_errors=True)
            (tmp_path/'go').unlink(missing_ok=True)
            pids = [fw.start(SEED=s) for s in (0, 1)]
            (tmp_path/'go').touch()
            assert [fw.wait(pid) for pid in pids] == [0, 0], 'a writer failed: see its stderr'
            got = _tree(tmp_path/'D')
            assert got in srcs, 'files of both writers mixed'

# --- the docs site ----------------------------------------------------------------------------------------------
def _notebooks(folder: Path, version: str, n=4) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    meta = dict(kernelspec=dict(name='python3', display_name='Python 3', language='python'))
    for i in range(n):
        cells = [dict(cell_type='markdown', metadata={}, source=f'# Page {i}\n\n> {version}'),
                 dict(cell_type='code', metadata={}, source='1 + 1', execution_count=None, outputs=[])]
        name = 'index.ipynb' if i == 0 else f'{i:02d}_page.ipynb'
        (folder/name).write_text(json.dumps(dict(cells=cells, metadata=meta, nbformat=4, nbformat_minor=5)))
    return folder

def _site_versions(dest: Path) -> set:
    return {v for p in dest.glob('*.html') for v in ('VERSION-A', 'VERSION-B') if v in p.read_text()}

@pytest.mark.costly(cpu_s=15)
def test_site_build_that_fails_leaves_the_old_site(tmp_path, monkeypatch):
    "A build that stops halfway (an error writing the third page) leaves the whole old site, not half of each"
    from dlcourse import site
    a, b = _notebooks(tmp_path/'a'/'nbs', 'VERSION-A'), _notebooks(tmp_path/'b'/'nbs', 'VERSION-B')
    dest = tmp_path/'_docs'
    site.build_site(a, dest, mathjax=False)
    before = _tree(dest)
    assert _site_versions(dest) == {'VERSION-A'}
    orig, calls = Path.write_text, []
    def failing(self, *args, **kw):  # the third page written: as if the build were killed there
        if self.suffix == '.html': calls.append(self)
        if len(calls) == 3: raise RuntimeError('killed here')
        return orig(self, *args, **kw)
    monkeypatch.setattr(Path, 'write_text', failing)
    with pytest.raises(RuntimeError, match='killed here'): site.build_site(b, dest, mathjax=False)
    monkeypatch.setattr(Path, 'write_text', orig)
    assert len(calls) == 3 and _tree(dest) == before
    site.build_site(b, dest, mathjax=False)
    assert _site_versions(dest) == {'VERSION-B'}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith('.')] == []  # no temporary folder left

SITE_SETUP = '''
from dlcourse.site import build_site
build_site('b/nbs', '_docs', mathjax=False)  # the first build imports nbconvert: the kills come after it
'''
SITE_LOOP = '''
print('ready', flush=True)
i = 0
while True: build_site('ab'[i % 2] + '/nbs', '_docs', mathjax=False); i += 1
'''

@pytest.mark.costly(cpu_s=5)
def test_site_build_killed_leaves_one_version(tmp_path):
    """`dlcourse docs` killed at random moments while it rebuilds the site: every page of one version, none missing.
    A rebuild of these 8 pages takes ~0.05 CPU s once the set-up has built them once: a kill within 0.6 s lands
    after about a dozen rebuilds, at a random moment of one"""
    _notebooks(tmp_path/'a'/'nbs', 'VERSION-A', n=8); _notebooks(tmp_path/'b'/'nbs', 'VERSION-B', n=8)
    def check():
        from dlcourse import files
        if hasattr(files, 'clean_leftovers'): files.clean_leftovers(tmp_path/'_docs')  # what the next build does
        if not (tmp_path/'_docs').exists(): return
        assert len(_site_versions(tmp_path/'_docs')) == 1, 'pages of two versions'
        assert sorted(p.name for p in (tmp_path/'_docs').glob('*.html')) == \
            sorted([f'{i:02d}_page.html' for i in range(1, 8)] + ['api.html', 'index.html'])
    _kill_at_random(SITE_SETUP, SITE_LOOP, tmp_path, check, n_kills=6, max_delay=0.6)

def test_site_refuses_a_folder_of_other_files(tmp_path):
    "The site replaces its output folder whole: a folder that is not a site (e.g. the project itself) is refused"
    from dlcourse import site
    (tmp_path/'work').mkdir(); (tmp_path/'work'/'notes.txt').write_text('mine')
    with pytest.raises(FileExistsError, match='notes.txt'):
        site.build_site(_notebooks(tmp_path/'nbs', 'VERSION-A', n=1), tmp_path/'work', mathjax=False)
    assert (tmp_path/'work'/'notes.txt').read_text() == 'mine'

# --- the shared primitives --------------------------------------------------------------------------------------
SWAP_LOOP = '''
print('ready', flush=True)
i = 0
while True:
    with atomic_dir('D') as tmp:
        for j in range(50): (tmp/f'{j:02d}.txt').write_text(f'{i}' * 2000)
    i += 1
'''

@pytest.mark.costly(cpu_s=2)
def test_atomic_dir_killed_leaves_one_version(tmp_path):
    def check():
        from dlcourse.files import clean_leftovers
        clean_leftovers(tmp_path/'D')  # what the next writer does first
        d = tmp_path/'D'
        if not d.exists(): return
        texts = {f.read_text() for f in d.iterdir()}
        assert len(list(d.iterdir())) == 50 and len(texts) == 1 and len(next(iter(texts))) >= 2000, texts
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith('.D.')] == []
    _kill_at_random('from dlcourse.files import atomic_dir', SWAP_LOOP, tmp_path, check, n_kills=5, max_delay=0.5)

def test_two_step_swap_fallback(tmp_path, monkeypatch):
    "Where the system has no one-step exchange, the swap still ends whole, and a kill between its renames is undone"
    from dlcourse import files
    monkeypatch.setattr(files, '_renameat2', lambda: None)
    for v in ('1', '2'):
        with files.atomic_dir(tmp_path/'D') as t: (t/'a.txt').write_text(v)
    assert (tmp_path/'D'/'a.txt').read_text() == '2'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['D']

def test_inside_refuses_escapes(tmp_path):
    from dlcourse.files import inside, write_atomic
    (tmp_path/'out').mkdir(); (tmp_path/'in').mkdir()
    (tmp_path/'in'/'sub').symlink_to(tmp_path/'out', target_is_directory=True)
    for bad in ('../x', 'sub/x', str(tmp_path/'out'/'x')):
        with pytest.raises(ValueError, match='leaves the folder'): write_atomic(inside(tmp_path/'in', bad), b'x')
    assert list((tmp_path/'out').iterdir()) == []

def test_kaggle_paddy_replaces_a_set_in_one_step(tmp_path, monkeypatch):
    "kaggle_paddy over a set of other settings: a death between its steps (here: at any os.rename) leaves a whole set"
    import contextlib
    from dlcourse.data import kaggle_paddy
    dest, kw = tmp_path/'kp', dict(scale=0.0005, draw_size=8, progress=False)
    kaggle_paddy(dest, seed=0, **kw)
    def killed(*a, **k): raise KeyboardInterrupt('killed between two steps')
    monkeypatch.setattr(os, 'rename', killed)
    with contextlib.suppress(KeyboardInterrupt): kaggle_paddy(dest, seed=1, **kw)
    monkeypatch.undo()
    meta = json.loads((dest/'dataset.json').read_text())  # the old set or the new one: either way, whole
    assert meta['files'] and all((dest/f).stat().st_size == n for f, n in meta['files'].items())
    assert [p.name for p in tmp_path.iterdir()] == ['kp']  # no temporary copy left behind
    assert kaggle_paddy(dest, seed=1, **kw) == dest and json.loads((dest/'dataset.json').read_text())['seed'] == 1
