"""synth_paddy never loses a file: what a notebook can't check about itself (other processes, killed runs, umasks).

Small settings throughout (2 images per class, 32 pixels): each dataset takes a fraction of a second."""
import os, sys, json, time, stat, errno, signal, hashlib, subprocess
from pathlib import Path
import pytest
from conftest import ROOT, fresh_env
from dlcourse import synth
from dlcourse.synth import synth_paddy

SMALL = dict(n_per_class=2, size=32, n_test=2)

def digest(folder: Path) -> dict:
    "Every file under `folder` (hidden ones too) with its sha256: compares a folder before and after"
    return {f.relative_to(folder).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in sorted(folder.rglob('*')) if f.is_file()}

def intact(folder: Path) -> bool:
    "Whether every file dataset.json records is there with its recorded size and sha256"
    rec = json.loads((folder/'dataset.json').read_text())['files']
    return all((folder/r).stat().st_size == n and hashlib.sha256((folder/r).read_bytes()).hexdigest() == h
               for r, (n, h) in rec.items())

def hidden(parent: Path) -> list[str]: return sorted(p.name for p in parent.iterdir() if p.name.startswith('.'))

# --- folders that aren't ours are never touched ---------------------------------------------------------------------

def test_foreign_folder_is_untouched(tmp_path):
    dest = tmp_path/'photos'; (dest/'sub').mkdir(parents=True)
    (dest/'holiday.jpg').write_bytes(b'\xff\xd8 not really'); (dest/'sub'/'notes.txt').write_text('mine')
    before = digest(dest)
    with pytest.raises(FileExistsError, match='not overwriting') as e: synth_paddy(dest, **SMALL)
    assert str(dest) in str(e.value) and 'no dataset.json' in str(e.value)
    assert digest(dest) == before and hidden(tmp_path) == []

@pytest.mark.parametrize('content, why', [
    (b'{"generator": "dlcourse.synth', "doesn't parse"),                    # cut short
    (b'\xff\xfe{\x00}\x00', "doesn't parse"),                                # not UTF-8
    (b'{"generator": "someone.else", "version": 1}', 'not written by'),      # another program's
    (b'["dlcourse.synth_paddy"]', 'not written by'),                         # JSON, but not our record
])
def test_dataset_json_not_ours_is_untouched(tmp_path, content, why):
    dest = tmp_path/'data'; (dest/'train_images').mkdir(parents=True)
    (dest/'dataset.json').write_bytes(content); (dest/'train_images'/'x.jpg').write_bytes(b'x')
    (dest/'a.csv').write_text('a\n1\n')
    before = digest(dest)
    with pytest.raises(FileExistsError, match=why) as e: synth_paddy(dest, **SMALL)
    assert str(dest) in str(e.value)
    assert digest(dest) == before

def test_dest_that_is_a_file(tmp_path):
    f = tmp_path/'paddy'; f.write_text('keep')
    with pytest.raises(NotADirectoryError, match="dest=.*expected a folder, but it is a file"): synth_paddy(f, **SMALL)
    assert f.read_text() == 'keep'

def test_cache_that_is_a_file(tmp_path, monkeypatch):
    (tmp_path/'cache').write_text('x')
    monkeypatch.setenv('DLCOURSE_CACHE', str(tmp_path/'cache'))
    with pytest.raises(NotADirectoryError, match='DLCOURSE_CACHE='): synth_paddy(**SMALL)

def test_own_folder_with_your_files_is_not_rebuilt(tmp_path):
    dest = synth_paddy(tmp_path/'p', **SMALL)
    (dest/'my_notes.txt').write_text('keep me')
    assert synth_paddy(dest, **SMALL) == dest and (dest/'my_notes.txt').exists()  # intact: reused, notes kept
    next((dest/'test_images').iterdir()).unlink()  # damaged, and holding a file of yours: left alone
    before = digest(dest)
    with pytest.raises(FileExistsError, match='my_notes.txt'): synth_paddy(dest, **SMALL)
    with pytest.raises(FileExistsError, match='my_notes.txt'): synth_paddy(dest, n_per_class=1, size=16, n_test=0)
    assert digest(dest) == before

# --- damaged or older datasets of ours are rebuilt -------------------------------------------------------------------

def _delete_image(d): next((d/'train_images').rglob('*.jpg')).unlink()
def _truncate_image(d): f = next((d/'test_images').iterdir()); f.write_bytes(f.read_bytes()[:50])
def _flip_a_bit(d):
    f = next((d/'train_images').rglob('*.jpg')); b = bytearray(f.read_bytes()); b[-3] ^= 1; f.write_bytes(b)
