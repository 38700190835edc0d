"""Shared pytest set-up: the network guard (in every test, and in every Python process a test starts), and helpers
for the servers tests start."""
import os, socket, sys, time, urllib.request
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
GUARD = Path(__file__).resolve().parent/'netguard'
sys.path.insert(0, str(GUARD))
import netguard  # noqa: E402  (the guard module; installing it is idempotent)
netguard.install()

def fresh_env(**extra) -> dict:
    "Environment for a child process: offline, network-guarded, importing this tree's dlcourse"
    env = dict(os.environ, HF_HUB_OFFLINE='1', PYTHONPATH=os.pathsep.join([str(GUARD), str(ROOT)]))
    env.update({k: str(v) for k, v in extra.items()})
    return env

# Issue 19 class 1: the variables that switch Gradio's sharing on (GRADIO_SHARE, and Kaggle's KAGGLE_KERNEL_RUN_TYPE)
HOSTILE_ENV = dict(GRADIO_SHARE='True', KAGGLE_KERNEL_RUN_TYPE='Interactive', GRADIO_ANALYTICS_ENABLED='False')

def listening_addresses(port: int) -> set:
    "The local addresses a TCP socket listens on at `port` (/proc/net/tcp and tcp6; hex, as the kernel writes)"
    res = set()
    for f in ('/proc/net/tcp', '/proc/net/tcp6'):
        if not Path(f).exists(): continue
        for line in Path(f).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, p = local.split(':')
            if state == '0A' and int(p, 16) == port: res.add(addr)  # 0A: LISTEN
    return res

def free_port() -> int:
    "A TCP port on 127.0.0.1 that nothing listens on now (for a server a test starts)"
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]

def wait_for_page(p, url: str, timeout: float = 120):
    "Return once `url` answers (HTTP 200); fail if the server process `p` (stdout piped) ends first, or after `timeout` s"
    t0 = time.time()
    while True:
        if p.poll() is not None: pytest.fail(f'the server exited early:\n{p.stdout.read()[-3000:]}')
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200: return
        except OSError: pass
        if time.time() - t0 > timeout: pytest.fail(f'{url} did not answer within {timeout} s')
        time.sleep(0.1)

def pytest_configure(config):
    config.addinivalue_line('markers', 'costly(cpu_s): a slow test and its rough cost in CPU seconds; started first')

def pytest_collection_modifyitems(items):
    """The `costly` tests first, costliest first: with pytest-xdist handing out tests one at a time (tools/test.sh:
    `-n 2 --maxschedchunk 1`), the two workers then end together, instead of one idling while the other runs a slow
    test that happened to come last (the site test, 40 s, used to)"""
    def cost(item):
        m = item.get_closest_marker('costly')
        return -m.kwargs.get('cpu_s', 1) if m else 0
    items.sort(key=cost)  # stable: the rest keep pytest's order

@pytest.fixture(autouse=True)
def _no_network(tmp_path, monkeypatch):
    "Fail any test that attempts a non-local network connection, even if the code swallowed the error"
    log = tmp_path/'netguard.log'
    monkeypatch.setenv('DLCOURSE_NETGUARD_LOG', str(log))
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    yield
    if log.exists() and log.read_text().strip():
        pytest.fail(f'network access attempted during the test:\n{log.read_text()}')

@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    "A private dataset cache for one test, and the embedded data (not the real Kaggle files)"
    d = tmp_path/'cache'
    monkeypatch.setenv('DLCOURSE_CACHE', str(d))
    monkeypatch.setenv('DLCOURSE_DATA', '')
    return d
