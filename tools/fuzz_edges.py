#!/usr/bin/env python
"""Data-loss and security probes for issue 19's classes 1 and 2 (nothing made public, nothing lost).

    python tools/fuzz_edges.py [-v]

`cases()` returns a list of (name, category, callable): category is 'data-loss' or 'security'; the callable returns
None when dlcourse behaves and raises AssertionError (saying what went wrong) when it does not. Any other exception is
a crash of the probe itself. `tools/fuzz.py` runs these beside its own cases; run alone, this script prints one line
per case and a count per category. Everything is written under a private temporary folder (also DLCOURSE_CACHE when
run alone); the network guard stays on, in this process and in the writers it starts.

The probes: writers killed with SIGKILL at random moments (an export, a `dlcourse data` write, a folder swap) must
leave the old version or the new one; writers running at once must end with one complete, consistent copy; writes
must never follow a symbolic link out of their folder, nor replace a folder of the learner's own files; the app must
never share itself through Gradio's relay, even when the environment asks it to, and a model file must not run code.
"""
import contextlib, io, json, os, pickle, random, signal, subprocess, sys, tempfile, textwrap, threading, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUARD = ROOT/'tests'/'netguard'
if __name__ == '__main__':  # alone: our own folder, cache and network guard (fuzz.py sets them before importing us)
    from runenv import private_tmp  # (tools/ is on sys.path: this script's own folder)
    _own = private_tmp('dlcourse-fuzz-edges-')  # every probe's folder, and the writers' own, go with it
    os.environ.setdefault('DLCOURSE_CACHE', os.path.join(_own, 'cache'))
    os.environ.update(HF_HUB_OFFLINE='1', OMP_NUM_THREADS='1', GRADIO_ANALYTICS_ENABLED='False')
    os.environ.pop('DLCOURSE_DATA', None)
    sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(GUARD))
    import netguard as _guard  # noqa: E402  (refuses non-local connections)
    _guard.install()

PADDY_SMALL = dict(n_per_class=2, size=16, n_test=2)

def _tmp(name: str) -> Path: return Path(tempfile.mkdtemp(prefix=f'dlcourse-fuzz-edges-{name}-'))

def _env(**extra) -> dict:
    "A child's environment: network-guarded, offline, this tree's dlcourse"
    env = dict(os.environ, HF_HUB_OFFLINE='1', OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([str(GUARD), str(ROOT)]))
    env.update({k: str(v) for k, v in extra.items()})
    return env