def _delete_csv(d): (d/'train.csv').unlink()
def _empty_folder(d): import shutil; shutil.rmtree(d/'train_images'); (d/'train_images').mkdir()

@pytest.mark.parametrize('damage', [_delete_image, _truncate_image, _flip_a_bit, _delete_csv, _empty_folder])
def test_damaged_dataset_is_rebuilt(tmp_path, damage):
    dest = synth_paddy(tmp_path/'p', **SMALL)
    good = digest(dest)
    damage(dest)
    assert digest(dest) != good
    assert synth_paddy(dest, **SMALL) == dest
    assert digest(dest) == good and hidden(tmp_path) == []

def test_older_dataset_json_is_upgraded(tmp_path):
    "A dataset written before dataset.json recorded its files: ours by its layout, so it is rebuilt with a record"
    dest = synth_paddy(tmp_path/'p', **SMALL)
    good = digest(dest)
    meta = json.loads((dest/'dataset.json').read_text())
    old = {k: v for k, v in meta.items() if k != 'files'}
    (dest/'dataset.json').write_text(json.dumps(old, sort_keys=True))
    assert synth_paddy(dest, **SMALL) == dest and digest(dest) == good
    (dest/'dataset.json').write_text(json.dumps(old, sort_keys=True)); (dest/'mine.txt').write_text('x')
    with pytest.raises(FileExistsError, match='mine.txt'): synth_paddy(dest, **SMALL)  # not our layout: left alone

def test_other_settings_replace_the_whole_folder(tmp_path):
    dest = synth_paddy(tmp_path/'p', **SMALL)
    synth_paddy(dest, n_per_class=1, size=16, n_test=0)
    assert json.loads((dest/'dataset.json').read_text())['n_per_class'] == 1 and intact(dest)
    assert not (dest/'test_images').exists() or not any((dest/'test_images').iterdir())
    assert hidden(tmp_path) == []

# --- two writers at once ---------------------------------------------------------------------------------------------

WRITER = """
import sys, os, time, json, hashlib
from pathlib import Path
from dlcourse.data import synth_paddy
go, dests = Path(sys.argv[1]), sys.argv[2:]
while not go.exists(): time.sleep(0.005)
for d in dests:
    p = synth_paddy(d, n_per_class=2, size=32, n_test=2)
    rec = json.loads((p/'dataset.json').read_text())['files']  # read everything the dataset says it holds
    assert all(hashlib.sha256((p/r).read_bytes()).hexdigest() == h for r, (n, h) in rec.items()), d
    print(p, (p/'dataset.json').stat().st_ino, flush=True)  # the copy this call handed back
"""

