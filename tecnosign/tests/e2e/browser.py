"""What the end-to-end tests check on every page they look at: screenshots at a phone's and a desktop's width,
layout, labels, error announcements, keyboard use and axe-core.

The checks are collected per page and reported together, so one run shows everything a page gets wrong.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

WIDTHS = {390: 844, 1280: 900}  # viewport width → height (an iPhone 12-14, a laptop)
AXE_SOURCE = settings.BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
PKI_BUNDLE = settings.BASE_DIR / "static" / "vendor" / "pki.js"
BLOCKING_IMPACTS = ("serious", "critical")


def screenshots_dir() -> Path:
    """`$ARTIFACTS_DIR/screenshots` (CI keeps the folder), `artifacts/screenshots` at the top by default."""
    base = Path(os.environ.get("ARTIFACTS_DIR") or "artifacts")
    if not base.is_absolute():
        base = settings.BASE_DIR / base
    folder = base / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def set_width(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def screenshot(page, name: str, width: int) -> Path:
    path = screenshots_dir() / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def shoot_both(page, name: str) -> None:
    """Screenshots only (the back office is Django's admin: its accessibility is Django's)."""
    for width in WIDTHS:
        set_width(page, width)
        screenshot(page, name, width)


# One pass over the DOM: horizontal scroll, a label on every form field, every error tied to its field.
LAYOUT_AND_FORMS = """
() => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth) {
    const wide = [...document.querySelectorAll('body *')]
      .filter(el => el.getBoundingClientRect().right > doc.clientWidth + 1)
      .filter(el => !el.closest('.table-scroll'))
      .slice(0, 3).map(el => el.outerHTML.slice(0, 120));
    problems.push(`horizontal scroll: ${doc.scrollWidth}px of content in ${doc.clientWidth}px — ${wide.join(' | ')}`);
  }
  const describe = el => `${el.tagName.toLowerCase()}[name=${el.name || '?'}]#${el.id || '?'}`;
  const byIds = value => (value || '').split(/\\s+/).filter(Boolean).map(id => document.getElementById(id));
  const fields = [...document.querySelectorAll('input, select, textarea')]
    .filter(el => !['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type));
  for (const el of fields) {
    const labelled = (el.labels && [...el.labels].some(l => l.textContent.trim()))
      || (el.getAttribute('aria-label') || '').trim()
      || byIds(el.getAttribute('aria-labelledby')).some(ref => ref && ref.textContent.trim());
    if (!labelled) problems.push(`field without a label: ${describe(el)}`);
  }
  const invalid = fields.filter(el => el.getAttribute('aria-invalid') === 'true');
  const announced = new Set();
  for (const el of invalid) {
    const errors = byIds(el.getAttribute('aria-describedby'))
      .filter(ref => ref && ref.matches('.errorlist, [id$="_error"]') && ref.textContent.trim());
    if (!errors.length) {
      problems.push(`invalid field without its error in aria-describedby: ${describe(el)}`);
      continue;
    }
    for (const error of errors) {
      announced.add(error);
      // A radio group's error sits by the group: its fieldset, or the form when the group spans several (days).
      const boxes = ['radio', 'checkbox'].includes(el.type)
        ? [el.closest('.field'), el.closest('fieldset'), el.closest('form')] : [el.closest('.field, fieldset')];
      if (!boxes.some(box => box && box.contains(error)))
        problems.push(`error of ${describe(el)} is not next to the field`);
    }
  }
  for (const list of document.querySelectorAll('ul.errorlist:not(.nonfield)')) {
    const owner = list.closest('[id$="_error"]') || list;
    if (list.textContent.trim() && !announced.has(list) && !announced.has(owner))
      problems.push(`error not tied to any field: "${list.textContent.trim().slice(0, 80)}"`);
  }
  return problems;
}
"""

_AXE_RUN = """
async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ')),
  }));
}
"""

_FOCUS_VISIBLE = """
el => {
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  const ring = style.boxShadow && style.boxShadow !== 'none';
  return outline || ring;
}
"""


def axe_violations(page) -> list[dict]:
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        # Evaluated through DevTools, as a test's own code: a <script> tag added to the page would be an inline
        # script, which the portal's Content-Security-Policy refuses (and `watch_csp` would report).
        page.evaluate(AXE_SOURCE.read_text())
    return page.evaluate(_AXE_RUN)


# Every Content-Security-Policy violation of every page and frame of a context, as the browser raises it.
_CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.__tecnosignCspViolation({
    page: location.pathname, directive: event.effectiveDirective, blocked: event.blockedURI,
    source: event.sourceFile, line: event.lineNumber, sample: event.sample,
  });
});
"""


