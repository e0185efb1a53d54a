"""Every string users see is translated into every interface language."""

import functools
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import post_form

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def _extracted() -> frozenset[str]:
    """The message ids pybabel extracts from the code and templates (once per test process)."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        command = [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg", "-k", "_l"]
        subprocess.run([*command, "-o", str(pot), "."], cwd=ROOT, check=True)
        return frozenset(m.id if isinstance(m.id, str) else m.id[0] for m in read_po(pot.open("rb")) if m.id)


@pytest.mark.parametrize("lang", ["ru", "bg"])
def test_every_message_is_translated(lang):
    extracted = _extracted()
    catalog = read_po((ROOT / f"app/translations/{lang}/LC_MESSAGES/messages.po").open("rb"), locale=lang)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id and m.string and "fuzzy" not in m.flags
    }
    missing = sorted(extracted - translated)
    assert not missing, f"untranslated strings (run the translation update): {missing[:20]}"


def test_dashboard_and_people_pages_in_russian(client, auth, make_user):
    make_user("hr", email="hr@example.com")
    auth.login("hr@example.com")
    page = client.get("/people", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Сотрудники" in page and "Добавить сотрудника" in page


def test_language_list_follows_the_catalogues_and_bulgarian_works(client, auth, make_user):
    from flask import current_app

    assert current_app.config["LANGUAGES"] == ("en", "bg", "ru")
    make_user("hr", email="hr@example.com")
    auth.login("hr@example.com")
    page = client.get("/dashboard/hr", headers={"Accept-Language": "bg"}).get_data(as_text=True)
    assert 'lang="bg"' in page and "Български" in page
    assert "Dashboard" not in page and "Главная" not in page


def test_numbers_and_percents_follow_the_readers_locale(app):
    from flask_babel import force_locale

    from app.templating import num, pct

    with app.test_request_context():
        with force_locale("en"):
            assert (pct(85.54), num(1234.56), pct(None)) == ("85.5%", "1,234.6", "—")
        with force_locale("ru"):
            assert (pct(85.54), num(1234.56)) == ("85,5%", "1\xa0234,6")
        with force_locale("bg"):
            assert pct(85.54) == "85,5%"


def test_figures_round_half_away_from_zero_as_people_do(app):
    """6.25 (1 of 16 points) reads 6.3, as by hand or in a spreadsheet, not 6.2 (Python's and Babel's
    half to even); a half that float arithmetic left a hair short is still a half."""
    from flask_babel import force_locale

    from app.templating import num, pct, round1

    with app.test_request_context(), force_locale("en"):
        assert [pct(v) for v in (6.25, 31.25, 56.25, 81.25, 100 * 13 / 16)] == [
            "6.3%", "31.3%", "56.3%", "81.3%", "81.3%"
        ]  # fmt: skip
        assert (pct(81.24), pct(81.26), pct(66.66666666666667), pct(0.05), pct(100.0)) == (
            "81.2%", "81.3%", "66.7%", "0.1%", "100.0%"
        )  # fmt: skip
        assert pct(100 * 0.8125) == "81.3%" and pct(81.24999999999999) == "81.3%"  # float noise under a half
        assert (num(-6.25), num(2.45), num(1234.55)) == ("-6.3", "2.5", "1,234.6")
        assert (round1(6.25), round1(-6.25), round1(None), round1(2.449)) == (6.3, -6.3, None, 2.4)


def _interface_strings(lang: str) -> tuple[set[str], set[str]]:
    """Whole interface phrases (three words or more) in English and in ``lang``'s neighbour, Russian."""
    bg = read_po((ROOT / "app/translations/bg/LC_MESSAGES/messages.po").open("rb"), locale="bg")
    ru = {
        m.id: m.string for m in read_po((ROOT / "app/translations/ru/LC_MESSAGES/messages.po").open("rb"), locale="ru")
    }
    english, russian = set(), set()
    for m in bg:
        if not m.id or not isinstance(m.id, str) or "%" in m.id or "{" in m.id:
            continue
        if len(m.id.split()) >= 3 and m.string and m.string != m.id:
            english.add(m.id)
        other = ru.get(m.id)
        if isinstance(other, str) and len(other.split()) >= 3 and other != m.string and "%" not in other:
            russian.add(other)
    return english, russian


