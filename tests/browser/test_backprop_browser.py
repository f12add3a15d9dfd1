"""The Backprop page in Chromium at 1400, 800 (sidebar open) and 390 px (a phone).

What a person would see: no formula clipped (every part of every KaTeX formula visible: not
cut by its own box, a scroll box, a column or the window) and no two formulas or controls
on top of each other. A formula that fits only by scrolling counts as clipped here: on a
phone the scroll bar is hidden, and the user who reported issue 8 saw it as cut off.
"""

import pytest

from tests.browser.harness import error_count, wait_ready

URL_PATH = "/backprop"

# For each formula: its TeX source, the rectangle its glyphs cover ("ink") and the part of
# the page through which it can be seen (its own box and every ancestor that clips, within
# the window). For each element (formula, text, widget, chart): the rectangle of its ink.
LAYOUT_JS = r"""() => {
  const rect = r => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom});
  const union = rs => rs.length ? {left: Math.min(...rs.map(r => r.left)),
    right: Math.max(...rs.map(r => r.right)), top: Math.min(...rs.map(r => r.top)),
    bottom: Math.max(...rs.map(r => r.bottom))} : null;
  const ink = k => union(Array.from(k.querySelectorAll('.katex-html > .base, .katex-html > .tag'))
    .map(b => b.getBoundingClientRect()).filter(r => r.width > 0).map(rect));
  const tex = k => { const a = k.querySelector('annotation');
                     return a ? a.textContent : k.textContent; };
  const shown = e => { const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.right > 0 && r.left < innerWidth; };
  const formulas = Array.from(document.querySelectorAll('.katex-display')).filter(shown).map(k => {
    let visible = {left: 0, right: innerWidth};
    for (let e = k; e && e !== document.body; e = e.parentElement) {
      if (getComputedStyle(e).overflowX !== 'visible') { const r = e.getBoundingClientRect();
        visible = {left: Math.max(visible.left, r.left), right: Math.min(visible.right, r.right)}; }
    }
    return {tex: tex(k), ink: ink(k), visible: visible,
            scrolls: ['auto', 'scroll'].includes(getComputedStyle(k).overflowX),
            clientWidth: k.clientWidth, scrollWidth: k.scrollWidth};
  });
  const elements = Array.from(document.querySelectorAll('[data-testid="stElementContainer"]'))
    .filter(shown).map(e => {
      const md = e.querySelector('[data-testid="stMarkdownContainer"]');
      const katex = e.querySelector('.katex-display');
      let r = null;
      if (katex) r = ink(katex);
      else if (md && !e.querySelector('label, button, input, [role="slider"]'))
        r = union(Array.from(md.children).map(c => c.getBoundingClientRect())
                  .filter(c => c.width > 0).map(rect));
      if (!r) r = rect(e.getBoundingClientRect());
      const name = katex ? tex(katex) : (e.innerText || '').trim().slice(0, 60) ||
        ((e.querySelector('[data-testid]') || e).dataset.testid);
      return {name: name, box: r};
    });
  return {formulas: formulas, elements: elements, width: innerWidth};
}"""


def overlap(a, b, tolerance=1.0) -> bool:
    return (min(a["right"], b["right"]) - max(a["left"], b["left"]) > tolerance
            and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > tolerance)


def layout_problems(layout) -> list[str]:
    problems = []
    for f in layout["formulas"]:
        ink, visible = f["ink"], f["visible"]
        if ink is None:
            problems.append(f"formula rendered nothing: {f['tex'][:80]}")
            continue
        # the glyphs, not scrollWidth: KaTeX's struts make scrollWidth 2 px wider than a
        # box that shows every glyph
        if ink["left"] < visible["left"] - 1 or ink["right"] > visible["right"] + 1:
            problems.append(f"clipped formula (ink {ink['left']:.0f}-{ink['right']:.0f} px, "
                            f"visible {visible['left']:.0f}-{visible['right']:.0f} px, box "
                            f"{f['clientWidth']} px, content {f['scrollWidth']} px, "
                            f"scrolls={f['scrolls']}): {f['tex'][:80]}")
    elements = layout["elements"]
    for i, a in enumerate(elements):
        for b in elements[i + 1:]:
            if overlap(a["box"], b["box"]):
                problems.append(f"overlap: {a['name']!r} and {b['name']!r}")
    return problems


