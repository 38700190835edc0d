"""Shared pytest set-up: the network guard (in every test, and in every Python process a test starts)."""
import os, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
GUARD = Path(__file__).resolve().parent/'netguard'
sys.path.insert(0, str(GUARD))
import sitecustomize as netguard  # noqa: E402  (the guard module; installing it is idempotent)
netguard.install()

def fresh_env(**extra) -> dict:
    "Environment for a child process: offline, network-guarded, importing this tree's dlcourse"
    env = dict(os.environ, HF_HUB_OFFLINE='1', PYTHONPATH=os.pathsep.join([str(GUARD), str(ROOT)]))
    env.update({k: str(v) for k, v in extra.items()})
    return env

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
