"""The offline docs site (`dlcourse docs`): built once from the committed notebooks, then every page opened in headless
Chromium with the network cut. Checks that formulas render, links and images resolve, and no directive shows."""
import html, re, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlsplit
import pytest
from conftest import ROOT, fresh_env
import browser

MATH_PAGES = ['01_pytorch_basics.html', '02_neural_net.html', '03_sgd_titanic.html']  # lessons with $...$ formulas
DIRECTIVE = re.compile(r'^\s*#\|\s*(export|exports|exporti|default_exp|hide|eval:|slow|kaggle|cuda)\b', re.M)

def build(dest: Path) -> Path:
    "The site in `dest`, built by `dlcourse docs` in a fresh process (the lessons' imports stay out of pytest)"
    t0 = time.time()
    r = subprocess.run([str(Path(sys.executable).parent/'dlcourse'), 'docs', '--out', str(dest)], cwd=ROOT,
                       capture_output=True, text=True, timeout=300, env=fresh_env())
    assert r.returncode == 0, r.stdout + r.stderr
    print(f'site built in {time.time() - t0:.0f}s')
    return dest

def dump_all(site: Path) -> dict:
    "Every page's DOM after its scripts ran, six browsers at a time (each mostly waits on its own start-up)"
    pages = sorted(site.glob('*.html'))
    with ThreadPoolExecutor(6) as ex:
        doms = list(ex.map(lambda p: browser.dump_dom(p.as_uri(), budget_ms=3000), pages))
    return dict(zip([p.name for p in pages], doms))

def check_pages(site):
    "A page per notebook (and the API index), nothing loaded from the network, the index's table linked"
    nbs = sorted(p.stem for p in (ROOT/'nbs').glob('*.ipynb') if not p.name.startswith(('_', '.')))
    assert sorted(p.stem for p in site.glob('*.html')) == sorted(nbs + ['api'])  # and the API index
    for p in site.glob('*.html'):
        urls = browser.fetched_urls(p.read_text())
        assert not [u for u in urls if u.startswith(('http:', 'https:', '//')) or 'require' in u], p.name
    index = (site/'index.html').read_text()
    assert '<a href="03_sgd_titanic.html"><code>03_sgd_titanic.ipynb</code></a>' in index  # the lesson table links

def _text(dom: str) -> str:
    "The visible text of a DOM, one line per source line in code blocks"
    dom = re.sub(r'<(script|style)\b.*?</\1>', '', dom, flags=re.S | re.I)
    return html.unescape(re.sub(r'<[^>]+>', '', dom))

def _ids(dom: str) -> set: return set(re.findall(r'\bid="([^"]+)"', dom))

def check_in_browser(site, doms):
    ids = {name: _ids(dom) for name, dom in doms.items()}
    for name, dom in doms.items():
        assert 'class="site-nav"' in dom and 'class="site-pager"' in dom, name
        assert not DIRECTIVE.search(_text(dom)), f'{name}: directive shows: {DIRECTIVE.search(_text(dom)).group(0)!r}'
        for url in browser.fetched_urls(dom):  # what the page loads: inline data, or a file of the site
            if url.startswith('data:'): continue
            assert not urlsplit(url).scheme or urlsplit(url).scheme == 'file', f'{name} loads {url}'
            assert (site/unquote(urlsplit(url).path)).exists(), f'{name} loads missing {url}'
        for href in re.findall(r'<a\b[^>]*\shref="([^"]*)"', dom):
            u = urlsplit(html.unescape(href))
            if u.scheme in ('http', 'https', 'mailto'): continue
            target = unquote(u.path) or name
            assert (site/target).exists(), f'{name}: broken link {href}'
            if u.fragment and target in ids:
                assert {u.fragment, unquote(u.fragment)} & ids[target], f'{name}: no anchor for {href}'

def check_formulas(doms):
    for name in MATH_PAGES:
        dom = doms[name]
        n = dom.count('class="MathJax"')  # one per formula, inline or display
        assert n > 0 and n == dom.count('type="math/tex'), f'{name}: MathJax rendered {n} formulas (raw TeX left?)'
        assert 'class="MathJax_Error"' not in dom and 'class="merror"' not in dom, name

def check_api_entries(doms):
    dom = doms['91_site.html']
    assert 'id="lesson_table"' in dom and 'class="api-args"' in dom and '<code>nbs_dir</code>' in dom
    assert 'href="91_site.html#lesson_table">91_site.ipynb</a>' in dom  # the entry links to the notebook defining it
    assert '<a href="91_site.html#lesson_table"><code>lesson_table</code></a>' in doms['api.html']
    assert '<a href="91_site.html#lesson_table"><code>lesson_table</code></a>' in dom  # backticked names in the text

def take_screenshot(site, tmp_path):
    p = browser.screenshot((site/'00b_stats.html').as_uri(), tmp_path/'site-lesson.png', size=(1280, 1400))
    browser.check_png(p)
    browser.keep_screenshot(p, 'site-lesson.png')

# One test, so that pytest-xdist's two workers don't each build the site and open every page.
def test_site_offline(tmp_path):
    site = build(tmp_path/'_docs')
    check_pages(site)
    if browser.CHROMIUM is None: pytest.skip(f'the pages are built and their files check out; {browser.NO_CHROMIUM}')
    doms = dump_all(site)
    check_in_browser(site, doms)
    check_formulas(doms)
    check_api_entries(doms)
    take_screenshot(site, tmp_path)
