"""Network guard: any Python process started with this folder on PYTHONPATH refuses network connections
to anything but this machine (loopback, Unix sockets), and logs every attempt to $DLCOURSE_NETGUARD_LOG.

Used by `tests/` (pytest and the fresh processes it starts) and by `.ci/run` around `nbdev-test`, so the suite
proves it needs no network: a hidden download fails loudly instead of silently working on a connected machine.
"""
import os, socket, ipaddress

class NetworkBlocked(RuntimeError):
    "A network connection was attempted under the dlcourse network guard"

def _local(host):
    if host in ('localhost', '', None): return True
    try: return ipaddress.ip_address(str(host).split('%')[0]).is_loopback
    except ValueError: return False

def _block(what):
    log = os.environ.get('DLCOURSE_NETGUARD_LOG')
    if log:
        with open(log, 'a') as f: f.write(f'{os.getpid()} {what}\n')
    raise NetworkBlocked(f'network access blocked by the dlcourse test guard: {what}')

_connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]): _block(f'connect {address!r}')
    return _connect(self, address)

def _guarded_connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]): _block(f'connect_ex {address!r}')
    return _connect_ex(self, address)

def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _local(host if not isinstance(host, bytes) else host.decode()): _block(f'getaddrinfo {host!r}')
    return _getaddrinfo(host, *args, **kwargs)

def install():
    socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = _guarded_connect, _guarded_connect_ex, _guarded_getaddrinfo

if os.environ.get('DLCOURSE_NETGUARD', '1') != '0': install()
