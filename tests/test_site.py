"""The offline docs site (`dlcourse docs`): built once from the committed notebooks; every page checked from its HTML,
and the pages whose scripts do something opened in headless Chromium with the network cut.

Every page, as written: one per notebook plus the API index, the nav and pager, no directive left in the text, every
file a tag loads is in the site (nothing from the network), every link and anchor resolves.

In Chromium, after the scripts ran: every page whose text holds TeX (MathJax must typeset each formula, without an
error), every page carrying a script of its own, and one page of each other kind (the home page, the API index, a
lesson without formulas). On those pages the DOM must load nothing from the network and no missing file, and no
script may throw (Chromium's console log).

The trade-off: a page that is not opened is checked as HTML only. All pages come from one template whose only scripts
are MathJax's, and MathJax acts on formulas alone, so a page without TeX or a script of its own behaves like the
lesson that is opened; the HTML checks catch a broken page, a link or a load from the network on every page. Opening
all 29 pages cost about 35 s of CPU (1.2 s each), and found nothing that this split would miss.
"""
import html, re, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlsplit
import pytest
from conftest import ROOT, fresh_env
import browser

DIRECTIVE = re.compile(r'^\s*#\|\s*(export|exports|exporti|default_exp|hide|eval:|slow|kaggle|cuda)\b', re.M)
TEX = re.compile(r'(?<!\\)\$[^$\s][^$]*?(?<!\\)\$|\\\(|\\\[')  # what MathJax's tex2jax looks for: $..$ $$..$$ \( \[
TEMPLATE_SCRIPTS = 2  # every page: MathJax's configuration and MathJax itself
SAMPLE = ['index.html', 'api.html', '10_choosing_model.html']  # the home page, the API index, a lesson with plots
MATH_PAGES = ['01_pytorch_basics.html', '02_neural_net.html', '03_sgd_titanic.html']  # known to have formulas

def build(dest: Path) -> Path:
    "The site in `dest`, built by `dlcourse docs` in a fresh process (the lessons' imports stay out of pytest)"
    t0 = time.time()
    r = subprocess.run([str(Path(sys.executable).parent/'dlcourse'), 'docs', '--out', str(dest)], cwd=ROOT,
                       capture_output=True, text=True, timeout=300, env=fresh_env())
    assert r.returncode == 0, r.stdout + r.stderr
    print(f'site built in {time.time() - t0:.0f}s')
    return dest

def _text(dom: str) -> str:
    "The visible text of a page, one line per source line in code blocks"
    dom = re.sub(r'<(script|style)\b.*?</\1>', '', dom, flags=re.S | re.I)
    return html.unescape(re.sub(r'<[^>]+>', '', dom))

def _prose(page: str) -> str:
    "The text MathJax reads: the visible text outside code blocks"
    return _text(re.sub(r'<(code|pre)\b.*?</\1>', '', page, flags=re.S | re.I))

def _ids(dom: str) -> set: return set(re.findall(r'\bid="([^"]+)"', dom))

def check_loads(site, name, dom):
    "Every file the page loads is inline data or a file of the site: nothing from the network"
    for url in browser.fetched_urls(dom):
        if url.startswith('data:'): continue
        u = urlsplit(url)
        assert u.scheme in ('', 'file') and not u.netloc, f'{name} loads {url}'
        assert (site/unquote(urlsplit(url).path)).exists(), f'{name} loads missing {url}'

