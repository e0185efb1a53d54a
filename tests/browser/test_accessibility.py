"""Every page each demo role can reach, on a 1366 x 800 laptop and a 390 x 844 phone, in each of the
interface's languages: axe-core finds no serious or critical violation, and the checks of
``tests/browser/layout.py`` hold (nothing off-screen, targets of 24 px, the heading near the top of
a phone screen, no English word or code left in a Russian or Bulgarian page).

The crawl follows the links on each page (GET only, never a download), one page per URL shape, so it
grows with the product. A shape is the app's own URL rule with its ids and content slugs folded:
``/reports/departments/7`` stands for every department page and ``/learn/courses/empathy`` for every
course, while ``/authoring/case/…`` and ``/authoring/quiz/…`` stay two pages. A link that redirects
to a page already audited (``/`` to the person's dashboard) is not audited again. A page's query
parameters are each tried at least once, not in every combination: ``?sort=…``, ``?columns=all`` and
``?from=…&to=…`` of a report are three visits, not the eight of all their mixes.
axe-core is vendored in ``tests/browser/vendor/`` (version and licence next to it) and injected
into each page as it loads; the counts per page are printed at the end of the run. A page with a
problem is kept as a screenshot in ``test-artifacts/tour/``; ``RAPPORT_TOUR_SHOTS=1`` keeps every page.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from tests.browser import layout
from tests.browser.conftest import ARTIFACTS, PHONE, login, use_language
from tests.conftest import A11Y_PROPERTY

AXE = next((Path(__file__).parent / "vendor").glob("axe-core-*/axe.min.js"))
AXE_SOURCE = AXE.read_text(encoding="utf-8")  # read once, run in each page as it loads (an init script)
ROLES = ["employee", "shopper", "trainer", "manager", "hr", "admin"]
MAX_PAGES = 90
# Downloads, sign-out, and links that only change the language or leave the site are not pages to audit.
SKIP = re.compile(r"format=|/download|/export|\.zip$|\.csv$|\.xlsx$|/evidence/|/static/|/logout|/api/|/lang/|/healthz")


def shape(path: str) -> str:
    """The URL with numbers and slugs folded, so each kind of page is visited once."""
    page, keys = _page_and_keys(path)
    return page + ("?" + "&".join(sorted(keys)) if keys else "")


@cache
def _routes():
    """The URL rules the live server serves (an app made only to read them), to tell which page a path is."""
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "tour", "TESTING": True})
    return app.url_map.bind("localhost")


RULE_ARGUMENT = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")


def _page_and_keys(path: str) -> tuple[str, frozenset[str]]:
    """The page's URL rule with ids (``N``) and content slugs (``S``) filled in, any other part of it as
    given (``/dashboard/hr``, ``/authoring/case/S``), and the names of its query parameters."""
    path, _, query = path.partition("?")
    keys = frozenset(part.split("=")[0] for part in query.split("&") if part)  # ?sort=a and ?sort=b alike
    try:
        rule, values = _routes().match(path, method="GET", return_rule=True)
    except HTTPException:  # no page of the app, or a redirect to one: the path stands for itself
        return path, keys

    def folded(argument: re.Match) -> str:
        value = values[argument[1]]
        return "N" if isinstance(value, int) else "S" if argument[1] == "slug" else str(value)

    return RULE_ARGUMENT.sub(folded, rule.rule), keys


class Coverage:
    """The pages visited so far: each page once without query parameters and each of its parameters
    at least once; a URL adds nothing when its page was seen with each of its parameters already."""

    def __init__(self):
        self.bare: set[str] = set()
        self.keys: dict[str, set[str]] = {}

    def new(self, path: str) -> bool:
        page, keys = _page_and_keys(path)
        if not keys:
            return page not in self.bare
        return not keys <= self.keys.get(page, set())

    def add(self, path: str) -> None:
        page, keys = _page_and_keys(path)
        if keys:
            self.keys.setdefault(page, set()).update(keys)
        else:
            self.bare.add(page)


def site_paths(hrefs: list[str], page_url: str, base: str) -> list[str]:
    """The paths of the site's own pages among a page's links, as the crawl follows them."""
    out = []
    for href in hrefs:
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        url = urlsplit(urljoin(page_url, href))
        if f"{url.scheme}://{url.netloc}" != base:
            continue
        path = url.path + (f"?{url.query}" if url.query else "")
        if not SKIP.search(path):
            out.append(path)
    return out


AXE_RUN = """await axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'tag',
    values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"""
VIOLATIONS = """(r) => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
# The tour reads everything it checks of a page in one call: axe, then what the person sees, then the links.
PAGE_READING = f"""async (lang) => {{
    const violations = ({VIOLATIONS})({AXE_RUN});
    const seen = ({layout.LAYOUT})(lang);
    const hrefs = [...document.querySelectorAll('a[href]')].map(e => e.getAttribute('href'));
    return {{violations, seen, hrefs}};
}}"""


def audit(page) -> dict:
    if not page.evaluate("typeof axe !== 'undefined'"):  # a page of a context without the tour's init script
        page.evaluate(AXE_SOURCE)
    # resultTypes: every violation in full; passes and the rest cut to one node each (axe's option for speed).
    return _counted(page.evaluate(f"async () => ({VIOLATIONS})({AXE_RUN})"))


