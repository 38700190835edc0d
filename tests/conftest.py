"""Shared pytest set-up: the network guard (every test, and every Python process a test starts), and `run_fresh`."""
import os, sys, subprocess, textwrap
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
GUARD = Path(__file__).resolve().parent/'netguard'
sys.path.insert(0, str(GUARD))
import sitecustomize as netguard  # noqa: E402  (the guard module; installing it is idempotent)
netguard.install()

def fresh_env(**extra) -> dict:
    "Environment for a child process: offline, guarded, cache in a temp folder if the caller gives one"
    env = dict(os.environ, HF_HUB_OFFLINE='1', PYTHONPATH=os.pathsep.join([str(GUARD), str(ROOT)]))
    env.update({k: str(v) for k, v in extra.items()})
    return env

def run_fresh(code: str, timeout: float = 300, **env) -> subprocess.CompletedProcess:
    "Run `code` in a fresh Python process (network-guarded); fail the test with its output if it fails"
    r = subprocess.run([sys.executable, '-c', textwrap.dedent(code)], capture_output=True, text=True,
                       timeout=timeout, env=fresh_env(**env), cwd=str(ROOT))
    if r.returncode != 0: pytest.fail(f'fresh process failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-5000:]}')
    return r

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
    "A private dataset cache for one test"
    d = tmp_path/'cache'
    monkeypatch.setenv('DLCOURSE_CACHE', str(d))
    return d
