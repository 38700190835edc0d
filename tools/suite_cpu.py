#!/usr/bin/env python
"""Where the test suite's CPU goes: each notebook under nbdev-test, and each test under pytest, with its children.

    python tools/suite_cpu.py                 # both parts (about as long as `make test`)
    python tools/suite_cpu.py --part nbdev    # only the notebooks; --part pytest: only the tests; --top 30

The suite is CPU-bound on two cores, so its wall time is about its CPU time over two: to make it faster, cut CPU.
`tools/test.sh` prints each phase's CPU and wall time, and nbdev-test each notebook's wall time; this script says
which notebook or test spent the CPU, as `getrusage` counts it: the process itself (user + system) and the children
it waited for (subprocesses, forked exercise checks, torchrun's ranks). It runs the suite's commands in the
environment of tools/env.sh, with a `sitecustomize` put first on PYTHONPATH that also loads the network guard: in
nbdev-test's workers it wraps `nbdev.test.test_nb`; in pytest a plugin wraps each test. Not counted: processes
nobody waits for (Chromium's renderer, ~15-30 CPU s in test_site). Figures taken on a busy machine are inflated.
"""
import argparse, json, os, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

HOOK = '''
import os, sys, time, json, resource, importlib.abc, importlib.util
sys.path.insert(0, {guard!r}); import netguard  # the network guard, as tools/env.sh sets it
def _cpu():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime, c.ru_utime + c.ru_stime
def _record(name, t0, a, b):
    a2, b2 = _cpu()
    with open({log!r}, 'a') as f:
        f.write(json.dumps(dict(name=name, wall=time.time() - t0, self=a2 - a, children=b2 - b)) + '\\n')
def _wrap(mod):
    orig = mod.test_nb
    def test_nb(fn, *args, **kwargs):
        (a, b), t0 = _cpu(), time.time()
        try: return orig(fn, *args, **kwargs)
        finally: _record(os.path.basename(str(fn)), t0, a, b)
    test_nb.__qualname__, test_nb.__module__ = 'test_nb', 'nbdev.test'  # pickled by name for the worker processes
    mod.test_nb = test_nb
class _Finder(importlib.abc.MetaPathFinder):
    "Wraps nbdev.test.test_nb as soon as nbdev.test is imported"
    def find_spec(self, name, path, target=None):
        if name != 'nbdev.test': return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        load = spec.loader.exec_module
        def exec_module(m): load(m); _wrap(m)
        spec.loader.exec_module = exec_module
        return spec
sys.meta_path.insert(0, _Finder())
'''

PLUGIN = '''
import time, pytest
from sitecustomize import _cpu, _record
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    (a, b), t0 = _cpu(), time.time()
    yield
    _record(item.nodeid, t0, a, b)
'''

def suite_env(hook_dir: Path) -> dict:
    "tools/env.sh's environment (tools/runenv.py), with `hook_dir` first on PYTHONPATH"
    from runenv import suite_env  # (tools/ is on sys.path: this script's own folder)
    env = suite_env()
    env['PYTHONPATH'] = os.pathsep.join([str(hook_dir), env.get('PYTHONPATH', '')])
    return env

def table(log: Path, what: str, top: int, wall: float) -> str:
    "The `top` rows of `log` by CPU (self + children), and the totals"
    rows = [json.loads(l) for l in log.read_text().splitlines()] if log.exists() else []
    rows.sort(key=lambda r: -(r['self'] + r['children']))
    cpu = sum(r['self'] + r['children'] for r in rows)
    out = [f'\n{what}: {len(rows)} run in {wall:.0f} s; {cpu:.0f} CPU s counted (self + waited-for children)\n',
           f'| {what} | CPU s | of which children | wall s |', '|---|---:|---:|---:|']
    out += [f"| {r['name']} | {r['self'] + r['children']:.1f} | {r['children']:.1f} | {r['wall']:.1f} |"
            for r in rows[:top]]
    return '\n'.join(out)

def run(part: str, env: dict, tmp: Path, top: int) -> str:
    "Run one part of the suite with the hook in `tmp`; its table"
    log, guard = tmp/f'{part}.jsonl', ROOT/'tests'/'netguard'
    (tmp/'sitecustomize.py').write_text(HOOK.format(guard=str(guard), log=str(log)))
    (tmp/'suite_cpu_plugin.py').write_text(PLUGIN)
    B = ROOT/'.venv'/'bin'
    cmd = ([str(B/'nbdev-test'), '--n-workers', '2', '--flags', env.get('DLCOURSE_FLAGS', '')] if part == 'nbdev' else
           [str(B/'python'), '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-p', 'suite_cpu_plugin', '-n', '2',
            '--maxschedchunk', '1', 'tests'])
    t0 = time.time()
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        print(f'{part} failed (exit {r.returncode}):\n{(r.stdout + r.stderr)[-3000:]}', file=sys.stderr)
    return table(log, 'notebook' if part == 'nbdev' else 'test', top, time.time() - t0)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--part', choices=['nbdev', 'pytest', 'both'], default='both')
    ap.add_argument('--top', type=int, default=20, help='rows per table')
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        env = suite_env(Path(d))  # one environment for both parts: pytest finds what the notebooks cached, as in CI
        for part in (['nbdev', 'pytest'] if a.part == 'both' else [a.part]):  # (runenv removes the run's folder)
            print(run(part, env, Path(d), a.top), flush=True)
