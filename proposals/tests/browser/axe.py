"""axe-core in a browser test: served from node_modules (never a CDN), run on the page as it is."""

from pathlib import Path

from django.conf import settings

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page) -> list[dict]:
    """The page's critical and serious violations (id, impact, help, the first three nodes).

    axe-core goes in as an inline script: open the page with `bypass_csp=True` (the CSP itself is
    checked by incubator/tests/test_csp_browser.py)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const result = await axe.run(document);
            return {
                passed: result.passes.length,
                violations: result.violations
                    .filter(v => v.impact === "critical" || v.impact === "serious")
                    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))})),
            };
        }"""
    )
    assert result["passed"] > 10, "axe-core did not run its rules"
    return result["violations"]
