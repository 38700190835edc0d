#!/usr/bin/env python
"""Write docs/bad_inputs.md from the cases in tests/test_bad_inputs.py (`--check`: exit 1 if it is stale)."""
import sys
from pathlib import Path
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tests'))
from test_bad_inputs import CASES  # noqa: E402

def render():
    lines = ['# What happens with bad input', '',
             f'Generated from `tests/test_bad_inputs.py` by `tools/bad_input_table.py`: {len(CASES)} bad inputs, each a test '
             'that checks the error type and that the message names the argument and what was expected.', '',
             '| # | helper | bad input | call | error | message contains |', '|---|---|---|---|---|---|']
    for i, c in enumerate(CASES, 1):
        call = c.call if len(c.call) < 90 else c.call[:87] + '...'
        esc = lambda t: t.replace('|', r'\|')
        lines.append(f"| {i} | `{c.helper}` | {c.bad} | `{esc(call)}` | `{c.error.__name__}` | {esc(c.match)} |")
    return '\n'.join(lines) + '\n'

if __name__ == '__main__':
    out = ROOT/'docs'/'bad_inputs.md'
    if '--check' in sys.argv:
        ok = out.exists() and out.read_text() == render()
        print('docs/bad_inputs.md is up to date' if ok else 'docs/bad_inputs.md is stale: run python tools/bad_input_table.py')
        sys.exit(0 if ok else 1)
    out.parent.mkdir(exist_ok=True); out.write_text(render()); print(f'wrote {out} ({len(CASES)} rows)')
