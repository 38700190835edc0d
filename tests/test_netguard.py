"""The guard itself: network calls fail under it, loopback works, and child processes are guarded too."""
import socket, subprocess, sys
import pytest
from conftest import run_fresh, fresh_env, netguard

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
    r = subprocess.run([sys.executable, '-c', 'import socket; socket.getaddrinfo("pypi.org", 443)'],
                       capture_output=True, text=True, env=fresh_env(DLCOURSE_NETGUARD_LOG=tmp_path/'c.log'))
    assert r.returncode != 0 and 'NetworkBlocked' in r.stderr

def test_dlcourse_device_fails_fast_offline():
    run_fresh("""
        import time
        from dlcourse.device import create_timm_model, PretrainedUnavailable
        t = time.time()
        try: create_timm_model('resnet18', pretrained=True)
        except PretrainedUnavailable as e: assert 'pretrained=False' in str(e)
        else: raise AssertionError('expected PretrainedUnavailable')
        assert time.time() - t < 10, time.time() - t
    """)
