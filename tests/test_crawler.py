"""A first-time user's walk: log in as each demo role of `seed_demo`, open every menu entry and the first record of
every list, and fail on what a person should never see: an HTTP error, a Python repr (`{'a': True}`, `[]`,
`None`, `True`), an English role code, an untranslated column header, or a static file the page names that
does not exist."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

ROLE_CODES = (
    "field_officer",
    "squad_leader",
    "brigade_leader",
    "legal_reviewer",
    "command_center",
    "leadership",
    "evidence_admin",
    "system_admin",
    "security_admin",
    "audit_admin",
    "operations",
)
# Python values leaking into text: reprs of dicts / lists / None / booleans
REPRS = re.compile(r"\{'[^']*':|\{\}|\[\]|\[\'|(?<![\w-])(None|True|False)(?![\w-])")
# Column headers that are fine in Latin letters (acronyms a Chinese user reads as they are)
LATIN_HEADERS = {
    "ID",
    "IP",
    "MMSI",
    "IMO",
    "AIS",
    "API",
    "URL",
    "GPS",
    "NFC",
    "SM3",
    "SM4",
    "Excel",
    "PDF",
    "IMEI",
    "IMSI",
    "SIM",
}
# Pages where a role code is the record's own identifier (the role administration's 角色编码 column)
ROLE_CODE_PAGES = re.compile(r"^/org/role/")
SKIP_PATHS = ("/logout", "/login", "/api/", "/static/", "/media/", "/healthz", "/readyz")
# Binary or streaming answers: opened for their status only
NON_HTML = ("application/", "image/", "video/", "text/csv", "text/event-stream")


class PageText(HTMLParser):
    """The visible text of a page, its table headers, its links and the static files it names."""

    HIDDEN = {"script", "style", "template", "textarea", "noscript"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.headers: list[str] = []
        self.links: list[tuple[str, set[str]]] = []
        self.statics: list[str] = []
        self._hidden = 0
        self._th: list[str] | None = None
        self._nav = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "th":
            self._th = []
        if tag == "nav" or a.get("id") == "side-menu":
            self._nav += 1
        if tag == "a" and a.get("href"):
            classes = set((a.get("class") or "").split())
            if self._nav:
                classes.add("in-nav")
            self.links.append((a["href"], classes))
        for name in ("src", "href"):
            value = a.get(name) or ""
            if value.startswith("/static/"):
                self.statics.append(value)

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1
        if tag == "th" and self._th is not None:
            self.headers.append("".join(self._th).strip())
            self._th = None
        if tag == "nav" and self._nav:
            self._nav -= 1

    def handle_data(self, data):
        if self._hidden:
            return
        self.text.append(data)
        if self._th is not None:
            self._th.append(data)


def _problems(html: str, url: str = "/") -> tuple[list[str], PageText]:
    page = PageText()
    page.feed(html)
    text = " ".join(" ".join(page.text).split())
    found = []
    for m in REPRS.finditer(text):
        found.append(f"Python 值：…{text[max(0, m.start() - 30) : m.end() + 30]}…")
    for code in () if ROLE_CODE_PAGES.match(url) else ROLE_CODES:
        if re.search(rf"(?<![\w/]){code}(?![\w/])", text):
            found.append(f"英文角色编码：{code}")
    for header in page.headers:
        if re.fullmatch(r"[A-Za-z_][A-Za-z_ ]*", header) and header not in LATIN_HEADERS:
            found.append(f"未翻译的列名：{header}")
    for static in page.statics:
        path = urlsplit(static).path.removeprefix("/static/")
        if not finders.find(path):
            found.append(f"静态文件不存在：{static}")
    return found, page


def _internal(href: str) -> str | None:
    if not href.startswith("/") or href.startswith("//"):
        return None
    if any(href.startswith(p) for p in SKIP_PATHS):
        return None
    return href.split("#")[0]


DETAIL = re.compile(r"^/[\w-]+/(?:[\w-]+/)*\d+/$")


@pytest.mark.django_db(transaction=False)
def test_every_demo_role_walks_its_pages_without_raw_values():
    from teis.org import demo

    call_command("seed_demo", stdout=io.StringIO())
    failures: list[str] = []
    for login in demo.DEMO_LOGINS:
        client = Client()
        assert client.login(username=login.username, password=demo.DEMO_PASSWORD), login.username
        home = client.get("/")
        assert home.status_code == 200
        problems, page = _problems(home.content.decode())
        failures += [f"{login.username} / : {p}" for p in problems]
        menu = [u for u in (_internal(h) for h, classes in page.links if "in-nav" in classes) if u]
        seen = {"/"}
        for url in dict.fromkeys(menu):
            failures += _visit(client, login.username, url, seen, follow_first_detail=True)
    assert not failures, "\n".join(failures[:80]) + f"\n（共 {len(failures)} 处）"


def _visit(client, who: str, url: str, seen: set[str], *, follow_first_detail: bool) -> list[str]:
    if url in seen:
        return []
    seen.add(url)
    response = client.get(url)
    if response.status_code in (301, 302):
        return []  # a menu entry that forwards (e.g. to its first tab) is followed by its own link
    if response.status_code >= 400:
        return [f"{who} {url}: HTTP {response.status_code}"]
    kind = response.get("Content-Type", "")
    if any(kind.startswith(k) for k in NON_HTML) or getattr(response, "streaming", False):
        return []
    problems, page = _problems(response.content.decode(), url)
    found = [f"{who} {url}: {p}" for p in problems]
    if follow_first_detail:
        details = [u for u in (_internal(h) for h, _ in page.links) if u and DETAIL.match(u) and u not in seen]
        if details:
            found += _visit(client, who, details[0], seen, follow_first_detail=False)
    return found


def test_the_checks_catch_what_a_person_should_never_see():
    html = (
        "<table><tr><th>status</th><th>MMSI</th><th>案件</th></tr></table>"
        "<p>{'cargo_uncovered': True}</p><p>None</p><p>[]</p><p>field_officer</p>"
        '<script src="/static/vendor/nothing-here.js"></script><script>var x = {}; var y = None;</script>'
        '<link href="/static/teis/teis.css" rel="stylesheet">'
    )
    problems, _ = _problems(html)
    text = "\n".join(problems)
    assert "{'cargo_uncovered':" in text and "None" in text and "[]" in text
    assert "英文角色编码：field_officer" in text
    assert "未翻译的列名：status" in text and "未翻译的列名：MMSI" not in text
    assert "静态文件不存在：/static/vendor/nothing-here.js" in text and "teis.css" not in text
    assert not _problems("<p>王晓明 · 第一中队</p>")[0]
