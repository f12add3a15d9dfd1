"""Every page at 1400, 800 and 390 px wide: no control covered by another element, no cut
button or metric label, no formula clipped at the edge.

The viewport is made tall enough to hold the whole page, so that every control can be
probed with ``document.elementFromPoint`` at its centre: whatever answers must be the
control itself (or a part of it), not a chart or a toolbar lying over it.
"""

import pytest

from tests.browser.harness import wait_ready

PAGES = {"home": "", "mlp": "mlp", "cnn": "cnn", "backprop": "backprop"}
WIDTHS = (1400, 800, 390)

LAYOUT_PROBLEMS_JS = """() => {
  const problems = [];
  const shown = el => { for (let e = el; e; e = e.parentElement) {  // toolbars that appear
      if (parseFloat(getComputedStyle(e).opacity) === 0) return false; }  // on hover are 0
    return true; };
  const visible = el => { const r = el.getBoundingClientRect();
    return r.width > 2 && r.height > 2 && getComputedStyle(el).visibility !== 'hidden' &&
           shown(el); };
  const name = el => (el.innerText || el.getAttribute('aria-label') || el.tagName)
    .trim().replace(/\\s+/g, ' ').slice(0, 40);
  const controls = document.querySelectorAll(
    '[data-testid="stMain"] button, [data-testid="stMain"] [role="slider"], ' +
    '[data-testid="stMain"] input, [data-testid="stMain"] [role="tab"], ' +
    '[data-testid="stSidebar"] button, [data-testid="stSidebar"] [role="slider"]');
  for (const el of controls) {
    if (!visible(el) || el.closest('[aria-hidden="true"]')) continue;
    // radio buttons and checkboxes draw their own mark over a hidden <input>
    if (el.tagName === 'INPUT' && ['radio', 'checkbox'].includes(el.type)) continue;
    const r = el.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) continue;
    const hit = document.elementFromPoint(x, y);
    if (hit && !el.contains(hit) && !hit.contains(el)) {
      problems.push(`"${name(el)}" is covered by <${hit.tagName.toLowerCase()} ` +
                    `class="${String(hit.className.baseVal ?? hit.className).slice(0, 40)}">`);
    }
  }
  const labels = document.querySelectorAll(
    '[data-testid="stMain"] button p, [data-testid="stMetricLabel"] p, ' +
    '[data-testid="stMetricLabel"] div');
  for (const el of labels) {
    if (visible(el) && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`label "${name(el)}" is cut (${el.scrollWidth} > ${el.clientWidth} px)`);
    }
  }
  for (const el of document.querySelectorAll('.katex-display, .katex')) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    let box = el.parentElement, scrolls = false;
    for (; box && box !== document.body; box = box.parentElement) {
      const overflow = getComputedStyle(box).overflowX;
      if (overflow === 'auto' || overflow === 'scroll') { scrolls = true; break; }
    }
    if (!scrolls && r.right > innerWidth + 1) {
      problems.push(`formula "${name(el)}" runs past the right edge (${Math.round(r.right)} px)`);
    }
  }
  return problems;
}"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_name", list(PAGES))
def test_nothing_covered_cut_or_clipped(browser, app_url, page_name, width):
    context = browser.new_context(viewport={"width": width, "height": 4000})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/{PAGES[page_name]}")
        wait_ready(page)
        page.wait_for_timeout(1500)  # charts and formulas are drawn after the script ends
        problems = page.evaluate(LAYOUT_PROBLEMS_JS)
        assert problems == [], f"{page_name} at {width} px: {problems}"
    finally:
        context.close()
