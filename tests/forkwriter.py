"""Writers to kill, without paying their imports at every kill: one child process runs a set-up once (imports, models
to write), then forks a writer process on request. Each writer is a process of its own, started from the set-up's
state, that writes until it is killed (SIGKILL, by the test) or ends. The set-up costs once; each kill then costs only
the writing itself (a fresh `import torch` alone is ~2.5 CPU s)."""
import os, signal, subprocess, sys, textwrap

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
