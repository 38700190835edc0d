"""The offline docs site (`dlcourse docs`) and the `dlcourse run` pages: built from the committed notebooks, every
page checked from its HTML, then every page opened in one headless Chromium with the network cut.

As written, every page: one per notebook, the API index, the markdown files the notebooks link to, each module's
source; the nav and the top bar; no directive left in the text; every file a tag loads is in the site (nothing from
the network); every link and anchor resolves. Two builds, with different hash seeds, are byte-identical.

A page carries MathJax's script if and only if its HTML holds TeX outside code: a page without formulas does not load
MathJax.

In Chromium (one process, one tab, driven through the DevTools protocol: `browser.DevTools`), every site page and
the run pages that can differ from them in the browser (`browser_run_pages`), at 1280 px and at 400 px (opened at the
width the window has, then resized, not reloaded), with the tab behind a blank one: Chromium lays the pages out and
runs their scripts and MathJax, but paints nothing:
- the page does not scroll sideways, and every code block (`pre`: code, outputs, markdown code) fits or scrolls
  inside its own box: none is cut off by a box that hides what overflows;
- it requests nothing but its own files (no network), none fails to load, and no script throws;
- where MathJax runs, it typeset every formula without an error; with or without it, no TeX is left in the text.
Closed `<details>` (the answers of the exercise banks) are opened first, so that their code is checked too. On the
home page, in front, search (lunr.js, its documents a script) finds `add_datepart` and the Titanic lesson from
file://; at 400 px the menu button opens the sidebar; then two screenshots.
"""
import html, json, os, re, subprocess, sys, time
from pathlib import Path
from urllib.parse import unquote, urlsplit
import pytest
from conftest import ROOT, fresh_env
import browser

DIRECTIVE = re.compile(r'^\s*#\|\s*(export|exports|exporti|default_exp|hide|eval:|slow|kaggle|cuda)\b', re.M)
TEX = re.compile(r'(?<!\\)\$[^$\s][^$]*?(?<!\\)\$|\\\(|\\\[|\\begin\{')  # what tex2jax typesets
MATH_PAGES = ['01_pytorch_basics.html', '02_neural_net.html', '03_sgd_titanic.html']  # known to have formulas
WIDTHS = (1280, 400)