def test_the_header_switcher_posts_what_it_shows_and_brings_the_reader_back(client, auth, make_user):
    import html as html_lib
    import re
    from urllib.parse import unquote

    make_user("hr", email="hr@example.com")
    auth.login("hr@example.com")
    page = client.get('/people?q="<b>"', headers={"Accept-Language": "ru"}).get_data(as_text=True)
    switcher = re.search(r'<form method="post" action="/language" class="lang-switch">(.*?)</form>', page, re.S).group(
        1
    )
    fields = {
        name: html_lib.unescape(value)
        for name, value in re.findall(r'name="(\w+)" type="hidden" value="([^"]*)"', switcher)
    }
    options = re.findall(r"<option (selected )?value=\"(\w+)\">([^<]+)</option>", switcher)
    assert [(code, name) for _sel, code, name in options] == [("en", "English"), ("bg", "Български"), ("ru", "Русский")]
    assert [code for selected, code, _name in options if selected] == ["ru"]  # the reader's language now
    assert fields["next"] == '/people?q="<b>"' and "<b>" not in switcher  # written back escaped
    answer = client.post("/language", data={**fields, "lang": "bg"})
    assert answer.status_code == 302 and unquote(answer.headers["Location"]) == '/people?q="<b>"'
    assert 'lang="bg"' in client.get("/people").get_data(as_text=True)
    assert client.post("/language", data={"lang": "en", "next": "/people"}).status_code == 400  # no CSRF token


def test_a_person_switching_to_bulgarian_sees_no_english_or_russian_interface(runner, client, auth):
    import html as html_lib
    import re

    from tests.conftest import crawl, csrf_from
    from tests.helpers import demo_company

    demo_company(runner)
    english, russian = _interface_strings("bg")
    assert len(english) > 100 and len(russian) > 100
    for role in ("employee", "shopper", "trainer", "hr", "admin"):
        auth.login(f"{role}@example.com", "rapport-demo")
        page = client.get("/dashboard", follow_redirects=True).get_data(as_text=True)
        client.post("/language", data={"lang": "bg", "next": "/dashboard", "csrf_token": csrf_from(page)})
        for path, body in crawl(client, ["/dashboard"], 25):
            assert '<html lang="bg">' in body, path
            # the interface around the content: content itself (cases, quizzes, names) is what trainers wrote
            chrome = re.sub(r'<(article|div) class="(case|content-body)".*?</\1>', " ", body, flags=re.S)
            text = html_lib.unescape(re.sub(r"<[^>]+>", " ", chrome))
            text = re.sub(r"\s+", " ", text)
            leaked = [s for s in english | russian if s in text]
            assert not leaked, f"{role} {path}: {leaked[:5]}"
        auth.logout()


def test_the_form_library_messages_follow_each_readers_language(client):
    """WTForms' own messages are parsed once per language and kept: readers in different languages, one
    after another in the same process, each get theirs."""
    expected = {"ru": "Обязательное поле.", "bg": "Това поле е задължително", "en": "This field is required."}
    for _round in range(2):
        for lang, message in expected.items():
            page = post_form(client, "/login", {"email": "", "password": ""}, headers={"Accept-Language": lang})
            html = page.get_data(as_text=True)
            assert message in html, lang
            assert not any(other in html for other in expected.values() if other != message), lang


def test_the_catalogue_lists_the_readers_language_first_and_marks_the_others(client, runner, auth, make_user):
    content = Path(__file__).resolve().parents[1] / "content"
    assert runner.invoke(args=["content", "import", str(content)]).exit_code == 0
    make_user("employee", email="e@example.com")
    auth.login("e@example.com")
    post_form(client, "/language", {"lang": "ru", "next": "/learn"}, page_url="/learn")
    page = client.get("/learn").get_data(as_text=True)
    headings = re.findall(r"<h2>(.*?)</h2>", page, flags=re.S)
    langs = [re.search(r'href="[^"]+" lang="([a-z-]+)"', h).group(1) for h in headings]
    first_other = next(i for i, lang in enumerate(langs) if lang != "ru")
    assert set(langs[:first_other]) == {"ru"} and "ru" not in langs[first_other:], langs
    english = next(h for h in headings if "Handling complaints" in h)
    assert '<span class="tag" lang="en">English</span>' in english
    russian = next(h for h in headings if "Работа с жалобами" in h)
    assert 'class="tag"' not in russian  # the reader's own language needs no marker


def test_every_content_error_is_a_marked_message_with_placeholders():
    """The content check's errors are shown translated in the editor: each is written as an N_ msgid
    (or a name bound to one) with its values as parameters, never as an f-string or a concatenation,
    which gettext could not find in the catalogue."""
    import ast

    files = sorted((ROOT / "app/content").glob("*.py")) + [ROOT / "app/authoring/services.py"]
    found = 0
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "Problem" and len(node.args) >= 3:
                message = node.args[2]
            elif name in ("add", "err") and isinstance(func, ast.Attribute) and len(node.args) == 2:
                if not (isinstance(func.value, ast.Name) and func.value.id in ("fp", "meta", "self")) and not (
                    isinstance(func.value, ast.Attribute) and func.value.attr == "fp"
                ):
                    continue
                message = node.args[1]
            else:
                continue
            found += 1
            marked = isinstance(message, ast.Call) and getattr(message.func, "id", "") == "N_"
            assert marked or isinstance(message, ast.Name | ast.Subscript), f"{path.name}:{node.lineno}"
    assert found > 90


