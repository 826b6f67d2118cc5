"""Page templates carry no inline script: the Content-Security-Policy would block it. (Emails are
not pages; the browser test in test_csp_browser.py checks the rendered pages themselves.)"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INLINE = [
    (
        re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
        "inline <script>",
    ),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on… event attribute"),
    (re.compile(r"(href|src|action)\s*=\s*[\"']?\s*javascript:", re.I), "javascript: URL"),
    (re.compile(r"\bhx-on", re.I), "hx-on (needs eval)"),
]


def test_no_page_template_has_inline_script():
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        if "notifications" in path.parts:
            continue
        text = path.read_text()
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert found == []