def _start_build(dest: Path, seed: int) -> subprocess.Popen:
    "`dlcourse docs` into `dest` in a fresh process (the lessons' imports stay out of pytest), with hash seed `seed`"
    return subprocess.Popen([str(Path(sys.executable).parent/'dlcourse'), 'docs', '--out', str(dest)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=fresh_env(PYTHONHASHSEED=seed))

_AGAIN_AND_RUN_PAGES = '''import sys; from pathlib import Path; from dlcourse.cli import main, notebook_html
assert main(['docs', '--out', sys.argv[3]]) == 0  # what the `dlcourse` command runs
for nb in sorted(Path(sys.argv[1]).glob('*.ipynb')):
    if not nb.name.startswith(('_', '.')): notebook_html(nb, Path(sys.argv[2])/(nb.stem + '.html'))'''

def _start_again_and_run_pages(again: Path, dest: Path, seed: int) -> subprocess.Popen:
    """`dlcourse docs` again into `again` (hash seed `seed`), then the page `dlcourse run` writes for each notebook,
    from the committed (executed) notebooks, into `dest`: one process (its imports paid once: ~5 CPU s less)"""
    return subprocess.Popen([sys.executable, '-c', _AGAIN_AND_RUN_PAGES, str(ROOT/'nbs'), str(dest), str(again)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=fresh_env(PYTHONHASHSEED=seed))

def _wait(p: subprocess.Popen, what: str):
    out, _ = p.communicate(timeout=600)
    assert p.returncode == 0, f'{what} failed:\n{out[-3000:]}'

def _text(dom: str) -> str:
    "The visible text of a page, one line per source line in code blocks"
    dom = re.sub(r'<(script|style)\b.*?</\1>', '', dom, flags=re.S | re.I)
    return html.unescape(re.sub(r'<[^>]+>', '', dom))

def _ids(dom: str) -> set: return set(re.findall(r'\bid="([^"]+)"', dom))

def check_loads(site, name, dom):
    "Every file the page loads is inline data or a file of the site: nothing from the network"
    for url in browser.fetched_urls(dom):
        if url.startswith('data:'): continue
        u = urlsplit(url)
        assert u.scheme in ('', 'file') and not u.netloc, f'{name} loads {url}'
        assert ((site/name).parent/unquote(u.path)).exists(), f'{name} loads missing {url}'

def check_html(site, name, page, ids, links=True):
    "One page as written: top bar and sidebar, no directive, nothing from a CDN, every link and anchor resolves"
    assert 'class="site-nav"' in page and 'class="site-top"' in page, name
    if name != 'CONTRIBUTING.html':  # the contributor's guide shows `#| export` in its examples, on purpose
        assert not DIRECTIVE.search(_text(page)), f'{name}: directive shows: {DIRECTIVE.search(_text(page)).group(0)!r}'
    assert not [u for u in browser.fetched_urls(page) if 'require' in u], name  # no require.js from a CDN
    check_loads(site, name, page)
    for href in [] if not links else re.findall(r'<a\b[^>]*\shref="([^"]*)"', page):
        u = urlsplit(html.unescape(href))
        if u.scheme in ('http', 'https', 'mailto'): continue
        target = Path(os.path.normpath((Path(name).parent/unquote(u.path)).as_posix())).as_posix() if u.path else name
        assert (site/target).exists(), f'{name}: broken link {href}'
        if u.fragment and target in ids:
            assert {u.fragment, unquote(u.fragment)} & ids[target], f'{name}: no anchor for {href}'

def check_pages(site) -> dict:
    "Every page as written: one per notebook, the API index, linked markdown files, each module's source"
    nbs = sorted(p.stem for p in (ROOT/'nbs').glob('*.ipynb') if not p.name.startswith(('_', '.')))
    pages = {p.relative_to(site).as_posix(): p.read_text() for p in sorted(site.rglob('*.html'))
             if 'mathjax' not in p.relative_to(site).parts}
    root = sorted(Path(n).stem for n in pages if '/' not in n)
    from dlcourse.site import _linked_md  # the markdown files the notebooks link to: each is a page
    mds = [p.stem for p in _linked_md(ROOT/'nbs')]
    assert {'bad_inputs', 'CONTRIBUTING', 'course22'} <= set(mds), mds
    assert root == sorted(nbs + ['api'] + mds), root
    mods = sorted(p.stem for p in (ROOT/'dlcourse').glob('*.py') if not p.name.startswith('_'))
    assert sorted(n for n in pages if n.startswith('src/')) == [f'src/{m}.py.html' for m in mods]
    ids = {name: _ids(page) for name, page in pages.items()}
    for name, page in pages.items(): check_html(site, name, page, ids); check_mathjax(name, page)
    assert '<a href="03_sgd_titanic.html"><code>03_sgd_titanic.ipynb</code></a>' in pages['index.html']  # lesson table
    bench = [l for l in (ROOT/'bench'/'latest.md').read_text().splitlines() if l.startswith('| ')]
    assert bench[1].split('|')[1].strip() in _text(pages['index.html'])  # the bench table's first figure
    assert 'href="bad_inputs.html"' in pages['index.html']
    return pages

def check_api_entries(pages):
    page, api = pages['91_site.html'], pages['api.html']
    assert 'id="lesson_table"' in page and 'class="api-sig"' in page and 'the folder of notebooks' in page
    assert 'href="91_site.html#lesson_table">91_site.ipynb</a>' in page  # the entry links to the notebook defining it
    assert re.search(r'href="src/site\.py\.html#L-\d+">source</a>', page) and 'href="nbs/91_site.ipynb"' in page
    assert '<a href="91_site.html#lesson_table"><code>lesson_table</code></a>' in api
    assert '<a href="91_site.html#lesson_table"><code>lesson_table</code></a>' in page  # backticked names in the text
    assert 'A markdown table of the lesson notebooks' in api  # one-line descriptions in the index
    assert 'id="Exercise.check"' in pages['92_exercises.html']  # methods have entries
    sigs = [_text(s) for p in pages.values() for s in re.findall(r'<div class="api-sig">(.*?)</div>', p, re.S)]
    assert len(sigs) > 100 and not [s for s in sigs if re.search(r' at 0x[0-9a-f]+', s)]  # no memory address
    assert [s for s in sigs if 'tfms:Sequence[Callable]=(flip_lr, Shift(4, 4)' in s]  # tta's default, by name
    # a name several modules define (`accuracy`): on each page that defines one, its links go to that page's entry
    owners = [n for n, p in pages.items() if 'id="accuracy"' in p]
    assert len(owners) >= 2, f'accuracy is defined by {owners} only: pick another name defined twice'
    for name in owners:
        links = re.findall(r'<a href="([^"]*#accuracy)"><code>accuracy', pages[name])
        assert all(u == f'{name}#accuracy' for u in links), (name, links)
    assert '<a href="03_sgd_titanic.html#accuracy"><code>accuracy</code></a>' in pages['03_sgd_titanic.html']
    assert '#accuracy"><code>accuracy</code>' not in pages['91_site.html']  # it names both: a bare one has no link
    assert '<a href="03_sgd_titanic.html#accuracy"><code>sgd.accuracy</code></a>' in pages['91_site.html']
    assert 'class="site-answer"' in pages['93_exercises_basics.html']  # exercise banks fold their answers

_LAYOUT = r'''(() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const vw = document.documentElement.clientWidth, r = {scroll: document.documentElement.scrollWidth - vw, cut: [],
    pres: 0, imgs: [...document.images].filter(i => !i.alt).length};
  const scrolls = o => o === 'auto' || o === 'scroll';
  for (const pre of document.querySelectorAll('main pre')) {
    if (!pre.getClientRects().length) continue;  // not displayed (e.g. a narrow screen's copy of a wide one's)
    r.pres++;
    const s = getComputedStyle(pre), box = pre.getBoundingClientRect();
    let right = scrolls(s.overflowX) ? box.right : box.left + pre.scrollWidth;
    let bad = (s.overflowX === 'hidden' || s.overflowX === 'clip') && pre.scrollWidth > pre.clientWidth + 1;
    for (let a = pre.parentElement; a && !bad && a !== document.body; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX, ar = a.getBoundingClientRect();
      if (ox === 'visible' || right <= ar.right + 1) continue;
      if (scrolls(ox)) right = ar.right;  // what sticks out can be scrolled to inside `a`
      else bad = true;                   // `a` hides it
    }
    if (bad || right > vw + 1)
      r.cut.push(pre.textContent.trim().split('\n')[0].slice(0, 70) + ` (${Math.round(right - vw)} px)`);
  }
  return r;
})()'''

_MATH = r'''new Promise(res => {  // once MathJax (where the page loads it) is done: its report, and the text left
  const report = mathjax => {
    const m = document.querySelector('main').cloneNode(true);
    m.querySelectorAll('pre, code, script, .MathJax, .MathJax_Display, .MathJax_Preview').forEach(e => e.remove());
    res({mathjax, jax: mathjax ? MathJax.Hub.getAllJax().length : 0,
         scripts: document.querySelectorAll('script[type^="math/tex"]').length,
         errors: document.querySelectorAll('.MathJax_Error, merror, .noError').length, text: m.textContent});
  };
  if (window.MathJax && MathJax.Hub) MathJax.Hub.Queue(() => report(true)); else report(false);
})'''

_SEARCH = r'''(async q => {
  const i = document.getElementById('site-search');
  i.focus(); i.value = q; i.dispatchEvent(new Event('input'));
  for (let k = 0; k < 200 && !(window.SITE_SEARCH && window.lunr); k++) await new Promise(r => setTimeout(r, 25));
  i.dispatchEvent(new Event('input'));
  const hits = [...document.querySelectorAll('#site-search-results a')].map(a => a.getAttribute('href'));
  i.value = ''; i.dispatchEvent(new Event('input')); i.blur();
  return hits;
})'''

_MENU = r'''(() => { const nav = document.querySelector('nav.site-nav'), hidden = getComputedStyle(nav).display;
  document.querySelector('label.site-menu-btn').click();
  const shown = getComputedStyle(nav).display, w = nav.getBoundingClientRect().width;
  document.querySelector('label.site-menu-btn').click();
  return [hidden, shown, w <= document.documentElement.clientWidth]; })()'''

def has_tex(page: str) -> bool:
    "Does the HTML of a page hold TeX that MathJax would typeset (outside code, which MathJax leaves alone)?"
    return bool(TEX.search(_text(re.sub(r'<(pre|code)\b.*?</\1>', '', page, flags=re.S | re.I))))

def check_mathjax(name: str, page: str):
    "A page loads MathJax if and only if its HTML holds TeX (a page without formulas need not load and run it)"
    loads = bool(re.search(r'<script src="[^"]*mathjax/MathJax\.js', page))
    assert loads == has_tex(page), f'{name}: MathJax {"missing" if has_tex(page) else "loaded"}'

def check_page(b, folder: Path, name: str) -> list:
    """Open one page in DevTools session `b` at the window's width, then check it there and at the other width of
    `WIDTHS` (resized, not reloaded); the problems found, as sentences"""
    widths = [b.size[0]] + [w for w in WIDTHS if w != b.size[0]]
    b.open((folder/name).as_uri())
    math, lay = b.eval(f'{_MATH}.then(m => [m, {_LAYOUT}])')  # one round trip: MathJax's work, then the layout
    rep, bad = b.report(), []  # what loaded while MathJax worked, too
    for u in rep['requests']:
        if not (u.startswith('data:') or u.startswith(folder.as_uri() + '/')): bad.append(f'requested {u[:100]}')
    bad += [f'script error: {e[:300]}' for e in rep['exceptions']] + [f'console: {e[:300]}' for e in rep['errors']]
    if math['jax'] != math['scripts'] or math['errors']: bad.append(f'MathJax: {math}'[:300])
    if TEX.search(math['text']): bad.append(f'raw TeX left: {TEX.search(math["text"]).group(0)!r}')
    for w in widths:
        if w != widths[0]: b.resize(w, 900); lay = b.eval(_LAYOUT)
        if lay['scroll'] > 0: bad.append(f'{w}px: the page scrolls sideways by {lay["scroll"]}px')
        bad += [f'{w}px: code cut off: {c}' for c in lay['cut']]
        if lay['imgs']: bad.append(f'{lay["imgs"]} images without alt text')
    return [f'{name}: {x}' for x in bad]

def browser_run_pages(pages: dict, n_largest: int = 3) -> list:
    """The run pages to open in Chromium: those with formulas (MathJax, loaded by a run page's own rule) and the
    `n_largest`. A run page is its lesson's site page in the same template and style sheet, less the API entries and
    the links to them (every page's HTML is checked above): what only a run page can break in a browser is the page
    around the lesson, the same on every run page, and its MathJax. `pages`: {name: HTML} of the run pages"""
    largest = sorted(pages, key=lambda n: -len(pages[n]))[:n_largest]
    return sorted({n for n, page in pages.items() if has_tex(page)} | set(largest))

def check_in_browser(site: Path, run: Path, run_pages: dict, tmp_path) -> dict:
    """Every site page, and the run pages of `run_pages` ({name: HTML}) that `browser_run_pages` picks, in one
    Chromium; search and the menu on the home page; screenshots"""
    names = sorted(p.relative_to(site).as_posix() for p in site.rglob('*.html') if 'mathjax' not in p.parts)
    runs = browser_run_pages(run_pages)
    assert set(MATH_PAGES) <= set(runs) and len(runs) < len(run_pages), runs
    bad, t0 = [], time.time()
    with browser.DevTools() as b:
        b.background()  # laid out, scripts and MathJax run, nothing painted: a third less of Chromium's work
        assert b.eval('document.visibilityState') == 'hidden'
        for folder, group in ((site, names), (run, runs)):
            for name in group: bad += check_page(b, folder, name)
        assert all(has_tex((site/n).read_text()) for n in MATH_PAGES)  # so MathJax runs, and is checked, there
        b.background(False)  # search, the menu and the screenshots in front, as a reader sees them
        b.resize(1280, 900); b.open((site/'index.html').as_uri())
        assert b.eval('document.visibilityState') == 'visible'
        for w in WIDTHS:
            b.resize(w, 900)
            for q, want in (('add_datepart', '06_dates.html#add_datepart'), ('titanic', '03_sgd_titanic.html')):
                hits = b.eval(f'{_SEARCH}({json.dumps(q)})')
                if not [h for h in hits[:10] if h.startswith(want)]:
                    bad.append(f'{w}px: search {q!r} found {hits[:10]}')
        hidden, shown, fits = b.eval(_MENU)
        assert (hidden, shown, fits) == ('none', 'block', True), f'the menu at 400px: {hidden}, {shown}, {fits}'
        bad += [f'index.html (search): {e}' for e in b.report()['exceptions']]
        shots = {}
        for w, page, anchor in ((1280, '00b_stats.html', '#bootstrap_ci'),
                                (400, '06_dates.html', '#The-library-version')):
            b.resize(w, 1400 if w > 900 else 860); b.open((site/page).as_uri() + anchor); b.eval(_MATH)
            shots[w] = b.screenshot(tmp_path/f'site-{w}.png')
    assert not bad, f'{len(bad)} problems:\n' + '\n'.join(bad[:200])
    print(f'opened {len(names)} site pages and {len(runs)} run pages at {WIDTHS} px in {time.time() - t0:.0f}s')
    return shots

def check_identical(a: Path, b: Path):
    "Two builds hold the same files, byte for byte"
    fa = sorted(p.relative_to(a) for p in a.rglob('*') if p.is_file())
    assert fa == sorted(p.relative_to(b) for p in b.rglob('*') if p.is_file())
    diff = [str(f) for f in fa if (a/f).read_bytes() != (b/f).read_bytes()]
    assert not diff, f'two builds differ in {diff[:10]}'

# One test, so that pytest-xdist's two workers don't each build the site.
# measured: ~28 CPU s in the two build processes, ~26 in Chromium (of which /usr/bin/time sees ~8: not its renderers)
@pytest.mark.costly(cpu_s=55)
def test_site_offline(tmp_path):
    t0 = time.time()
    site, again, run = tmp_path/'_docs', tmp_path/'_docs2', tmp_path/'run'
    jobs = [(_start_build(site, 0), 'dlcourse docs'),
            (_start_again_and_run_pages(again, run, 1), 'dlcourse docs (again), then the run pages')]
    for p, what in jobs: _wait(p, what)
    print(f'two builds and the run pages in {time.time() - t0:.0f}s')
    check_identical(site, again)
    pages = check_pages(site)
    check_api_entries(pages)
    runs = {p.name: p.read_text() for p in run.glob('*.html')}
    assert len(runs) == len(list((ROOT/'nbs').glob('[!_.]*.ipynb')))
    for name, page in runs.items():
        check_html(run, name, page, {}, links=False)  # a run page links to lessons that may not have run
        check_mathjax(name, page)
    assert all(has_tex(runs[n]) for n in MATH_PAGES)  # so that both kinds of run page are checked
    if browser.CHROMIUM is None: pytest.skip(f'the pages are built and their HTML checks out; {browser.NO_CHROMIUM}')
    shots = check_in_browser(site, run, runs, tmp_path)
    for w, p in shots.items():
        browser.check_png(p)
        browser.keep_screenshot(p, 'site-lesson.png' if w == 1280 else 'site-phone.png')
