"""`dlcourse app`: the classifier served by Gradio on 127.0.0.1, asked through `gradio_client` as another program would,
with bad uploads (not an image, empty, huge), and shown in headless Chromium with the network cut.

The one app server the suite starts runs with the variables that switch Gradio's sharing on (issue 19 class 1:
`GRADIO_SHARE=True`, Kaggle's `KAGGLE_KERNEL_RUN_TYPE`) and the network guard's log: while it serves, it listens on
127.0.0.1 only, attempts no outbound connection and prints no share link."""
import stat, subprocess, sys
from pathlib import Path
import pytest
from conftest import HOSTILE_ENV, ROOT, fresh_env, free_port, listening_addresses, wait_for_page
import browser

@pytest.fixture(scope='module')
def model_dir(tmp_path_factory):
    "The lesson's model (cached: the notebook's run under `make test` has usually trained it already)"
    from dlcourse.app import lesson_model
    return lesson_model()

class AppServer:
    "`dlcourse app --model M --port P` in its own process, started with `HOSTILE_ENV` and a network-guard log"
    def __init__(self, model_dir, tmp):
        self.port, self.log, self.tmp = free_port(), tmp/'net.log', tmp
        env = fresh_env(**HOSTILE_ENV, TMPDIR=tmp, DLCOURSE_NETGUARD_LOG=self.log, OMP_NUM_THREADS=1)
        self.p = subprocess.Popen([str(Path(sys.executable).parent/'dlcourse'), 'app', '--model', str(model_dir),
                                   '--port', str(self.port)], cwd=tmp, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        self.url, self.out = f'http://127.0.0.1:{self.port}/', None

    def stop(self) -> str:
        "Stop it (its port freed); what it printed"
        if self.out is None:
            self.p.terminate()
            try: self.out = self.p.communicate(timeout=20)[0]
            except subprocess.TimeoutExpired: self.p.kill(); self.out = self.p.communicate()[0]
        return self.out

@pytest.fixture(scope='module')
def server(model_dir, tmp_path_factory):
    "The app server, answering; stopped at the end"
    s = AppServer(model_dir, tmp_path_factory.mktemp('gradio'))
    try:
        wait_for_page(s.p, s.url)
        yield s
    finally: s.stop()

def _examples(n=3):
    from dlcourse.app import example_images
    return example_images(n=n)

def check_same_top_class(client, model_dir):
    "The app's answer is the model's own, called directly"
    from gradio_client import handle_file
    from dlcourse.app import load_model
    clf = load_model(model_dir)
    for f in _examples():
        res = client.predict(handle_file(f), api_name='/predict')
        assert res['label'] == clf(f)
        ours = clf.probs(f)
        assert len(res['confidences']) == 3
        for c in res['confidences']: assert abs(c['confidence'] - ours[c['label']]) < 1e-4

BAD = ('notes.jpg', 'empty.png', 'huge.png')  # not an image, empty, too large

def check_bad_uploads(client, tmp_path):
    "Not an image, empty, huge: each gets a clear message, no server path, and the server goes on serving"
    from gradio_client import handle_file
    from PIL import Image
    (tmp_path/'notes.jpg').write_text('this is text, not a picture')
    (tmp_path/'empty.png').write_bytes(b'')
    Image.new('1', (9000, 6000)).save(tmp_path/'huge.png')  # 54 megapixels: small on disk, too big to decode
    cases = list(zip(BAD, ['not an image file', 'the file is empty', 'too large']))
    for name, msg in cases:
        with pytest.raises(Exception) as e: client.predict(handle_file(str(tmp_path/name)), api_name='/predict')
        assert msg in str(e.value), (name, str(e.value))
        assert str(tmp_path) not in str(e.value)  # the server's file paths are not shown to the user
    f = _examples(1)[0]
    assert client.predict(handle_file(f), api_name='/predict')['label']  # still serving

def check_page_in_browser(server, tmp_path):
    "The page renders offline, loads nothing from the internet, and its screenshot shows it"
    dom = browser.dump_dom(server, budget_ms=15000)
    assert 'Paddy disease classifier' in dom and 'Classify' in dom
    local = ('data:', 'blob:', './', '/', server)
    assert not [u for u in browser.fetched_urls(dom) if not u.startswith(local)]  # nothing from the internet
    p = browser.screenshot(server, tmp_path/'app.png', size=(1280, 720), budget_ms=15000)
    browser.check_png(p)
    browser.keep_screenshot(p, 'app.png')

def check_never_shares(server):
    "Issue 19 class 1, with sharing switched on by the environment: 127.0.0.1 only, no outbound connection, no link"
    if Path('/proc/net/tcp').exists(): assert listening_addresses(server.port) == {'0100007F'}  # 127.0.0.1 only
    out = server.stop()  # after a share tunnel would long have been attempted (the answers above take seconds)
    log = server.log.read_text() if server.log.exists() else ''
    assert not log.strip(), f'network access attempted:\n{log}\n{out}'
    assert 'gradio.live' not in out and 'public' not in out.lower(), out

def uploads(server) -> dict:
    "The app's own upload folders under its TMPDIR: {folder: (its mode, Gradio's copies of check_bad_uploads' files)}"
    return {d: (stat.S_IMODE(d.stat().st_mode), sorted(p.name for p in d.rglob('*') if p.is_file() and p.name in BAD))
            for d in server.tmp.glob('dlcourse-app-*')}

def check_uploads_deleted(server, seen: dict):
    """While it served, Gradio's copies of the uploads were in one folder of the app's own that only its user can read
    (not /tmp/gradio, shared by all); `kill` stopped the app as Ctrl-C does (exit 0), and the folder went with it"""
    assert list(seen.values()) == [(0o700, sorted(BAD))], seen
    assert server.p.returncode == 0, server.stop()
    assert uploads(server) == {}

# One test on one server, so that pytest-xdist's two workers don't each start an app.
@pytest.mark.costly(cpu_s=10)  # with its server (the module's fixtures): measured 8.6-9.8
def test_app_serves_and_never_shares(server, model_dir, tmp_path):
    from gradio_client import Client
    client = Client(server.url, verbose=False)
    check_same_top_class(client, model_dir)
    check_bad_uploads(client, tmp_path)
    if browser.CHROMIUM is not None: check_page_in_browser(server.url, tmp_path)
    seen = uploads(server)
    check_never_shares(server)  # stops it
    check_uploads_deleted(server, seen)
    if browser.CHROMIUM is None:
        pytest.skip(f'the app answers as the model does, and shares nothing; {browser.NO_CHROMIUM}')

def test_bad_port_is_refused():
    r = subprocess.run([str(Path(sys.executable).parent/'dlcourse'), 'app', '--port', '80'], capture_output=True,
                       text=True, timeout=120, env=fresh_env(), cwd=ROOT)
    assert r.returncode != 0 and 'port=80' in r.stderr and 'Traceback' not in r.stderr
