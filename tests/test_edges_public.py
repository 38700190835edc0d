"""Issue 19, class 1: nothing is made public. `dlcourse app` and `dlcourse.app.serve` never open a share link, even
with `GRADIO_SHARE=True` or on Kaggle (`KAGGLE_KERNEL_RUN_TYPE`), which switch Gradio's sharing on by default; they
listen on 127.0.0.1 unless `--host` (`host=`) says otherwise, and then they print a warning. Run with the network
guard on: no outbound connection is attempted (the conftest fixture fails any test that tries one)."""
import contextlib, io
from pathlib import Path
import pytest
from conftest import HOSTILE_ENV, ROOT, free_port

@pytest.fixture(scope='module')
def small_model(tmp_path_factory):
    "A small untrained classifier, exported: what is served does not matter here, only how"
    from dlcourse.app import build_model, export_model
    return export_model(build_model('simple_cnn', 3), tmp_path_factory.mktemp('m')/'model', 'simple_cnn',
                        ['a', 'b', 'c'], size=32)

# `dlcourse app` itself, started with HOSTILE_ENV and the network guard's log, is checked by
# tests/test_app.py::test_app_serves_and_never_shares on the one app server the suite starts: it listens on 127.0.0.1
# only, attempts no outbound connection, and prints no share link, while it serves.

def test_serve_never_shares(small_model, monkeypatch):
    "The library call too: `share` is off whatever the environment says"
    for k, v in HOSTILE_ENV.items(): monkeypatch.setenv(k, v)
    from dlcourse.app import serve
    app = serve(small_model, port=free_port(), block=False)
    try:
        assert app.share is False and app.server_name == '127.0.0.1'
        assert app.share_url is None
    finally: app.close(verbose=False)

def test_host_is_a_choice_with_a_warning(small_model, monkeypatch):
    "`host=` (`--host`) listens elsewhere only when asked, and says what that means"
    for k, v in HOSTILE_ENV.items(): monkeypatch.setenv(k, v)
    from dlcourse.app import serve
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        app = serve(small_model, port=free_port(), block=False, host='0.0.0.0')
    try: assert app.server_name == '0.0.0.0' and app.share is False
    finally: app.close(verbose=False)
    assert 'WARNING' in out.getvalue() and '0.0.0.0' in out.getvalue() and 'other machines' in out.getvalue()

def test_cli_has_a_host_option():
    from dlcourse.cli import _parser
    a = _parser().parse_args(['app'])
    assert a.host == '127.0.0.1'
    assert _parser().parse_args(['app', '--host', '0.0.0.0']).host == '0.0.0.0'

def test_nothing_under_a_fixed_name_in_the_shared_temporary_folder(tmp_path, monkeypatch):
    """/tmp is shared by every user of a machine: a folder of a fixed name there (`/tmp/dlcourse-models`) is whoever
    made it first's, and the next user's lr_find or exercise check fails on it, or writes where that user points it.
    The helpers keep such folders in your cache (`cache_root()`); the temporary folder only through tempfile's private
    names. Checked on the code (no `gettempdir()`, no literal '/tmp') and on the two helpers that had such a folder."""
    import re
    from dlcourse.files import cache_root
    hits = [f'{p.name}:{i}' for p in sorted((ROOT/'dlcourse').glob('*.py'))
            for i, l in enumerate(p.read_text().splitlines(), 1) if re.search(r"gettempdir\(|['\"]/tmp\b", l)]
    assert not hits, hits
    monkeypatch.setenv('DLCOURSE_CACHE', str(tmp_path/'cache'))
    from dlcourse.exercises_vision import _upload_files
    assert all(Path(f).parent == cache_root()/'exercise-uploads' for f in _upload_files().values())
