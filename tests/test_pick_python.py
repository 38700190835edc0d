"""tools/pick_python.py, which chooses the interpreter tools/setup-env.sh makes .venv with: the fastest build of the
running Python's version that can make a venv; the running one unless another is 5% faster. Fake interpreters (shell
scripts answering the probe and the benchmark) stand in for the builds."""
import importlib.util, os, sys
from pathlib import Path
import pytest
from conftest import ROOT

spec = importlib.util.spec_from_file_location('pick_python', ROOT/'tools'/'pick_python.py')
pp = importlib.util.module_from_spec(spec); spec.loader.exec_module(pp)
WANT = '%d.%d' % sys.version_info[:2]

def fake(folder:Path, name:str, version:str=WANT, secs:float=1.0, venv:bool=True) -> Path:
    "An executable that answers the probe (as a `version` that can, or cannot, make a venv) and the benchmark"
    p = folder/name
    p.write_text(f'''#!/bin/sh
case "$3" in
  *ensurepip*) {'echo "$0"; echo cpython-' + version if venv else 'echo "No module named ensurepip" >&2; exit 1'} ;;
  *perf_counter*) echo {secs} ;;
  *) exit 2 ;;
esac
''')
    p.chmod(0o755)
    return p

@pytest.fixture
def me(tmp_path):
    "A fake standing in for the running interpreter: 1 s for the benchmark"
    (tmp_path/'me').mkdir()
    return str(fake(tmp_path/'me', 'python3'))

def test_picks_the_fastest_of_the_same_version(tmp_path, me):
    fast, faster = fake(tmp_path, 'python3.fast', secs=0.8), fake(tmp_path, 'python3.faster', secs=0.6)
    assert pp.pick(me, WANT, [str(fast), str(faster)]) == str(faster)

def test_other_versions_implementations_and_builds_without_venv_are_skipped(tmp_path, me):
    other = fake(tmp_path, 'python3.other', version='3.99', secs=0.1)  # its packages would differ
    pypy = tmp_path/'pypy3'
    pypy.write_text('#!/bin/sh\ncase "$3" in *ensurepip*) echo "$0"; echo pypy-' + WANT + ' ;; *) echo 0.1 ;; esac\n')
    pypy.chmod(0o755)
    novenv = fake(tmp_path, 'python3.novenv', venv=False, secs=0.1)  # Debian without python3-venv
    broken = tmp_path/'python3.broken'; broken.write_text('not a program'); broken.chmod(0o755)
    assert pp.pick(me, WANT, [str(other), str(pypy), str(novenv), str(broken), str(tmp_path/'missing')]) == me

def test_keeps_the_running_one_unless_another_is_5pc_faster(tmp_path, me):
    assert pp.pick(me, WANT, [str(fake(tmp_path, 'python3.close', secs=0.97))]) == me
    assert pp.pick(me, WANT, [str(fake(tmp_path, 'python3.clear', secs=0.9))]) == str(tmp_path/'python3.clear')

def test_a_benchmark_that_fails_never_wins(tmp_path, me):
    bad = tmp_path/'python3.bad'
    bad.write_text('#!/bin/sh\ncase "$3" in *ensurepip*) echo "$0"; echo cpython-' + WANT
                   + ' ;; *) echo oops ;; esac\n')
    bad.chmod(0o755)
    assert pp.speed(str(bad)) == float('inf') and pp.pick(me, WANT, [str(bad)]) == me

def test_candidates_are_found_on_the_path(tmp_path, monkeypatch):
    a, b = tmp_path/'a', tmp_path/'b'
    a.mkdir(); b.mkdir()
    fake(a, 'python3'); fake(b, f'python{WANT}'); fake(b, 'python2')
    monkeypatch.setenv('PATH', f'{a}{os.pathsep}{b}')
    found = pp.candidates(WANT)
    assert found[:2] == [str(a/'python3'), str(b/f'python{WANT}')] and str(b/'python2') not in found

def test_the_real_interpreter_probes_and_runs_the_benchmark():
    "The probe and the benchmark, on this interpreter: what setup-env.sh relies on"
    assert pp.probe(sys.executable, WANT) == os.path.realpath(sys.executable)
    assert pp.probe(sys.executable, '2.7') is None
    assert 0 < pp.speed(sys.executable, n=1000) < 30
