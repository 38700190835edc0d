"""Writers to kill, without paying their imports at every kill: one child process runs a set-up once (imports, models
to write), then forks a writer process on request. Each writer is a process of its own, started from the set-up's
state, that writes until it is killed (SIGKILL, by the test) or ends. The set-up costs once; each kill then costs only
the writing itself (a fresh `import torch` alone is ~2.5 CPU s).

`run_together` does the same for processes that must start at the same moment (two processes asking for one model):
the set-up's imports once, then `n` processes forked from it, released together."""
import os, signal, subprocess, sys, textwrap
from pathlib import Path

SERVER = '''
import os, sys
setup, body = sys.argv[1:3]
sys.argv = sys.argv[:1]
exec(compile(setup, 'setup', 'exec'))  # imports, models: done once, shared by every writer
body = compile(body, 'writer', 'exec')
print('up', flush=True)
for line in sys.stdin:
    cmd, *args = line.split()
    if cmd == 'reap':  # wait for writer `pid` to end (killed, or done)
        print('reaped', args[0], os.waitpid(int(args[0]), 0)[1], flush=True)
        continue
    if os.fork() == 0:  # the writer: its own process; its body says 'ready' once it starts writing
        sys.stdin.close(); os.environ.update(a.split('=', 1) for a in args)  # e.g. "go SEED=1"
        print('started', os.getpid(), flush=True)
        try:
            exec(body, dict(globals()))
            code = 0
        except BaseException:
            import traceback; traceback.print_exc(); code = 1
        sys.stdout.flush(); sys.stderr.flush(); os._exit(code)
'''

class ForkWriter:
    """A process that runs `setup` once, then on each `start()` forks a writer running `body` (it prints 'ready' once
    it writes). `kill(pid)` SIGKILLs a writer and returns once it is dead. Use as a context manager."""
    def __init__(self, setup: str, body: str, cwd, env: dict):
        self.live = set()  # writers not reaped yet: killed at close
        self.p = subprocess.Popen([sys.executable, '-c', SERVER, textwrap.dedent(setup), textwrap.dedent(body)],
                                  cwd=cwd, env=dict(env, OMP_NUM_THREADS='1'), stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._expect('up')

    def _expect(self, word: str) -> list:
        line = self.p.stdout.readline()
        if not line.startswith(word):
            self.close(kill=True)
            raise AssertionError(f'expected {word!r}, got {line!r}: {self.p.stderr.read()[-3000:]}')
        return line.split()[1:]

    def start(self, **env) -> int:
        "Fork a writer (with `env` added to its environment); return its pid once it says 'ready'"
        self.p.stdin.write(' '.join(['go', *(f'{k}={v}' for k, v in env.items())]) + '\n'); self.p.stdin.flush()
        pid = int(self._expect('started')[0])
        self.live.add(pid)
        self._expect('ready')
        return pid

    def wait(self, pid: int) -> int:
        "Wait for writer `pid` to end; its exit code (negative: the signal that ended it)"
        self.p.stdin.write(f'reap {pid}\n'); self.p.stdin.flush()
        got, status = map(int, self._expect('reaped'))
        assert got == pid
        self.live.discard(pid)
        return os.waitstatus_to_exitcode(status)

    def kill(self, pid: int):
        "SIGKILL writer `pid`; return once it is dead"
        os.kill(pid, signal.SIGKILL)
        code = self.wait(pid)
        assert code == -signal.SIGKILL, f'writer {pid} had ended before the kill (exit code {code}): see its stderr'

    def close(self, kill=False):
        for pid in self.live:  # a test that failed half-way leaves no writer looping
            try: os.kill(pid, signal.SIGKILL)
            except ProcessLookupError: pass
        self.live = set()
        if kill: self.p.kill()
        self.p.stdin.close()
        try: self.p.wait(30)
        except subprocess.TimeoutExpired: self.p.kill(); self.p.wait()

    def __enter__(self): return self
    def __exit__(self, *a): self.close()

TOGETHER = '''
import os, sys, traceback
setup, body, out, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
exec(compile(setup, 'setup', 'exec'))  # imports: paid once, shared by the n processes
go_r, go_w = os.pipe()
pids = []
for i in range(n):
    sys.stdout.flush(); sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # one of the n processes: its output to a file of its own; it waits for the others to be forked
        os.close(go_w); os.environ['TOGETHER_INDEX'] = str(i)  # which of the n this one is
        fd = os.open(f'{out}{i}', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1); os.dup2(fd, 2)
        os.read(go_r, 1)
        try: exec(compile(body, 'body', 'exec'), dict(globals())); code = 0
        except SystemExit as e: code = e.code if isinstance(e.code, int) else 1
        except BaseException: traceback.print_exc(); code = 1
        sys.stdout.flush(); sys.stderr.flush(); os._exit(code)
    pids.append(pid)
os.write(go_w, b'g' * n)  # all n start at once
print('exits', *(os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) for p in pids), flush=True)
'''

def run_together(setup: str, body: str, n: int, cwd, env: dict, timeout: float = 600) -> list[tuple[int, str]]:
    """Run `body` in `n` processes that start at the same moment, forked from one that ran `setup` (its imports) once:
    [(exit code, output)] per process. Each is a process of its own, as if started apart, less the imports' cost; its
    environment variable TOGETHER_INDEX says which of the `n` it is (0, 1, ...)."""
    out = Path(cwd)/'.together-'
    p = subprocess.Popen([sys.executable, '-c', TOGETHER, textwrap.dedent(setup), textwrap.dedent(body), str(out),
                          str(n)], cwd=cwd, env=dict(env, OMP_NUM_THREADS='1'), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    try: stdout, stderr = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)  # the set-up process and the n it forked: a group of their own
        p.communicate()
        raise AssertionError(f'{n} processes still running after {timeout} s') from None
    exits = stdout.split()[-n - 1:]
    assert exits[:1] == ['exits'], f'the set-up failed (exit code {p.returncode}): {stdout[-2000:]}{stderr[-3000:]}'
    outs = [Path(f'{out}{i}').read_text() for i in range(n)]
    for i in range(n): Path(f'{out}{i}').unlink()
    return list(zip(map(int, exits[1:]), outs))
