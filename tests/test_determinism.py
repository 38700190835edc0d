"""Running a lesson twice on the CPU gives identical results: every printed number and table is the same,
once timings, temporary paths and memory addresses are masked."""
import json, re, subprocess, sys
from pathlib import Path
from conftest import ROOT, fresh_env

LESSON = '03_sgd_titanic.ipynb'  # trains several models with SGD: a good place for hidden randomness to show
MASKS = [(re.compile(r'\d+(\.\d+)?\s?(s|ms|µs|us|sec|seconds|it/s)\b'), '<time>'),
         (re.compile(r'/tmp/\S+|tmp[\w-]{6,}'), '<tmp>'),
         (re.compile(r'0x[0-9a-f]{6,}'), '<addr>')]

def outputs(nb_path):
    "Every text output of the executed notebook, masked"
    res = []
    for c in json.loads(Path(nb_path).read_text())['cells']:
        for o in c.get('outputs', []):
            txt = ''.join(o.get('text', '')) + ''.join(o.get('data', {}).get('text/plain', '')) + ''.join(o.get('data', {}).get('text/html', ''))
            for rx, sub in MASKS: txt = rx.sub(sub, txt)
            res.append(txt)
    return res

def test_lesson_twice_gives_identical_outputs(tmp_path):
    nb = ROOT/'nbs'/LESSON
    assert nb.exists(), f'{LESSON} is missing'
    runs = []
    for i in range(2):
        dest = tmp_path/f'run{i}.ipynb'
        r = subprocess.run([sys.executable, '-c', 'import sys; from dlcourse.cli import main; sys.exit(main(sys.argv[1:]))',
                            'exec', str(nb), str(dest), '--skip', 'slow cuda kaggle notest'],
                           capture_output=True, text=True, env=fresh_env(DLCOURSE_CACHE=tmp_path/'cache', DLCOURSE_DATA=''), timeout=600)
        assert r.returncode == 0, r.stderr[-3000:]
        runs.append(outputs(dest))
    assert len(runs[0]) > 5, 'the lesson printed almost nothing to compare'
    diffs = [(a, b) for a, b in zip(*runs) if a != b]
    assert not diffs, f'{len(diffs)} outputs differ between two runs, e.g.:\n{diffs[0][0][:500]}\n---\n{diffs[0][1][:500]}'
