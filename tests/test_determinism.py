"""Running a lesson twice on the CPU gives identical results: every printed number and table is the same,
once timings, temporary paths and memory addresses are masked.

Both runs are in this process, one after the other, as `nbdev-test` runs notebooks in a reused worker: so a lesson
must also not depend on state (seeds, torch settings) left behind by the notebook run before it.
"""
import json, re
from pathlib import Path
import pytest
from dlcourse.cli import execute_notebook
from conftest import ROOT

LESSON = '03_sgd_titanic.ipynb'  # trains several models with SGD: a good place for hidden randomness to show
SKIP = ('slow', 'cuda', 'kaggle', 'notest')
MASKS = [(re.compile(r'\d+(\.\d+)?\s?(s|ms|µs|us|sec|seconds|it/s)\b'), '<time>'),
         (re.compile(r'/tmp/\S+|tmp[\w-]{6,}'), '<tmp>'),
         (re.compile(r'0x[0-9a-f]{6,}'), '<addr>')]

def outputs(nb_path) -> list[str]:
    "Every text output of the executed notebook, masked"
    res = []
    for c in json.loads(Path(nb_path).read_text())['cells']:
        for o in c.get('outputs', []):
            d = o.get('data', {})
            txt = ''.join(o.get('text', '')) + ''.join(d.get('text/plain', '')) + ''.join(d.get('text/html', ''))
            for rx, sub in MASKS: txt = rx.sub(sub, txt)
            res.append(txt)
    return res

# fastai's import warns about torch.jit (harmless here; the lessons filter it the same way)
@pytest.mark.filterwarnings('ignore:`torch.jit.script` is deprecated:FutureWarning')
@pytest.mark.costly(cpu_s=9)
def test_lesson_twice_gives_identical_outputs(tmp_path, cache_dir):
    runs = []
    for i in range(2):
        err = execute_notebook(ROOT/'nbs'/LESSON, tmp_path/f'run{i}.ipynb', skip=SKIP)
        assert err is None, err[-3000:]
        runs.append(outputs(tmp_path/f'run{i}.ipynb'))
    assert len(runs[0]) > 5, 'the lesson printed almost nothing to compare'
    diffs = [(a, b) for a, b in zip(*runs) if a != b]
    assert not diffs, f'{len(diffs)} outputs differ, e.g.:\n{diffs[0][0][:500]}\n---\n{diffs[0][1][:500]}'
