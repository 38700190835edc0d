"""The outputs committed in the notebooks are what a learner will see: no absolute machine paths, no warnings, and no
timings printed to more digits than a rerun can reproduce (they would change every run and churn the diff).

Rules, per output (stream text, text/plain, text/html, text/markdown and tracebacks; images are not read):
- a path under /work, /tmp, /root, /home or /Users: show paths relative to the data folder or the cache instead;
- a warning (`SomethingWarning:`) on stderr: silence it at the source, or filter the one known harmless warning;
- a time with three or more decimals before a unit (`3.112s`, `0.283 ms`): round to 0.1 s, or say "about N s";
- a cell that measures time (`time.time()`, `perf_counter()`, `time_it(`, `%time`) whose result is one bare number
  with four or more decimals (`time.time() - t0` left as the last line), or a clock reading (`1732451234.56`).
- a progress bar (fastprogress's `<progress>` element, or its text `[8/8 00:03<00:00]`): it carries elapsed times;
  refresh outputs with progress bars off (`IN_TEST=1`, as nbdev-test sets it).
Other numbers in a timing cell (accuracies, losses) are not flagged: they repeat from run to run.
"""
import json, re
import pytest
from conftest import ROOT

PATH = re.compile(r'(?<![\w.~-])/(?:work|tmp|root|home|Users)/[^\s\'"<>)]*')
WARNING = re.compile(r'\b[A-Z]\w*Warning: .*')
UNIT_TIME = re.compile(r'\b\d+\.\d{3,}\s?(?:s|sec|secs|seconds|ms|µs|us)\b')
TIMES = re.compile(r'\btime\.(?:time|perf_counter|monotonic)\(|\bperf_counter\(|\btime_it\(|^\s*%%?timeit?\b', re.M)
LONE_FLOAT = re.compile(r'\s*-?\d+\.\d{4,}\s*')
CLOCK = re.compile(r'\b1[5-9]\d{8}\.\d{2,}')  # seconds since 1970 (2017 to 2033) read from a clock, not a date
BAR = re.compile(r'<progress\b[^>]*>|\[\d+/\d+ (?:\d+:)?\d\d:\d\d<(?:\d+:)?\d\d:\d\d')  # fastprogress: html, then text
TEXT_KEYS = ('text/plain', 'text/html', 'text/markdown')

# Notebooks allowed to fail while their outputs are being re-run, by branch (strict: a notebook that passes already
# makes its entry fail). Empty: every committed notebook is clean.
KNOWN_BAD = {}

def texts(output) -> list[tuple[str, str]]:
    "(kind, text) for each textual part of one output: kind is 'stderr', 'stdout', a MIME type or 'error'"
    if output.get('output_type') == 'stream': return [(output.get('name', 'stdout'), ''.join(output.get('text', '')))]
    if output.get('output_type') == 'error': return [('error', '\n'.join(output.get('traceback', [])))]
    data = output.get('data', {})
    return [(k, ''.join(data[k])) for k in TEXT_KEYS if k in data]

def problems(nb_path) -> list[str]:
    "Each rule broken by the committed outputs of the notebook at `nb_path`, as 'cell N: rule: the text'"
    res = []
    for i, cell in enumerate(json.loads(nb_path.read_text())['cells']):
        timed = bool(TIMES.search(''.join(cell.get('source', ''))))
        for out in cell.get('outputs', []):
            for kind, txt in texts(out):
                found = [('machine path', m) for m in PATH.findall(txt)]
                if kind == 'stderr': found += [('warning', m) for m in WARNING.findall(txt)]
                found += [('unrounded time', m) for m in UNIT_TIME.findall(txt)]
                found += [('clock reading', m) for m in CLOCK.findall(txt)]
                found += [('progress bar', m) for m in BAR.findall(txt)]
                if timed and kind == 'text/plain' and LONE_FLOAT.fullmatch(txt):
                    found.append(('raw timing', txt.strip()))
                res += [f'cell {i}: {rule}: {m[:120]}' for rule, m in found]
    return res

NOTEBOOKS = sorted(p.name for p in (ROOT/'nbs').glob('*.ipynb') if not p.name.startswith(('_', '.')))

def _param(nb):
    if nb not in KNOWN_BAD: return nb
    return pytest.param(nb, marks=pytest.mark.xfail(reason=f'being re-run on branch {KNOWN_BAD[nb]}', strict=True))

@pytest.mark.parametrize('nb', [_param(n) for n in NOTEBOOKS])
def test_committed_outputs_are_clean(nb):
    bad = problems(ROOT/'nbs'/nb)
    assert not bad, f'{nb}: {len(bad)} problem(s) in committed outputs:\n' + '\n'.join(bad[:20])

def test_the_rules_catch_what_they_should(tmp_path):
    "Each rule fires on an example of what it forbids, and not on the rounded or relative version"
    cell = lambda src, *outs: dict(cell_type='code', source=src, outputs=list(outs))
    stream = lambda name, text: dict(output_type='stream', name=name, text=text)
    result = lambda text: dict(output_type='execute_result', data={'text/plain': text})
    bad = [cell('print(p)', stream('stdout', 'saved to /work/main/nbs/x.csv\n')),
           cell('x', result("PosixPath('/tmp/tmpab12cd/train.csv')")),
           cell('warn()', stream('stderr', 'x.py:3: FutureWarning: `torch.jit.script` is deprecated\n')),
           cell('f()', stream('stdout', 'trained in 3.1121s\n')),
           cell('t0 = time.time(); f(); time.time() - t0', result('3.1121087074279785')),
           cell('print(time.time())', stream('stdout', '1732451234.5678\n')),
           cell('learn.fit(8)', dict(output_type='display_data', data={'text/html': '<progress value="8" max="8">'})),
           cell('fit(8)', stream('stdout', '|████████| 100.00% [8/8 00:03<00:00]\n'))]
    good = [cell('print(p)', stream('stdout', 'saved to paddy/train.csv; see https://example.com/home/x\n')),
            cell('warn()', stream('stderr', 'progress 100%\n')),
            cell('f()', stream('stdout', 'trained in 3.1s, accuracy 0.812500\n')),
            cell('t0 = time.time(); f(); round(time.time() - t0, 1)', result('3.1')),
            cell('t0 = time.time(); acc = f(); acc, round(time.time() - t0)', result('(0.8370786309242249, 3)')),
            cell('add_datepart(df)', result('saleElapsed  1577836800.0'))]
    for cells, n in ((bad, 8), (good, 0)):
        p = tmp_path/'nb.ipynb'; p.write_text(json.dumps(dict(cells=cells)))
        assert len(problems(p)) == n, problems(p)