def _kill_loop(code: str, cwd: Path, check, n_kills=3, max_delay=1.0, seed=0):
    "Start the looping writer `code` (it prints 'ready'), SIGKILL it at a random moment, `check()`; `n_kills` times"
    rng = random.Random(seed)
    for _ in range(n_kills):
        p = subprocess.Popen([sys.executable, '-c', textwrap.dedent(code)], cwd=cwd, env=_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = p.stdout.readline()
            if line.strip() != 'ready': raise RuntimeError(f'the writer did not start: {p.stderr.read()[-2000:]}')
            time.sleep(rng.uniform(0, max_delay))
        finally:
            p.send_signal(signal.SIGKILL); p.wait()
        check()

def _tree(p: Path) -> dict:
    return {str(f.relative_to(p)): f.read_bytes() for f in sorted(p.rglob('*')) if f.is_file()}

def _no_leftovers(folder: Path, *names):
    "After what the next writer does first (`clean_leftovers`), no temporary copy is left in `folder`"
    try: from dlcourse.files import clean_leftovers
    except ImportError: clean_leftovers = lambda p: None  # an older dlcourse: nothing to clean
    for n in names: clean_leftovers(folder/n)
    left = [p.name for p in folder.iterdir() if p.name.startswith('.')]
    assert not left, f'temporary copies left behind: {left}'

# --- exported models --------------------------------------------------------------------------------------------
MODELS = '''
import torch
from dlcourse.app import build_model, export_model
def model(i):
    torch.manual_seed(i)
    w = dict(widths=(64, 128, 256, 256)) if i == 0 else dict(widths=(16, 32, 64, 128))
    n = 3 if i == 0 else 5
    return build_model('simple_cnn', n, w), [f'm{i}-c{j}' for j in range(n)], w
'''

def _models() -> list:
    ns = {}; exec(MODELS, ns)
    return [ns['model'](i) for i in (0, 1)]

def _check_model(dest: Path, models=None):
    "`dest` holds model 0 or model 1, whole (classes and weights of the same model), or nothing yet"
    if not os.path.lexists(dest): return
    import torch
    from dlcourse.app import load_model
    try: clf = load_model(dest)
    except Exception as e: raise AssertionError(f'the saved model does not load: {type(e).__name__}: {e}') from None
    m, classes, _ = (models or _models())[int(clf.classes[0][1])]
    assert clf.classes == classes, f'classes of neither model: {clf.classes}'
    sd = clf.model.state_dict()
    assert all(torch.equal(v, sd[k]) for k, v in m.state_dict().items()), 'weights of one model, classes of the other'

def export_killed():
    d = _tmp('export-kill')
    code = MODELS + '''
ms = [model(0), model(1)]
print('ready', flush=True)
i = 0
while True:
    m, classes, w = ms[i % 2]; export_model(m, 'model', 'simple_cnn', classes, size=32, arch_kwargs=w); i += 1
'''
    _kill_loop(code, d, lambda: (_check_model(d/'model'), _no_leftovers(d, 'model')), n_kills=3, max_delay=1.5)

def export_concurrent():
    "Two threads export different models to one folder while a third loads it: every load is one whole model"
    d, models = _tmp('export-conc'), _models()  # built here, before the threads: building draws from the RNG
    from dlcourse.app import export_model
    stop, errors = threading.Event(), []
    def writer(i):
        m, classes, w = models[i]
        try:
            while not stop.is_set(): export_model(m, d/'model', 'simple_cnn', classes, size=32, arch_kwargs=w)
        except Exception as e: errors.append(e)
    ts = [threading.Thread(target=writer, args=(i,)) for i in (0, 1)]
    for t in ts: t.start()
    try:
        t0, n = time.time(), 0
        while time.time() - t0 < 3:
            if os.path.lexists(d/'model'): _check_model(d/'model', models); n += 1
    finally:
        stop.set()
        for t in ts: t.join()
    assert not errors, f'a writer failed: {errors[0]!r}'
    _check_model(d/'model', models)
    assert n > 0, 'no load happened'

def export_keeps_other_files():
    "A folder holding the learner's own files is refused, not replaced"
    from dlcourse.app import build_model, export_model
    d = _tmp('export-other')
    (d/'space').mkdir(); (d/'space'/'app.py').write_text('my app')
    try: export_model(build_model('simple_cnn', 2), d/'space', 'simple_cnn', ['a', 'b'], size=32)
    except FileExistsError: pass
    assert (d/'space'/'app.py').read_text() == 'my app', "the learner's file was replaced"

def export_through_link():
    "dest a link to a folder of the learner's: the link is replaced; the folder it led to is untouched"
    from dlcourse.app import build_model, export_model
    d = _tmp('export-link')
    (d/'elsewhere').mkdir(); (d/'elsewhere'/'model.pt').write_bytes(b'my own file')
    (d/'model').symlink_to(d/'elsewhere', target_is_directory=True)
    export_model(build_model('simple_cnn', 2), d/'model', 'simple_cnn', ['a', 'b'], size=32)
    assert (d/'elsewhere'/'model.pt').read_bytes() == b'my own file', 'export_model wrote through a link'

class _Boom:
    "Unpickling this runs code: what a hostile model.pt would do"
    def __reduce__(self): return (os.system, ('touch PWNED',))

def load_runs_no_code():
    from dlcourse.app import build_model, export_model, load_model
    d = _tmp('load-pickle')
    m = export_model(build_model('simple_cnn', 2), d/'m', 'simple_cnn', ['a', 'b'], size=32)
    (m/'model.pt').write_bytes(pickle.dumps({'w': _Boom()}))
    cwd = os.getcwd(); os.chdir(d)
    try:
        try: load_model(m)
        except Exception: pass  # refused: good (a clear message is class 6's business)
    finally: os.chdir(cwd)
    assert not (d/'PWNED').exists(), 'loading a model ran code from its file'

# --- dlcourse data --to -------------------------------------------------------------------------------------------
def data_file_link():
    "`--to D --force` where D/train.csv links to a file of the learner's: that file is left as it was"
    from dlcourse.cli import write_kaggle
    d = _tmp('data-link')
    (d/'titanic').mkdir(); (d/'mine.csv').write_text('my own work')
    (d/'titanic'/'train.csv').symlink_to(d/'mine.csv')
    with _no_real_data(): write_kaggle('titanic', to=d/'titanic', force=True)
    assert (d/'mine.csv').read_text() == 'my own work', 'write_kaggle wrote through a link out of its folder'

def data_folder_link():
    "`--to D --force` where D/train_images links to a folder of the learner's: nothing is written there"
    from dlcourse.cli import write_kaggle
    d = _tmp('data-dirlink')
    (d/'mine'/'blast').mkdir(parents=True); (d/'mine'/'blast'/'100001.jpg').write_bytes(b'my photo')
    (d/'paddy').mkdir(); (d/'paddy'/'train_images').symlink_to(d/'mine', target_is_directory=True)
    with _no_real_data(): write_kaggle('paddy', to=d/'paddy', force=True, paddy_kwargs=PADDY_SMALL)
    assert _tree(d/'mine') == {'blast/100001.jpg': b'my photo'}, 'write_kaggle wrote into a linked folder'

@contextlib.contextmanager
def _no_real_data():
    old = os.environ.pop('DLCOURSE_DATA', None)
    try: yield
    finally:
        if old is not None: os.environ['DLCOURSE_DATA'] = old

def _paddy_src(seed=0) -> dict:
    from dlcourse.data import paddy
    with _no_real_data(): t = _tree(Path(paddy(**PADDY_SMALL, seed=seed)))
    return {k: v for k, v in t.items() if k != 'dataset.json' and not k.startswith('mislabelled')}

def data_killed():
    "`dlcourse data paddy --to D --force` killed at random moments: every file and folder there is whole"
    d, src = _tmp('data-kill'), _paddy_src()
    tops = sorted({k.split('/')[0] for k in src})
    code = f'''
from dlcourse.cli import write_kaggle
write_kaggle('paddy', to='warm', force=True, paddy_kwargs={PADDY_SMALL!r})
print('ready', flush=True)
while True: write_kaggle('paddy', to='D', force=True, paddy_kwargs={PADDY_SMALL!r})
'''
    def check():
        _no_leftovers(d, 'D')
        if not (d/'D').exists(): return
        _no_leftovers(d/'D', *tops)
        got = _tree(d/'D')
        assert got == {k: v for k, v in src.items() if k in got}, 'a half-written file'
        for top in {k.split('/')[0] for k in got}:
            assert {k for k in src if k.startswith(top)} == {k for k in got if k.startswith(top)}, f'{top} is partial'
    _kill_loop(code, d, check, n_kills=3, max_delay=1.0)

def data_concurrent():
    "Two writers of different data into one new folder at once: it ends as one of the two, whole"
    from dlcourse.cli import write_kaggle
    srcs = [_paddy_src(0), _paddy_src(1)]
    d = _tmp('data-conc')
    errors = []
    def writer(s):
        try:
            with _no_real_data(): write_kaggle('paddy', to=d/'D', force=True, paddy_kwargs=dict(PADDY_SMALL, seed=s))
        except Exception as e: errors.append(e)
    ts = [threading.Thread(target=writer, args=(s,)) for s in (0, 1)]
    for t in ts: t.start()
    for t in ts: t.join()
    assert not errors, f'a writer failed: {errors[0]!r}'
    assert _tree(d/'D') in srcs, "files of both writers mixed"

# --- the docs site, and the primitives ----------------------------------------------------------------------------
def _notebooks(folder: Path, version: str, n=3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    meta = dict(kernelspec=dict(name='python3', display_name='Python 3', language='python'))
    for i in range(n):
        cells = [dict(cell_type='markdown', metadata={}, source=f'# Page {i}\n\n> {version}')]
        (folder/('index.ipynb' if i == 0 else f'{i:02d}_p.ipynb')).write_text(
            json.dumps(dict(cells=cells, metadata=meta, nbformat=4, nbformat_minor=5)))
    return folder

def site_failed_build():
    "A build that fails while writing its pages leaves the old site whole"
    from dlcourse import site
    d = _tmp('site')
    site.build_site(_notebooks(d/'a', 'VERSION-A'), d/'_docs', mathjax=False)
    before, orig, calls = _tree(d/'_docs'), Path.write_text, []
    def failing(self, *a, **kw):
        if self.suffix == '.html': calls.append(self)
        if len(calls) == 2: raise RuntimeError('stopped here')
        return orig(self, *a, **kw)
    Path.write_text = failing
    try: site.build_site(_notebooks(d/'b', 'VERSION-B'), d/'_docs', mathjax=False)
    except RuntimeError: pass
    finally: Path.write_text = orig
    assert _tree(d/'_docs') == before, 'a failed build left half a site'

def site_keeps_other_files():
    "The site's output folder is replaced whole: a folder of the learner's own files is refused, not replaced"
    from dlcourse import site
    d = _tmp('site-other')
    (d/'work').mkdir(); (d/'work'/'notes.txt').write_text('mine')
    try: site.build_site(_notebooks(d/'nbs', 'X', n=1), d/'work', mathjax=False)
    except FileExistsError: pass
    assert (d/'work'/'notes.txt').read_text() == 'mine', "the learner's file was replaced"

def swap_killed():
    "`atomic_dir` killed at random moments: the folder is one version, whole"
    d = _tmp('swap')
    code = '''
from dlcourse.files import atomic_dir
print('ready', flush=True)
i = 0
while True:
    with atomic_dir('D') as tmp:
        for j in range(50): (tmp/f'{j:02d}.txt').write_text(f'{i}' * 2000)
    i += 1
'''
    def check():
        _no_leftovers(d, 'D')
        if not (d/'D').exists(): return
        texts = {f.read_text() for f in (d/'D').iterdir()}
        assert len(list((d/'D').iterdir())) == 50 and len(texts) == 1, 'a folder mixing two versions'
    _kill_loop(code, d, check, n_kills=3, max_delay=0.5)

def kaggle_killed():
    "`kaggle_paddy` replacing a set of other settings in `D`, killed at random moments: `D` is one whole set"
    d = _tmp('kaggle-kill')
    code = '''
from dlcourse.data import kaggle_paddy
kw = dict(scale=0.0005, draw_size=8, progress=False)
kaggle_paddy('D', seed=0, **kw)
print('ready', flush=True)
i = 1
while True: kaggle_paddy('D', seed=i % 2, **kw); i += 1
'''
    def check():
        _no_leftovers(d, 'D')
        assert (d/'D'/'dataset.json').is_file(), 'the old set is gone and the new one is not there'
        files = json.loads((d/'D'/'dataset.json').read_text())['files']
        assert all((d/'D'/f).is_file() and (d/'D'/f).stat().st_size == n for f, n in files.items()), 'half a set'
    _kill_loop(code, d, check, n_kills=3, max_delay=1.0)

def write_inside_only():
    "`write_atomic(folder=)` refuses a linked sub-folder and '..'; a linked file is replaced, not followed"
    from dlcourse.files import write_atomic
    d = _tmp('inside')
    (d/'in').mkdir(); (d/'out').mkdir(); (d/'out'/'mine.txt').write_text('mine')
    (d/'in'/'sub').symlink_to(d/'out', target_is_directory=True); (d/'in'/'f.txt').symlink_to(d/'out'/'mine.txt')
    for bad in (d/'in'/'sub'/'mine.txt', d/'in'/'..'/'out'/'mine.txt'):
        try: write_atomic(bad, b'x', folder=d/'in')
        except ValueError: pass
    write_atomic(d/'in'/'f.txt', b'x', folder=d/'in')
    assert (d/'out'/'mine.txt').read_text() == 'mine', 'a write left its folder'

# --- the app ------------------------------------------------------------------------------------------------------
HOSTILE = dict(GRADIO_SHARE='True', KAGGLE_KERNEL_RUN_TYPE='Interactive', GRADIO_ANALYTICS_ENABLED='False')

@contextlib.contextmanager
def _environ(**kw):
    old = {k: os.environ.get(k) for k in kw}
    os.environ.update(kw)
    try: yield
    finally:
        for k, v in old.items():
            if v is None: os.environ.pop(k, None)
            else: os.environ[k] = v

def _free_port() -> int:
    import socket
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def _serve(**kw):
    from dlcourse.app import build_model, export_model, serve
    m = export_model(build_model('simple_cnn', 2), _tmp('app')/'m', 'simple_cnn', ['a', 'b'], size=32)
    out, log = io.StringIO(), _tmp('net')/'net.log'  # the guard logs every outbound attempt here
    with _environ(**HOSTILE, DLCOURSE_NETGUARD_LOG=str(log)), contextlib.redirect_stdout(out), \
         contextlib.redirect_stderr(out):
        app = serve(m, port=_free_port(), block=False, **kw)
        time.sleep(1)
    try:
        net = log.read_text() if log.exists() else ''
        assert not net.strip() and 'share link' not in out.getvalue(), f'the app tried to share itself: {net}'
        return app.share, app.share_url, app.server_name, out.getvalue()
    finally: app.close(verbose=False)

def app_never_shares():
    "With GRADIO_SHARE=True and on Kaggle: no share link, on 127.0.0.1 only"
    share, url, host, _ = _serve()
    assert share is False and url is None, f'the app shared itself: {url}'
    assert host == '127.0.0.1', f'the app listens on {host}'

def app_host_warns():
    "Listening beyond this machine only when asked, and with a warning"
    share, _, host, out = _serve(host='0.0.0.0')
    assert share is False and host == '0.0.0.0'
    assert 'WARNING' in out, 'no warning for an app reachable from other machines'

def cases() -> list:
    "(name, category, probe) for every data-loss and security probe; a probe raises AssertionError on a failure"
    return [('export_model killed at random: old or new model', 'data-loss', export_killed),
            ('export_model by two writers, read meanwhile: one whole model', 'data-loss', export_concurrent),
            ("export_model into a folder of the learner's files: kept", 'data-loss', export_keeps_other_files),
            ('write_kaggle killed at random: every file whole', 'data-loss', data_killed),
            ('write_kaggle by two writers: one whole copy', 'data-loss', data_concurrent),
            ('build_site failing halfway: the old site whole', 'data-loss', site_failed_build),
            ("build_site into a folder of the learner's files: kept", 'data-loss', site_keeps_other_files),
            ('atomic_dir killed at random: one version', 'data-loss', swap_killed),
            ('kaggle_paddy killed at random while replacing a set: one whole set', 'data-loss', kaggle_killed),
            ('export_model into a link: nothing written outside', 'security', export_through_link),
            ('load_model of a pickle that runs code: no code runs', 'security', load_runs_no_code),
            ('write_kaggle --force over a linked file: not followed', 'security', data_file_link),
            ('write_kaggle --force over a linked folder: not followed', 'security', data_folder_link),
            ('write_atomic(folder=): never outside the folder', 'security', write_inside_only),
            ('serve with GRADIO_SHARE/KAGGLE set: never shared', 'security', app_never_shares),
            ('serve(host=0.0.0.0): a warning', 'security', app_host_warns)]

def main(verbose=False) -> dict:
    counts = {}
    for name, cat, probe in cases():
        t0 = time.time()
        try: probe(); res = 'OK'
        except AssertionError as e: res = f'FAIL: {e}'
        except Exception as e: res = f'CRASH: {type(e).__name__}: {e}'
        counts.setdefault(cat, {}).setdefault(res.split(':')[0], 0)
        counts[cat][res.split(':')[0]] += 1
        print(f'{cat:9s}  {res if verbose or res != "OK" else "OK":60.200s}  {name} ({time.time() - t0:.0f}s)', flush=True)
    for cat, c in counts.items(): print(f"{cat}: {c.get('FAIL', 0)} failed, {c.get('CRASH', 0)} crashed, "
                                        f"{c.get('OK', 0)} ok")
    return counts

if __name__ == '__main__':
    main('-v' in sys.argv)