def check_pages(site) -> dict:
    "Every page as written: one per notebook (and the API index), nav and pager, no directive, loads, links, anchors"
    nbs = sorted(p.stem for p in (ROOT/'nbs').glob('*.ipynb') if not p.name.startswith(('_', '.')))
    pages = {p.name: p.read_text() for p in sorted(site.glob('*.html'))}
    assert sorted(Path(n).stem for n in pages) == sorted(nbs + ['api'])  # and the API index
    ids = {name: _ids(page) for name, page in pages.items()}
    for name, page in pages.items():
        assert 'class="site-nav"' in page and 'class="site-pager"' in page, name
        assert not DIRECTIVE.search(_text(page)), f'{name}: directive shows: {DIRECTIVE.search(_text(page)).group(0)!r}'
        assert not [u for u in browser.fetched_urls(page) if 'require' in u], name  # no require.js from a CDN
        check_loads(site, name, page)
        for href in re.findall(r'<a\b[^>]*\shref="([^"]*)"', page):
            u = urlsplit(html.unescape(href))
            if u.scheme in ('http', 'https', 'mailto'): continue
            target = unquote(u.path) or name
            assert (site/target).exists(), f'{name}: broken link {href}'
            if u.fragment and target in ids:
                assert {u.fragment, unquote(u.fragment)} & ids[target], f'{name}: no anchor for {href}'
    assert '<a href="03_sgd_titanic.html"><code>03_sgd_titanic.ipynb</code></a>' in pages['index.html']  # lesson table
    return pages

def check_api_entries(pages):
    page = pages['91_site.html']
    assert 'id="lesson_table"' in page and 'class="api-args"' in page and '<code>nbs_dir</code>' in page
    assert 'href="91_site.html#lesson_table">91_site.ipynb</a>' in page  # the entry links to the notebook defining it
    assert '<a href="91_site.html#lesson_table"><code>lesson_table</code></a>' in pages['api.html']
    assert '<a href="91_site.html#lesson_table"><code>lesson_table</code></a>' in page  # backticked names in the text

def to_open(pages) -> dict:
    "{page: has TeX} for the pages opened in Chromium: those with TeX or scripts of their own, and the `SAMPLE`"
    tex = {name for name, page in pages.items() if TEX.search(_prose(page))}
    scripted = {name for name, page in pages.items() if page.count('<script') > TEMPLATE_SCRIPTS}
    assert set(MATH_PAGES) <= tex, f'formulas not found in {set(MATH_PAGES) - tex}: is the TeX detection broken?'
    return {name: name in tex for name in sorted(tex | scripted | set(SAMPLE))}

def check_in_browser(site, opened: dict):
    "Each page's DOM and console after its scripts ran, six browsers at a time (each mostly waits on its start-up)"
    with ThreadPoolExecutor(6) as ex:
        res = dict(zip(opened, ex.map(lambda n: browser.dump_dom_and_errors((site/n).as_uri(), budget_ms=3000), opened)))
    for name, (dom, errors) in res.items():
        assert not errors, f'{name}: script errors {errors}'
        check_loads(site, name, dom)  # the DOM after the scripts ran: what MathJax added, too
        n = dom.count('class="MathJax"')  # one per formula, inline or display
        if opened[name]:
            assert n > 0 and n == dom.count('type="math/tex'), f'{name}: MathJax rendered {n} formulas (raw TeX left?)'
            # a TeX error: MathJax's noErrors extension shows the source (class noError), its MathML has <merror>
            errs = [e for e in ('class="MathJax_Error"', 'class="merror"', 'class="noError"', '<merror>') if e in dom]
            assert not errs, f'{name}: MathJax could not typeset a formula ({errs})'
        else: assert n == 0, f'{name}: MathJax typeset {n} formulas that the TeX detection missed'

def take_screenshot(site, tmp_path):
    p = browser.screenshot((site/'00b_stats.html').as_uri(), tmp_path/'site-lesson.png', size=(1280, 1400))
    browser.check_png(p)
    browser.keep_screenshot(p, 'site-lesson.png')

# One test, so that pytest-xdist's two workers don't each build the site.
@pytest.mark.costly(cpu_s=28)
def test_site_offline(tmp_path):
    site = build(tmp_path/'_docs')
    pages = check_pages(site)
    check_api_entries(pages)
    if browser.CHROMIUM is None: pytest.skip(f'the pages are built and their HTML checks out; {browser.NO_CHROMIUM}')
    opened = to_open(pages)
    print(f'opened in Chromium: {", ".join(opened)}')
    check_in_browser(site, opened)
    take_screenshot(site, tmp_path)
