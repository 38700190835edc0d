"""README.md is nbs/index.ipynb rendered (tools/make_readme.py), and its two quick-start commands exist."""
import subprocess, sys, re
from conftest import ROOT

def test_readme_matches_index():
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'make_readme.py'), '--check'], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr

def test_quick_start_has_two_commands_that_exist():
    text = (ROOT/'README.md').read_text()
    block = re.search(r'## Quick start.*?```sh\n(.*?)```', text, re.S).group(1)
    cmds = [l.split('#')[0].strip() for l in block.splitlines() if l.strip()]
    assert cmds == ['make course', 'make test']
    mk = (ROOT/'Makefile').read_text()
    assert re.search(r'^course:', mk, re.M) and re.search(r'^test:', mk, re.M)