def watch_csp(context) -> list[dict]:
    """The list the context's CSP violations are appended to, from now on (before any page script runs)."""
    violations: list[dict] = []
    context.expose_binding("__tecnosignCspViolation", lambda source, violation: violations.append(violation))
    context.add_init_script(_CSP_LISTENER)
    return violations


@dataclass
class PageReport:
    name: str
    problems: list[str] = field(default_factory=list)
    minor: list[str] = field(default_factory=list)  # axe's moderate/minor findings, reported but not failing

    def add(self, width: int, problem: str) -> None:
        self.problems.append(f"[{width}px] {problem}")

    def assert_clean(self) -> None:
        assert not self.problems, f"{self.name}:\n  " + "\n  ".join(self.problems)


def tab_to(page, target, *, limit: int = 120) -> bool:
    """Press Tab from the top of the page until `target` (a locator) has the focus."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return True
    return False


def inspect_page(
    page,
    name: str,
    *,
    primary: str,
    reopen: Callable[[], None],
    expect_errors: bool = False,
    in_page: str | None = None,
) -> PageReport:
    """Screenshot and check the page at both widths; `primary` (a Playwright selector) is its main action.

    The main action is reached with Tab and activated from the keyboard (Enter on a link, Space on a button),
    which leaves the page, so `reopen()` brings the same page back for the next width. `in_page`: the action is a
    form the page's script handles without leaving (the A1 issuance page); the script counts each submission in
    the form's `data-attempts`, and the activation is seen there instead.
    """
    report = PageReport(name)
    for index, width in enumerate(WIDTHS):
        if index:
            reopen()
        set_width(page, width)
        screenshot(page, name, width)
        for problem in page.evaluate(LAYOUT_AND_FORMS):
            report.add(width, problem)
        if expect_errors and not page.locator("[aria-invalid=true]").count():
            report.add(width, "expected the form's errors on the page, found no invalid field")
        for violation in axe_violations(page):
            text = f"axe {violation['impact']} {violation['id']}: {violation['help']} — {violation['nodes']}"
            (report.add(width, text) if violation["impact"] in BLOCKING_IMPACTS else report.minor.append(text))
        _check_keyboard(page, report, width, primary, in_page)
    return report


def _check_keyboard(page, report: PageReport, width: int, primary: str, in_page: str | None) -> None:
    target = page.locator(primary).first
    if not target.count():
        report.add(width, f"primary action {primary!r} not on the page")
        return
    if not tab_to(page, target):
        report.add(width, f"Tab never reaches the primary action {primary!r}")
        return
    if not target.evaluate(_FOCUS_VISIBLE):
        report.add(width, f"no visible focus on the primary action {primary!r}")
    key = "Enter" if target.evaluate("el => el.tagName") == "A" else "Space"
    if in_page:
        before = page.get_attribute(in_page, "data-attempts")
        page.keyboard.press(key)
        page.wait_for_function(
            "([form, before]) => document.querySelector(form).dataset.attempts !== before", arg=[in_page, before]
        )
        return
    with page.expect_event("framenavigated", predicate=lambda frame: frame == page.main_frame, timeout=30_000):
        page.keyboard.press(key)
    page.wait_for_load_state()
