"""Every string users see has a Russian translation."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def test_every_message_is_translated_to_russian(tmp_path):
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
    catalog = read_po((ROOT / "app/translations/ru/LC_MESSAGES/messages.po").open("rb"), locale="ru")
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
