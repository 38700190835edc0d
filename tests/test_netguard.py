"""The network guard: network calls fail under it, loopback works, child processes are guarded too, and
dlcourse's offline behaviour holds under it (no hub, pretrained weights refused within seconds)."""
import importlib, socket, subprocess, sys, time
from pathlib import Path
import pytest
from conftest import fresh_env, netguard

def test_blocks_remote_connect(monkeypatch, tmp_path):
    log = tmp_path/'own.log'
    monkeypatch.setenv('DLCOURSE_NETGUARD_LOG', str(log))  # a log of our own: this test attempts on purpose
    with pytest.raises(netguard.NetworkBlocked): socket.create_connection(('huggingface.co', 443), timeout=1)
    with pytest.raises(netguard.NetworkBlocked): socket.create_connection(('93.184.216.34', 80), timeout=1)
    assert 'huggingface.co' in log.read_text()

def test_allows_loopback():
    srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)
    c = socket.create_connection(srv.getsockname(), timeout=2)
    c.close(); srv.close()

def test_child_processes_are_guarded(tmp_path):
    "Notebook workers and torchrun children are separate processes: the guard must reach them through PYTHONPATH"
    r = subprocess.run([sys.executable, '-c', 'import socket; socket.getaddrinfo("pypi.org", 443)'],
                       capture_output=True, text=True, env=fresh_env(DLCOURSE_NETGUARD_LOG=tmp_path/'c.log'))
    assert r.returncode != 0 and 'NetworkBlocked' in r.stderr

def test_dlcourse_device_fails_fast_offline():
    for m in ('timm', 'huggingface_hub'): importlib.import_module(m)  # first: the clock times the refusal, not imports
    from dlcourse.device import create_timm_model, hub_reachable, PretrainedUnavailable
    assert hub_reachable() is False
    t0 = time.time()
    with pytest.raises(PretrainedUnavailable, match='pretrained=False'): create_timm_model('resnet18', pretrained=True)
    assert time.time() - t0 < 10, f'took {time.time() - t0:.1f}s: expected a quick refusal, not timm retrying'

def test_tests_are_guarded_when_the_interpreter_has_its_own_sitecustomize(tmp_path):
    """Debian's python3 imports a `sitecustomize` of its own at start-up; pytest run without tools/env.sh (so without
    the guard's folder on PYTHONPATH) must still be guarded: conftest loads the guard by its own name, `netguard`"""
    (tmp_path/'sitecustomize.py').write_text('SHADOW = True\n')  # the interpreter's own, imported first
    code = ('import sys, socket, sitecustomize; assert sitecustomize.SHADOW; sys.path.insert(0, sys.argv[1]); '
            'import conftest; socket.create_connection(("93.184.216.34", 80), timeout=1)')
    env = fresh_env(DLCOURSE_NETGUARD_LOG=tmp_path/'own.log', PYTHONPATH=tmp_path)  # a log of its own: on purpose
    r = subprocess.run([sys.executable, '-c', code, str(Path(__file__).parent)], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode != 0 and 'NetworkBlocked' in r.stderr, r.stderr[-2000:]
