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
