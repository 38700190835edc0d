"""How the exported library reads: short lines, short functions, and one way to check an argument.

The library is generated from the notebooks by `nbdev-export`, so these checks read `dlcourse/*.py` as text and
point back to the notebook cell that wrote each offending line.
"""
import ast, re
from conftest import ROOT

FILES = sorted(p for p in (ROOT/'dlcourse').glob('*.py') if not p.name.startswith('_'))
MAX_LINE, MAX_FUNC = 120, 45

def _source_cell(lines, i) -> str:
    "The `# %% ../nbs/...` marker above line `i`: which notebook cell to edit"
    return next((l.strip('# %\n') for l in reversed(lines[:i]) if l.startswith('# %% ')), '?')

def test_lines_at_most_120():
    """No line over 120 characters, except the first line of nbdev's generated `__all__` (nbdev wraps the list at 120
    and then prefixes `__all__ = `, which we cannot change without patching nbdev)"""
    long = []
    for p in FILES:
        lines = p.read_text().splitlines()
        for i, l in enumerate(lines):
            if len(l) > MAX_LINE and not l.startswith('__all__ = '):
                long.append(f'{p.name}:{i+1} ({len(l)} chars, from {_source_cell(lines, i)})')
    assert not long, '\n'.join(long)

def test_functions_at_most_45_lines():
    "Every function and method fits on a screen"
    big = []
    for p in FILES:
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > MAX_FUNC:
                big.append(f'{p.name}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)')
    assert not big, '\n'.join(big)

def test_integer_check_written_once():
    "Argument checks go through `dlcourse.checks`: the hand-written integer test appears nowhere else"
    pat = re.compile(r'isinstance\(\w+, bool\) or not isinstance\(')
    found = [f'{p.name}:{i+1}' for p in FILES if p.name != 'checks.py'
             for i, l in enumerate(p.read_text().splitlines()) if pat.search(l)]
    assert not found, f'hand-written integer checks (use dlcourse.checks.check_int): {found}'

def test_the_style_checks_can_fail(tmp_path):
    "The three checks above see what they look for (a check that cannot fail proves nothing)"
    src = 'def f(n):\n    if isinstance(n, bool) or not isinstance(n, int): pass\n' + '    x = 1\n'*50 + '# ' + 'y'*130 + '\n'
    tree, lines = ast.parse(src), src.splitlines()
    assert any(isinstance(n, ast.FunctionDef) and n.end_lineno - n.lineno + 1 > MAX_FUNC for n in ast.walk(tree))
    assert any(len(l) > MAX_LINE for l in lines)
    assert re.search(r'isinstance\(\w+, bool\) or not isinstance\(', src)
