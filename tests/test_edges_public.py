"""Issue 19, class 1: nothing is made public. `dlcourse app` and `dlcourse.app.serve` never open a share link, even
with `GRADIO_SHARE=True` or on Kaggle (`KAGGLE_KERNEL_RUN_TYPE`), which switch Gradio's sharing on by default; they
listen on 127.0.0.1 unless `--host` (`host=`) says otherwise, and then they print a warning. Run with the network
guard on: no outbound connection is attempted (the conftest fixture fails any test that tries one)."""
import contextlib, io, subprocess, sys, time
from pathlib import Path
import pytest
from conftest import fresh_env, free_port, wait_for_page

HOSTILE_ENV = dict(GRADIO_SHARE='True', KAGGLE_KERNEL_RUN_TYPE='Interactive', GRADIO_ANALYTICS_ENABLED='False')

@pytest.fixture(scope='module')
def small_model(tmp_path_factory):
    "A small untrained classifier, exported: what is served does not matter here, only how"
    from dlcourse.app import build_model, export_model
    return export_model(build_model('simple_cnn', 3), tmp_path_factory.mktemp('m')/'model', 'simple_cnn',
                        ['a', 'b', 'c'], size=32)

def _listening_addresses(port: int) -> set:
    "The local addresses a TCP socket listens on at `port` (from /proc/net/tcp and tcp6)"
    res = set()
    for f in ('/proc/net/tcp', '/proc/net/tcp6'):
        if not Path(f).exists(): continue
        for line in Path(f).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, p = local.split(':')
            if state == '0A' and int(p, 16) == port: res.add(addr)  # 0A: LISTEN
    return res

@pytest.mark.costly(cpu_s=6)  # measured 4.3-5.8 (and 2 s of waiting)
def test_dlcourse_app_never_shares(small_model, tmp_path):
    "`dlcourse app` with the variables that switch sharing on: it serves on 127.0.0.1 only and never reaches out"
    port, log = free_port(), tmp_path/'net.log'
    env = fresh_env(**HOSTILE_ENV, GRADIO_TEMP_DIR=tmp_path, DLCOURSE_NETGUARD_LOG=log, OMP_NUM_THREADS=1)
    exe = Path(sys.executable).parent/'dlcourse'
    p = subprocess.Popen([str(exe), 'app', '--model', str(small_model), '--port', str(port)], cwd=tmp_path, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_page(p, f'http://127.0.0.1:{port}/')
        time.sleep(2)  # a share tunnel would be attempted by now
        if Path('/proc/net/tcp').exists(): assert _listening_addresses(port) == {'0100007F'}  # 127.0.0.1 only
    finally:
        p.terminate()
        try: out = p.communicate(timeout=20)[0]
        except subprocess.TimeoutExpired: p.kill(); out = p.communicate()[0]
    assert not (log.exists() and log.read_text().strip()), f'network access attempted:\n{log.read_text()}\n{out}'
    assert 'gradio.live' not in out and 'public' not in out.lower(), out

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
