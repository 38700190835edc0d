"""Network guard: any Python process started with this folder on PYTHONPATH (its `sitecustomize` imports this module)
refuses network connections to anything but this machine (loopback, Unix sockets), and logs every attempt to
$DLCOURSE_NETGUARD_LOG. Code that wants the guard in its own process: `import netguard` with this folder on sys.path
(not `import sitecustomize`: that name may already be the interpreter's own, as on Debian).

Used by `tests/` (pytest and the fresh processes it starts) and by `.ci/run` around `nbdev-test`, so the suite
proves it needs no network: a hidden download fails loudly instead of silently working on a connected machine.

It also spares every such process one import that costs time and does nothing here (see the end of this file).
"""
import os, sys, socket, ipaddress

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

# Not network, but loaded by the same processes: jsonschema, which nbformat imports (and so nbconvert, `dlcourse run`,
# `dlcourse docs`, the lessons that call them), imports the optional `rfc3987_syntax` for its "iri" format check, and
# that module builds an Earley parser when imported: about 2.5 s of CPU in each of a dozen processes of the suite. No
# schema used here has an "iri" format (nbformat validates without format checks). Marked missing, the module is
# skipped by jsonschema exactly as where it is not installed.
sys.modules.setdefault('rfc3987_syntax', None)
