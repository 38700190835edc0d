"""Headless Chromium for the tests, with the network cut: find it, dump a page's DOM after its scripts ran, take a
screenshot."""
import os, re, shutil, subprocess, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMG = ROOT/'docs'/'img'

def find_chromium() -> str | None:
    "The Chromium (or Chrome) executable on this machine, or None"
    names = [os.environ.get('CHROMIUM', ''), 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']
    return next((shutil.which(n) for n in names if n and shutil.which(n)), None)

CHROMIUM = find_chromium()
NO_CHROMIUM = 'no Chromium found (Debian: apt-get install chromium; .ci/run installs it)'

def _args(budget_ms: int) -> list:
    # No DNS at all: every host name fails to resolve, so nothing can come from the network. 127.0.0.1 is an address,
    # not a name, but Chromium's rules apply to it too unless excluded (the app under test listens there).
    return [CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
            '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1', '--disable-background-networking',
            '--disable-component-update', '--disable-sync', '--metrics-recording-only', '--hide-scrollbars',
            f'--virtual-time-budget={budget_ms}']

def _run(args: list, timeout: float) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as prof:
        return subprocess.run(args + [f'--user-data-dir={prof}'], capture_output=True, text=True, timeout=timeout)

def dump_dom(url: str, budget_ms: int = 8000, timeout: float = 60) -> str:
    "The page's DOM after its scripts ran (up to `budget_ms` of virtual time)"
    return dump_dom_and_errors(url, budget_ms, timeout)[0]

# What Chromium logs when a page's script throws (`--enable-logging=stderr`): the console line of the exception
_UNCAUGHT = re.compile(r':CONSOLE[:(]\d*\)?\] "(Uncaught[^"]*)"(?:, source: (\S*))?')

def dump_dom_and_errors(url: str, budget_ms: int = 8000, timeout: float = 60) -> tuple[str, list]:
    "The page's DOM after its scripts ran, and the JavaScript exceptions its scripts left uncaught"
    r = _run(_args(budget_ms) + ['--enable-logging=stderr', '--v=0', '--dump-dom', url], timeout)
    if r.returncode != 0 or not r.stdout.strip(): raise RuntimeError(f'chromium failed on {url}: {r.stderr[-2000:]}')
    return r.stdout, [' at '.join(filter(None, m.groups())) for m in _UNCAUGHT.finditer(r.stderr)]

def screenshot(url: str, dest: Path, size=(1280, 900), budget_ms: int = 8000, timeout: float = 60) -> Path:
    "A PNG of the page at `url` in a `size` window"
    dest = Path(dest)
    r = _run(_args(budget_ms) + [f'--window-size={size[0]},{size[1]}', f'--screenshot={dest}', url], timeout)
    if r.returncode != 0 or not dest.exists():
        raise RuntimeError(f'chromium screenshot failed on {url}: {r.stderr[-2000:]}')
    return dest

def check_png(p: Path, min_colours: int = 50):
    "Fail unless `p` is a PNG with some content (not a blank or one-colour page)"
    from PIL import Image
    im = Image.open(p).convert('RGB')
    n = len(im.resize((320, 225)).getcolors(maxcolors=1 << 16) or range(1 << 16))
    assert n >= min_colours, f'{p}: the screenshot looks blank ({n} colours)'

def keep_screenshot(p: Path, name: str):
    "Copy screenshot `p` to docs/img/`name` when DLCOURSE_SCREENSHOTS=1 (the README shows those)"
    if os.environ.get('DLCOURSE_SCREENSHOTS') == '1':
        IMG.mkdir(parents=True, exist_ok=True)
        shutil.copy(p, IMG/name)

_TAG = re.compile(r'<(script|link|img|iframe|source|video|audio)\b[^>]*?\s(?:src|href)="([^"]*)"', re.I)

def fetched_urls(dom: str) -> list:
    "URLs the page's script, link, img, iframe and media tags load"
    return [m.group(2) for m in _TAG.finditer(dom)]

class DevTools:
    """One headless Chromium driven through the DevTools protocol over a pipe (`--remote-debugging-pipe`: no port, no
    websocket library), with the network cut as in `_args`. Open pages one after another in one tab; each `open`
    returns the URLs the page requested, the messages of the exceptions its scripts left uncaught, and its console
    errors (a file that failed to load). `background()` puts the tab behind a blank one (see there)."""
    def __init__(self, size=(1280, 900), timeout: float = 60):
        self.timeout, self.size, self.n, self.events = timeout, size, 0, []
        self.prof = tempfile.TemporaryDirectory()
        r3, self.w = os.pipe()  # Chromium reads its commands on fd 3 and writes its answers on fd 4
        self.r, w4 = os.pipe()
        def fds():  # in the child: copies first (r3 may be fd 3 itself, and pipes are not inherited), then 3 and 4
            a, b = os.dup(r3), os.dup(w4)
            os.dup2(a, 3); os.dup2(b, 4)
        args = [a for a in _args(0) if not a.startswith('--virtual-time-budget')]
        # a tab in the background keeps its timers and its priority (see `background`)
        args += ['--disable-background-timer-throttling', '--disable-renderer-backgrounding',
                 '--disable-backgrounding-occluded-windows']
        self.proc = subprocess.Popen(args + [f'--user-data-dir={self.prof.name}', '--remote-debugging-pipe',
                                             'about:blank'], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, preexec_fn=fds, close_fds=False)
        os.close(r3); os.close(w4)
        self.buf = b''
        self.tid, self.front = self.send('Target.createTarget', url='about:blank')['targetId'], None
        self.sid = self.send('Target.attachToTarget', targetId=self.tid, flatten=True)['sessionId']
        for m in ('Page.enable', 'Runtime.enable', 'Network.enable', 'Log.enable'): self.send(m, session=True)
        self.resize(*size)

    def _read(self) -> dict:
        import json, select
        while b'\0' not in self.buf:
            if not select.select([self.r], [], [], self.timeout)[0]: raise TimeoutError('Chromium did not answer')
            chunk = os.read(self.r, 1 << 20)
            if not chunk: raise RuntimeError('Chromium closed the pipe')
            self.buf += chunk
        msg, _, self.buf = self.buf.partition(b'\0')
        return json.loads(msg)

    def send(self, method: str, session: bool = False, **params):
        "Send a command (to the page when `session`), keep the events that come before its answer, return its result"
        import json
        self.n += 1
        msg = dict(id=self.n, method=method, params=params, **(dict(sessionId=self.sid) if session else {}))
        os.write(self.w, json.dumps(msg).encode() + b'\0')
        while True:
            m = self._read()
            if m.get('id') == self.n:
                if 'error' in m: raise RuntimeError(f'{method}: {m["error"]}')
                return m.get('result', {})
            self.events.append(m)

    def wait_event(self, method: str) -> dict:
        "The first event named `method` received since the last `open` (waiting for it if need be)"
        while True:
            for e in self.events:
                if e.get('method') == method: return e
            self.events.append(self._read())

    def background(self, hidden: bool = True):
        """Put the tab behind a blank one (`hidden`), or back in front. Hidden, its pages are still laid out, their
        scripts (and MathJax) run with their timers unthrottled, and every question about their layout is answered;
        only painting stops, about a third of Chromium's work on a page. A screenshot needs the tab in front."""
        if hidden and self.front is None: self.front = self.send('Target.createTarget', url='about:blank')['targetId']
        self.send('Target.activateTarget', targetId=self.front if hidden else self.tid)

    def resize(self, width: int, height: int):
        self.size = (width, height)
        self.send('Emulation.setDeviceMetricsOverride', session=True, width=width, height=height,
                  deviceScaleFactor=1, mobile=False)

    def eval(self, js: str):
        "The value of JavaScript expression `js` in the page (promises awaited), JSON-serialised back"
        r = self.send('Runtime.evaluate', session=True, expression=js, awaitPromise=True, returnByValue=True)
        if 'exceptionDetails' in r: raise RuntimeError(f'{js[:80]}: {r["exceptionDetails"]}')
        return r['result'].get('value')

    def open(self, url: str) -> dict:
        "Load `url` and wait for its load event: {'requests': [urls], 'exceptions': [...], 'errors': [console]}"
        self.events = []
        self.send('Page.navigate', session=True, url=url)
        self.wait_event('Page.loadEventFired')
        return self.report()

    def report(self) -> dict:
        "What happened since the last `open`: requested URLs, uncaught exceptions, console and log errors"
        ev = lambda name: [e['params'] for e in self.events if e.get('method') == name]
        exc = [e['exceptionDetails'] for e in ev('Runtime.exceptionThrown')]
        return dict(requests=[e['request']['url'] for e in ev('Network.requestWillBeSent')],
                    exceptions=[(e.get('exception', {}).get('description') or e.get('text', '')) for e in exc],
                    errors=[e['entry']['text'] + ' ' + e['entry'].get('url', '') for e in ev('Log.entryAdded')
                            if e['entry']['level'] == 'error']
                           + [e['errorText'] + (f" (blocked: {e['blockedReason']})" if e.get('blockedReason') else '')
                              for e in ev('Network.loadingFailed')])

    def screenshot(self, dest: Path) -> Path:
        import base64
        Path(dest).write_bytes(base64.b64decode(self.send('Page.captureScreenshot', session=True)['data']))
        return Path(dest)

    def close(self):
        try: self.send('Browser.close')
        except Exception: pass
        try: self.proc.wait(10)
        except subprocess.TimeoutExpired: self.proc.kill(); self.proc.wait()
        os.close(self.r); os.close(self.w)
        self.prof.cleanup()

    def __enter__(self): return self
    def __exit__(self, *a): self.close()
