"""README.md is nbs/index.ipynb rendered by tools/make_readme.py (with bench/latest.md), and its two quick-start
commands exist in the Makefile."""
import importlib.util, re
from conftest import ROOT

def test_readme_matches_index():
    spec = importlib.util.spec_from_file_location('make_readme', ROOT/'tools'/'make_readme.py')
    tool = importlib.util.module_from_spec(spec); spec.loader.exec_module(tool)
    assert (ROOT/'README.md').read_text() == tool.render(), 'README.md is stale: run python tools/make_readme.py'

def test_quick_start_has_two_commands_that_exist():
    text = (ROOT/'README.md').read_text()
    block = re.search(r'## Quick start.*?```sh\n(.*?)```', text, re.S).group(1)
    cmds = [l.split('#')[0].strip() for l in block.splitlines() if l.strip()]
    assert cmds == ['make course', 'make test']
    mk = (ROOT/'Makefile').read_text()
    assert re.search(r'^course:', mk, re.M) and re.search(r'^test:', mk, re.M)
