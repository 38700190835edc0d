#!/usr/bin/env python3
"""Print the path of the fastest CPython on this machine of the same version as the one running this script.

    python3 tools/pick_python.py    # tools/setup-env.sh creates .venv with what it prints (unless $PYTHON is set)

Builds of one Python version differ in speed. On this project's CI machine, Debian's python3.11 (linked statically,
built with Debian's optimisation flags) ran a pure-Python benchmark in three quarters of the time of pyenv's build of
3.11 (by default without profile-guided or link-time optimisation, as a shared library), and the whole test suite 9%
faster (CONTRIBUTING.md, "Keep the budget"). The candidates: every `python3` and `python3.X` on the PATH, and in
/usr/bin and /usr/local/bin, that is CPython of this interpreter's major.minor version (so the packages are the same)
and can create a virtual environment (`venv` and `ensurepip` import). Each runs a short pure-Python benchmark, the
best of five; the fastest wins if it is at least 5% faster than this interpreter. What was measured goes to stderr.
Standard library only.
"""
import os, shutil, subprocess, sys

BENCH = '''
import sys, time
class P:
    __slots__ = ('x', 'y')
    def __init__(self, x, y): self.x, self.y = x, y
    def add(self, o): return P(self.x + o.x, self.y + o.y)
def fib(n): return n if n < 2 else fib(n - 1) + fib(n - 2)
def work(n):  # calls, attributes, recursion, a comprehension, strings: what an interpreter's build speeds up or not
    t, p = time.perf_counter(), P(0, 0)
    for i in range(n): p = p.add(P(i, -i))
    fib(20)
    d = {f'k{i}': i for i in range(n // 4)}
    sum(v for k, v in d.items() if k.endswith('7'))
    return time.perf_counter() - t
print(min(work(int(sys.argv[1])) for _ in range(5)))
'''
PROBE = ('import os, sys, venv, ensurepip; print(os.path.realpath(sys.executable)); '
         'print(sys.implementation.name + "-%d.%d" % sys.version_info[:2])')

def candidates(want:str) -> list:
    "Paths of python3 and python3.X executables on the PATH and in the usual system folders"
    names = ['python3', f'python{want}']
    dirs = os.environ.get('PATH', '').split(os.pathsep) + ['/usr/bin', '/usr/local/bin']
    found = []
    for d in dirs:
        for n in names:
            p = shutil.which(n, path=d) if d else None
            if p and p not in found: found.append(p)
    return found

def probe(exe:str, want:str) -> str | None:
    "The real path of `exe`'s interpreter if it is CPython `want` and can make a venv; else None"
    try: r = subprocess.run([exe, '-I', '-c', PROBE], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired): return None
    lines = r.stdout.split()
    return lines[0] if r.returncode == 0 and len(lines) == 2 and lines[1] == f'cpython-{want}' else None

def speed(exe:str, n:int=100_000) -> float:
    "Seconds for the benchmark of `n` steps (best of five); infinity if it fails"
    try: r = subprocess.run([exe, '-I', '-c', BENCH, str(n)], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired): return float('inf')
    try: return float(r.stdout) if r.returncode == 0 else float('inf')
    except ValueError: return float('inf')

def pick(me:str, # this interpreter's real path: kept unless another is `margin` faster
         want:str, # its version, 'major.minor'
         exes:list, # the other candidates' paths
         margin:float=0.05) -> str:
    "The fastest interpreter of version `want` among `me` and `exes` that can make a venv"
    times = {me: speed(me)}
    for c in exes:
        real = probe(c, want)
        if real and real not in times: times[real] = speed(real)
    for exe, s in times.items(): print(f'  {exe}: {s:.3f} s', file=sys.stderr)
    best = min(times, key=times.get)
    return best if times[best] < times[me]*(1 - margin) else me

if __name__ == '__main__':
    want = '%d.%d' % sys.version_info[:2]
    print(pick(os.path.realpath(sys.executable), want, candidates(want)))