def test_the_editor_shows_content_errors_in_the_readers_language(client, auth, make_user, runner):
    from tests.conftest import csrf_from

    runner.invoke(args=["content", "import", str(ROOT / "tests/samples/valid")])
    make_user("trainer", email="t@example.com")
    auth.login("t@example.com")
    url = "/authoring/quiz/courier-no-call"
    page = client.get(url).get_data(as_text=True)
    source = page.split('class="source"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    import html

    broken = (
        html.unescape(source)
        .replace("- [x] «Понимаю", "- [ ] «Понимаю")
        .replace("pass_percent: 80 ", "pass_percent: 200 ")
    )
    token = csrf_from(page)
    answers = {}
    for lang in ("en", "ru", "bg"):
        r = client.post(
            f"{url}/check", json={"source": broken}, headers={"X-CSRFToken": token, "Accept-Language": lang}
        )
        answers[lang] = {(p["where"], p["message"]) for p in r.get_json()["problems"]}
    assert ("line 12", "the question has no correct option: mark the right one(s) with '- [x]'") in answers["en"]
    assert ("строка 12", "в вопросе нет верного варианта: отметьте верный (или верные) как '- [x]'") in answers["ru"]
    assert any(where == "ред 12" and "няма верен вариант" in message for where, message in answers["bg"])
    assert any("'pass_percent' должен быть от 0 до 100, а не 200" in message for _w, message in answers["ru"])
    r = post_form(client, url, {"source": broken, "publish": "1"}, headers={"Accept-Language": "ru"})
    shown = html.unescape(r.get_data(as_text=True))
    assert "строка 12</a>: в вопросе нет верного варианта" in shown and "no correct option" not in shown


@pytest.mark.parametrize("lang", ["en", "ru", "bg"])
def test_dates_read_as_babel_writes_them_in_the_display_time_zone(app, lang):
    """Dates and times on pages are Babel's own wording for the reader's language, in the display zone,
    whatever the format; and an email written in another language (force_locale) gets that language's."""
    from datetime import UTC, date, datetime, timedelta
    from zoneinfo import ZoneInfo

    from babel import dates
    from flask_babel import force_locale

    from app.core.i18n import gettext
    from app.templating import local_date, local_dt

    zone = ZoneInfo(app.config["DISPLAY_TIMEZONE"])
    moments = [datetime(2026, 3, 29, 0, 30) + timedelta(hours=h * 7, minutes=h) for h in range(40)]
    with app.test_request_context(headers={"Accept-Language": lang}), force_locale(lang):
        for moment in moments:
            for fmt in ("short", "medium", "long", "full", "d MMM yyyy, HH:mm"):
                babel_says = dates.format_datetime(moment.replace(tzinfo=UTC).astimezone(zone), fmt, locale=lang)
                assert local_dt(moment, fmt) == babel_says
                assert local_dt(moment.replace(tzinfo=UTC), fmt) == babel_says
        for day in (date(2026, 1, 1), date(2026, 12, 31)):
            for fmt in ("short", "medium", "long", "full"):
                assert (
                    local_date(day, fmt) == local_date(day.isoformat(), fmt) == dates.format_date(day, fmt, locale=lang)
                )
        other = "bg" if lang != "bg" else "ru"
        with force_locale(other):
            assert local_date(date(2026, 12, 7), "long") == dates.format_date(date(2026, 12, 7), "long", locale=other)
            assert gettext("Dashboard") == {"ru": "Главная", "bg": "Начало"}[other]
        assert gettext("Dashboard") == {"en": "Dashboard", "ru": "Главная", "bg": "Начало"}[lang]
        assert local_date(date(2026, 12, 7), "long") == dates.format_date(date(2026, 12, 7), "long", locale=lang)


def test_a_title_in_another_language_is_marked_and_escaped(app):
    """Screen readers read a title in its own language; whatever a trainer typed stays text."""
    from flask_babel import force_locale

    from app.templating import foreign_lang, in_lang

    with app.test_request_context(), force_locale("ru"):
        assert in_lang("Слушать <клиента>", "ru-RU") == "Слушать &lt;клиента&gt;"
        assert in_lang('Listen & "hear"', "en") == '<span lang="en">Listen &amp; &#34;hear&#34;</span>'
        assert in_lang(None, "bg") == '<span lang="bg"></span>'
        assert (foreign_lang("ru_RU"), foreign_lang("bg"), foreign_lang(None)) == ("", "bg", "")
    with app.test_request_context(), force_locale("bg"):
        assert in_lang("Слушане", "bg") == "Слушане"
        assert in_lang("Слушать", "ru") == '<span lang="ru">Слушать</span>'
