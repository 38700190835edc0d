#!/usr/bin/env python
"""Render nbs/index.ipynb as README.md (Quarto, which nbdev-readme needs, is not available here).

Markdown cells are copied; code cells are left out; a `<!-- lessons -->` marker becomes the table of lessons, built
from each notebook's title and subtitle; a `<!-- bench -->` marker becomes bench/latest.md, the latest table from
`make bench` (bench/run.py, which renders README.md again after measuring). `--check` exits 1 if README.md is stale.
"""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = '<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file. -->\n\n'

def lesson_table(nbs_dir):
    rows = ['| notebook | title | what you get |', '|---|---|---|']
    for p in sorted(Path(nbs_dir).glob('*.ipynb')):
        if p.name.startswith('_') or p.name == 'index.ipynb': continue
        src = ''.join(json.loads(p.read_text())['cells'][0]['source'])
        title, sub = [m.group(1) if m else '' for m in (re.search(r'^# (.+)$', src, re.M),
                                                        re.search(r'^> (.+)$', src, re.M))]
        rows.append(f"| [`{p.name}`](nbs/{p.name}) | {title} | {sub} |")
    return '\n'.join(rows)

def render(root=ROOT) -> str:
    nb = json.loads((root/'nbs'/'index.ipynb').read_text())
    bench = root/'bench'/'latest.md'
    measured = bench.read_text().strip() if bench.exists() else '(no measurements yet: run `make bench`)'
    parts = []
    for c in nb['cells']:
        if c['cell_type'] != 'markdown': continue
        src = ''.join(c['source']).replace('<!-- lessons -->', lesson_table(root/'nbs'))
        parts.append(src.replace('<!-- bench -->', measured))
    return HEADER + '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    text = render()
    if '--check' in sys.argv:
        ok = (ROOT/'README.md').exists() and (ROOT/'README.md').read_text() == text
        print('README.md is up to date' if ok else 'README.md is out of date: run python tools/make_readme.py')
        sys.exit(0 if ok else 1)
    (ROOT/'README.md').write_text(text)
    print('wrote README.md')