def _counted(violations: list[dict]) -> dict:
    counts = {"critical": 0, "serious": 0, "moderate": 0, "minor": 0}
    for violation in violations:
        counts[violation["impact"] or "minor"] += 1
    return {"counts": counts, "violations": violations}


LAPTOP = {"width": 1366, "height": 800}
# (screen, language): every language on every screen would double the run for little. Russian and
# Bulgarian have the longest words and are where an English word left behind shows; English is the
# language the other journeys run in.
TOURS = [("laptop", "ru"), ("phone", "ru"), ("phone", "bg")]
EVERY_SHOT = bool(os.environ.get("RAPPORT_TOUR_SHOTS"))  # a screenshot of every page, not only of those with a problem
if os.environ.get("RAPPORT_TOUR") == "all":  # every screen in every language, for a full check by hand
    TOURS = [(size, lang) for size in ("laptop", "phone") for lang in ("ru", "en", "bg")]


@pytest.mark.parametrize(("size", "lang"), TOURS, ids=[f"{s}-{lang}" for s, lang in TOURS])
@pytest.mark.parametrize("role", ROLES)
def test_every_reachable_page_is_accessible_and_fits_the_screen(browser, live_server, role, size, lang, request):
    phone = size == "phone"
    shots = ARTIFACTS / "tour" / f"{role}-{size}-{lang}"
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        base_url=live_server["url"],
        locale=lang,
        viewport=PHONE if phone else LAPTOP,
        is_mobile=phone,
        has_touch=phone,
        bypass_csp=True,  # lets the test inject axe; the app's own policy stays as it is
    )
    context.set_default_timeout(15000)
    # In every document before its own scripts: evaluating axe's 0.5 MB after each load cost more.
    context.add_init_script(AXE_SOURCE)
    page = context.new_page()
    try:
        login(page, f"{role}@example.com", language=lang)
        queue, seen, problems, visited = ["/dashboard"], Coverage(), [], 0
        while queue and visited < MAX_PAGES:
            path = queue.pop(0)
            if not seen.new(path):
                continue
            seen.add(path)
            response = page.goto(path)
            if response is None or response.status >= 400 or "/login" in page.url:
                problems.append(f"{path}: answered {response.status if response else 'nothing'}")
                continue
            landed = site_paths([page.url], page.url, live_server["url"])
            if landed and landed[0] != path:  # redirected: the page it landed on is audited once
                if not seen.new(landed[0]):
                    continue
                seen.add(landed[0])
                path = landed[0]  # what the report and any problem name
            visited += 1
            reading = page.evaluate(PAGE_READING, lang)
            result = _counted(reading["violations"])
            request.node.user_properties.append(
                (A11Y_PROPERTY, (role, f"{size}-{lang}", path, result["counts"], reading["seen"]["width"]))
            )
            found = len(problems)
            for v in result["violations"]:
                if v["impact"] in ("serious", "critical"):
                    problems.append(f"{path}: {v['impact']} {v['id']} ({v['help']}) at {', '.join(v['nodes'])}")
            problems += layout.problems_seen(reading["seen"], page.viewport_size, path, lang, phone)
            if len(problems) > found or EVERY_SHOT:  # a screenshot costs as much as loading the page
                page.screenshot(path=str(shots / (re.sub(r"[^\w]+", "_", shape(path)).strip("_") + ".png")))
            paths = site_paths(reading["hrefs"], page.url, live_server["url"])
            queue.extend(p for p in paths if seen.new(p))
        assert visited >= 3, f"the crawl for {role} reached only {visited} page(s)"
        unseen = {shape(p) for p in queue if seen.new(p)}
        assert not unseen, f"the crawl for {role} stopped at {MAX_PAGES} pages before {sorted(unseen)[:5]}"
        assert not problems, "\n".join(problems)
    finally:
        # The switch was stored with the person; the journeys after this expect each demo person in English
        # unless they switch themselves.
        if page.url.startswith(live_server["url"]) and "/login" not in page.url:
            page.goto("/dashboard")
            use_language(page, "en")
        context.close()


def test_a_shape_is_one_kind_of_page():
    """The crawl's notion of one page: ids and content slugs fold (with or without a hyphen), the kind of
    editor and the role of a dashboard do not, and each query parameter is a page of its own once."""
    assert shape("/learn/courses/empathy") == shape("/learn/courses/active-listening") == "/learn/courses/S"
    assert shape("/authoring/course/empathy/history") == "/authoring/course/S/history"
    assert shape("/authoring/case/al-motive") != shape("/authoring/quiz/al-motive")
    assert shape("/dashboard/hr") != shape("/dashboard/admin")
    assert shape("/reports/departments/7?sort=a&dir=b") == "/reports/departments/N?dir&sort"
    assert shape("/no/such/page-here") == "/no/such/page-here"
    seen = Coverage()
    seen.add("/reports/departments/7")
    seen.add("/reports/departments/8?sort=name")
    assert not seen.new("/reports/departments/9") and not seen.new("/reports/departments/3?sort=path")
    assert seen.new("/reports/departments/3?columns=all") and seen.new("/reports/employees/3")
