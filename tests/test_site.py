"""The offline docs site (`dlcourse docs`): built once from the committed notebooks, then every page opened in headless
Chromium with the network cut. Checks that formulas render, links and images resolve, and no directive shows."""
import html, re, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlsplit
import pytest
from conftest import ROOT, fresh_env
import browser

needs_chromium = pytest.mark.skipif(browser.CHROMIUM is None, reason=browser.NO_CHROMIUM)
MATH_PAGES = ['01_pytorch_basics.html', '02_neural_net.html', '03_sgd_titanic.html']  # lessons with $...$ formulas
DIRECTIVE = re.compile(r'^\s*#\|\s*(export|exports|exporti|default_exp|hide|eval:|slow|kaggle|cuda)\b', re.M)

@pytest.fixture(scope='module')
def site(tmp_path_factory):
    "The site, built by the command a learner runs (a fresh process: the lesson modules' imports stay out of pytest)"
    dest = tmp_path_factory.mktemp('site')/'_docs'
    t0 = time.time()
    r = subprocess.run([str(Path(sys.executable).parent/'dlcourse'), 'docs', '--out', str(dest)], cwd=ROOT,
                       capture_output=True, text=True, timeout=300, env=fresh_env())
    assert r.returncode == 0, r.stdout + r.stderr
    print(f'site built in {time.time() - t0:.0f}s')
    return dest

@pytest.fixture(scope='module')
def doms(site):
    "Every page's DOM after its scripts ran, six browsers at a time (each mostly waits on its own start-up)"
    pages = sorted(site.glob('*.html'))
    with ThreadPoolExecutor(6) as ex:
        doms = list(ex.map(lambda p: browser.dump_dom(p.as_uri(), budget_ms=3000), pages))
    return dict(zip([p.name for p in pages], doms))

def test_a_page_per_notebook(site):
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

@needs_chromium
def test_pages_offline_in_browser(site, doms):
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

@needs_chromium
def test_formulas_render(doms):
    for name in MATH_PAGES:
        dom = doms[name]
        n = dom.count('class="MathJax"')  # one per formula, inline or display
        assert n > 0 and n == dom.count('type="math/tex'), f'{name}: MathJax rendered {n} formulas (raw TeX left?)'
        assert 'class="MathJax_Error"' not in dom and 'class="merror"' not in dom, name

@needs_chromium
def test_api_entries(doms):
    dom = doms['91_site.html']
    assert 'id="lesson_table"' in dom and 'class="api-args"' in dom and '<code>nbs_dir</code>' in dom
    assert 'href="91_site.html#lesson_table">91_site.ipynb</a>' in dom  # the entry links to the notebook defining it
    assert '<a href="91_site.html#lesson_table"><code>lesson_table</code></a>' in doms['api.html']
    assert '<a href="91_site.html#lesson_table"><code>lesson_table</code></a>' in dom  # backticked names in the text

@needs_chromium
def test_lesson_screenshot(site, tmp_path):
    p = browser.screenshot((site/'00b_stats.html').as_uri(), tmp_path/'site-lesson.png', size=(1280, 1400))
    browser.check_png(p)
    browser.keep_screenshot(p, 'site-lesson.png')
