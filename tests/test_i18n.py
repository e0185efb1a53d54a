"""Every string users see is translated into every interface language."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("lang", ["ru", "bg"])
def test_every_message_is_translated(tmp_path, lang):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(pot.open("rb")) if m.id}
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