def open_backprop(browser, app_url, width):
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    page.goto(app_url + URL_PATH)
    wait_until_drawn(page)
    return context, page


def wait_until_drawn(page):
    """Both charts drawn, TensorFlow's check shown and the script run finished."""
    page.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 2"
        " && document.body.innerText.includes('Checked against TensorFlow')", timeout=180_000)
    wait_ready(page)
    page.wait_for_timeout(500)  # let KaTeX and the flex rows settle


def sidebar_open(page) -> bool:
    box = page.get_by_test_id("stSidebar").bounding_box()
    return bool(box and box["width"] > 0 and box["x"] + box["width"] > 0)


def set_slider(page, label, value):
    slider = (page.get_by_test_id("stSidebar").get_by_test_id("stSlider")
              .filter(has_text=label).first.get_by_role("slider"))
    slider.focus()
    for _ in range(10):
        now = int(slider.get_attribute("aria-valuetext"))
        if now == value:
            return
        page.keyboard.press("ArrowRight" if now < value else "ArrowLeft")
        page.wait_for_timeout(150)
    raise AssertionError(f"slider {label} stuck at {slider.get_attribute('aria-valuetext')}")


def largest_network(page):
    """Four inputs, four hidden units, three classes: the widest matrices the page can show."""
    was_open = sidebar_open(page)
    if not was_open:
        page.get_by_test_id("stExpandSidebarButton").click()
        page.wait_for_timeout(600)
    for label, value in (("Inputs", 4), ("Hidden units", 4), ("Outputs (classes)", 3)):
        set_slider(page, label, value)
        wait_ready(page)
    page.wait_for_function(  # x shows four inputs
        "() => Array.from(document.querySelectorAll('annotation')).some(a =>"
        " a.textContent.startsWith('x = \\\\begin{bmatrix}')"
        " && a.textContent.split('&').length == 4)", timeout=60_000)
    if not was_open:
        page.get_by_test_id("stSidebar").hover()
        page.get_by_test_id("stSidebarCollapseButton").click()
        page.wait_for_timeout(600)
    wait_until_drawn(page)


@pytest.mark.parametrize("width", [1400, 800, 390])
def test_no_formula_is_clipped_and_nothing_overlaps(browser, app_url, width):
    context, page = open_backprop(browser, app_url, width)
    try:
        assert sidebar_open(page) == (width > 640), "the sidebar's default state changed"
        assert error_count(page) == 0
        layout = page.evaluate(LAYOUT_JS)
        assert len(layout["formulas"]) >= 20 and len(layout["elements"]) >= 30
        assert layout_problems(layout) == []

        largest_network(page)
        assert sidebar_open(page) == (width > 640)
        assert error_count(page) == 0
        layout = page.evaluate(LAYOUT_JS)
        assert any(f["tex"].startswith(r"\left.\frac{\partial L}{\partial W_2}") for f in
                   layout["formulas"]), "TensorFlow's check is missing"
        assert layout_problems(layout) == []
    finally:
        context.close()


def test_the_checks_catch_what_issue_8_reported():
    """The two checks themselves: a formula cut by its scroll box, and two boxes touching."""
    cut = {"tex": "W", "ink": {"left": 10, "right": 500, "top": 0, "bottom": 20},
           "visible": {"left": 10, "right": 300}, "scrolls": True, "clientWidth": 290,
           "scrollWidth": 490}
    fits = {**cut, "ink": {"left": 10, "right": 300, "top": 0, "bottom": 20}, "scrollWidth": 292}
    a = {"name": "a", "box": {"left": 0, "right": 100, "top": 0, "bottom": 50}}
    b = {"name": "b", "box": {"left": 90, "right": 200, "top": 40, "bottom": 90}}
    c = {"name": "c", "box": {"left": 100, "right": 200, "top": 0, "bottom": 50}}
    assert len(layout_problems({"formulas": [cut], "elements": []})) == 1
    assert layout_problems({"formulas": [fits], "elements": [a, c]}) == []
    assert layout_problems({"formulas": [], "elements": [a, b]}) == ["overlap: 'a' and 'b'"]