def test_two_processes_build_one_complete_copy(tmp_path):
    go, dests = tmp_path/'go', [str(tmp_path/'out'/f'p{i}') for i in range(6)]
    procs = [subprocess.Popen([sys.executable, '-c', WRITER, str(go), *dests], env=fresh_env(), cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    time.sleep(0.5); go.touch()  # both start (nearly) together, after their imports
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert out.split()[::2] == dests  # every call returned the dataset's folder, and its files all read back
    for d in dests: assert intact(Path(d))
    final = [str((Path(d)/'dataset.json').stat().st_ino) for d in dests]
    assert [out.split()[1::2] for out, _ in outs] == [final, final]  # both got the copy that stayed: none was replaced
    assert sorted(os.listdir(tmp_path/'out')) == [f'p{i}' for i in range(6)]  # one copy each, no temporary folder left

def test_a_finished_copy_is_never_replaced(tmp_path):
    "The run that finishes second keeps the first run's copy (someone may be reading it) and deletes its own"
    dest = synth_paddy(tmp_path/'p', **SMALL)
    inodes = (dest.stat().st_ino, (dest/'train.csv').stat().st_ino)
    synth._build(dest, synth._settings(2, 32, 2, 0, 0.0), progress=False)  # as if it had started before `dest` existed
    assert (dest.stat().st_ino, (dest/'train.csv').stat().st_ino) == inodes
    assert hidden(tmp_path) == []

# --- runs that die --------------------------------------------------------------------------------

def test_killed_run_leftovers_are_cleaned(tmp_path):
    code = "import sys; from dlcourse.synth import synth_paddy; synth_paddy(sys.argv[1], n_per_class=30, n_test=0)"
    dest = tmp_path/'p'
    proc = subprocess.Popen([sys.executable, '-c', code, str(dest)], env=fresh_env(), cwd=ROOT)
    deadline = time.time() + 60
    while time.time() < deadline:  # wait until it is writing images, then kill it
        tmp = list(tmp_path.glob('.p.tmp-*'))
        if tmp and any(tmp[0].rglob('*.jpg')): break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL); proc.wait()
    assert len(tmp) == 1 and tmp[0].exists() and not dest.exists()
    synth_paddy(dest, **SMALL)
    assert tmp[0].exists()  # too young to tell from a slow run
    os.utime(tmp[0], (time.time()-600,)*2)
    synth_paddy(dest, **SMALL)
    assert not tmp[0].exists() and hidden(tmp_path) == []

LOCKER = ("import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDONLY); fcntl.flock(fd, fcntl.LOCK_EX); "
          "print('locked', flush=True); time.sleep(60)")

@pytest.mark.skipif(synth.fcntl is None, reason='needs fcntl file locks')
def test_a_live_run_keeps_its_temporary_folder(tmp_path):
    live = tmp_path/'.p.tmp-0123abcd'; live.mkdir(); (live/'a.jpg').write_bytes(b'x')
    proc = subprocess.Popen([sys.executable, '-c', LOCKER, str(live)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == 'locked'
        os.utime(live, (time.time()-3600,)*2)
        assert synth._clean_stale(tmp_path/'p') == [] and live.exists()  # old, but its writer holds the lock
    finally: proc.kill(); proc.wait()
    assert synth._clean_stale(tmp_path/'p') == [live] and not live.exists()

class _NoLocks:
    "Stands for `fcntl` on a file system whose locks fail, as some network ones do"
    LOCK_EX, LOCK_NB = 2, 4
    @staticmethod
    def flock(fd, op): raise OSError(errno.ENOLCK, 'No locks available')

@pytest.mark.parametrize('locks', [None, _NoLocks], ids=['no fcntl', 'flock fails'])
def test_without_file_locks(tmp_path, monkeypatch, locks):
    "Without locks a dataset is still written and reused; leftovers go only once a day old (no lock to ask)"
    monkeypatch.setattr(synth, 'fcntl', locks)
    dest = synth_paddy(tmp_path/'p', **SMALL)
    assert intact(dest) and synth_paddy(dest, **SMALL) == dest
    old, recent = tmp_path/'.p.tmp-0123abcd', tmp_path/'.p.tmp-4567abcd'
    for d, age in [(old, 2*86400), (recent, 600)]: d.mkdir(); os.utime(d, (time.time()-age,)*2)
    assert synth._clean_stale(dest) == [old] and recent.exists()

def test_only_our_temporary_folders_are_cleaned(tmp_path):
    names = ['.p.tmp-0123abcd', '.p.old-0123abcd', '.p.tmp-mine', '.q.tmp-0123abcd', 'p.tmp-0123abcd',
             '.p.tmp-0123abcd.bak']
    for n in names: (tmp_path/n).mkdir(); os.utime(tmp_path/n, (time.time()-3600,)*2)
    gone = synth._clean_stale(tmp_path/'p')
    assert sorted(p.name for p in gone) == ['.p.old-0123abcd', '.p.tmp-0123abcd']
    assert sorted(os.listdir(tmp_path)) == sorted(names[2:])

# --- permissions, progress, imports ----------------------------------------------------------------------

@pytest.mark.parametrize('umask', [0o022, 0o027])
def test_permissions_follow_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try: dest = synth_paddy(tmp_path/'p', **SMALL)
    finally: os.umask(old)
    dirs = [dest, *(p for p in dest.rglob('*') if p.is_dir())]
    files = [p for p in dest.rglob('*') if p.is_file()]
    assert {stat.S_IMODE(p.stat().st_mode) for p in dirs} == {0o777 & ~umask}
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o666 & ~umask}

def test_progress_bar_only_for_big_sets(tmp_path, monkeypatch):
    import fastprogress.fastprogress as fp
    calls = []
    monkeypatch.setattr(fp, 'progress_bar', lambda items: calls.append(len(items)) or items)
    synth_paddy(tmp_path/'a', n_per_class=1, size=16, n_test=0)
    assert calls == []  # 10 small images: done in well under a second, no bar
    monkeypatch.setattr(synth, '_BAR_MIN', 5)
    synth_paddy(tmp_path/'b', n_per_class=1, size=64, n_test=0, progress=False)
    assert calls == []
    synth_paddy(tmp_path/'c', n_per_class=1, size=64, n_test=0)
    assert calls == [10]

def test_imports_stay_light_and_names_stay_importable():
    code = ("import sys, dlcourse.data, dlcourse.synth as s; "
            "from dlcourse.data import synth_paddy, draw_leaf, DISEASES, VARIETIES, DataPath; "
            "assert synth_paddy is s.synth_paddy and draw_leaf is s.draw_leaf; "
            "bad = [m for m in ('torch', 'fastprogress', 'fastai') if m in sys.modules]; assert not bad, bad")
    r = subprocess.run([sys.executable, '-c', code], env=fresh_env(), cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
