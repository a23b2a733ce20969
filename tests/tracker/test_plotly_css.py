"""static/vendor/plotly/plotly.css is exactly the stylesheet the vendored plotly.js would inject.

plotly.js writes its global rules into a <style> element at start-up, which
style-src 'self' forbids. It skips that when the page already has an element
with id "plotly.js-style-global" and class "no-inline-styles" (plotly.js
PR #7109), so templates/tracker/_plotly.html links this file under that id.
The rules live in the bundle; this test fails when a re-vendored bundle's
rules differ from the file, and running this module writes the new file:

    .venv/bin/python tests/tracker/test_plotly_css.py > static/vendor/plotly/plotly.css
"""

import re
import sys
from pathlib import Path

PLOTLY = Path(__file__).resolve().parent.parent.parent / "static" / "vendor" / "plotly"
# One "selector":'declarations' pair of the bundle's rule table; the minifier leaves a
# selector that is a plain name (Y) unquoted and quotes declarations with ' or ".
PAIR = re.compile(
    r"""\s*,?\s*(?:"((?:[^"\\]|\\.)*)"|([A-Za-z_$][\w$]*))\s*:\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")"""
)


def bundle_rules(bundle: str) -> list[tuple[str, str]]:
    """(selector, declarations) in the bundle's order, selectors expanded as plotly does."""
    start = bundle.index('{"X,X div":') + 1
    rules, pos = [], start
    while bundle[pos] != "}":
        match = PAIR.match(bundle, pos)
        if match is None:
            raise ValueError(f"unexpected text in plotly's rule table: {bundle[pos : pos + 80]!r}")
        selector = match.group(1) if match.group(1) is not None else match.group(2)
        declarations = match.group(3) if match.group(3) is not None else match.group(4)
        # The same rewriting as the bundle's own loop: X is the plot, Y the notifier.
        selector = (
            re.sub(r"^,", " ,", selector).replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        )
        rules.append((selector, declarations))
        pos = match.end()
    return rules


def render_css(rules: list[tuple[str, str]]) -> str:
    head = (
        "/* plotly.js's global rules, taken from plotly-basic.min.js by tests/tracker/test_plotly_css.py\n"
        "   (regenerate with it after re-vendoring). plotly inserts each rule at the top of its sheet,\n"
        "   so the last rule in the bundle comes first here: the cascade is the same as plotly's own. */\n"
    )
    return head + "".join(f"{selector} {{{declarations}}}\n" for selector, declarations in reversed(rules))


def test_plotly_css_holds_every_rule_of_the_vendored_bundle_in_plotlys_order():
    rules = bundle_rules((PLOTLY / "plotly-basic.min.js").read_text(encoding="utf-8"))
    assert len(rules) > 50  # the table was found, not an empty match
    assert (PLOTLY / "plotly.css").read_text(encoding="utf-8") == render_css(rules)


def test_the_modebar_and_hover_rules_are_among_them():
    css = (PLOTLY / "plotly.css").read_text(encoding="utf-8")
    assert ".js-plotly-plot .plotly .main-svg {position:absolute;" in css
    assert ".js-plotly-plot .plotly .modebar {position:absolute;top:2px;right:2px;}" in css


if __name__ == "__main__":
    sys.stdout.write(render_css(bundle_rules((PLOTLY / "plotly-basic.min.js").read_text(encoding="utf-8"))))
