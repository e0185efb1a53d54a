from sqlalchemy import func, select

from app.core.audit import AuditEntry
from app.extensions import db
from app.people.models import Department, User
from tests.conftest import csrf_from

GOOD = (
    "email,name,department,roles\n"
    "anna@example.com,Анна Смирнова,Москва/Тверская/Касса,employee\n"
    "oleg@example.com,Олег Петров,Москва/Тверская,employee;trainer\n"
    "ira@example.com,Ирина Волкова,Санкт-Петербург,hr\n"
)


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_cli_import_bad_rows_names_each_line_and_writes_nothing(runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "email,name,department,roles\n"
        "good@example.com,Good Person,A/B,employee\n"
        "not-an-email,Bad Email,A,employee\n"
        "x@example.com,,A,employee\n"
        "y@example.com,Unknown Role,A,boss\n"
        "good@example.com,Duplicate,A,employee\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["people", "import", str(path)])
    assert result.exit_code != 0
    out = result.output
    assert f"{path}:3:" in out and "not a valid email" in out
    assert f"{path}:4:" in out and "name is empty" in out
    assert f"{path}:5:" in out and "boss" in out
    assert f"{path}:6:" in out and "line 2" in out
    assert f"{path}:2:" not in out
    assert _count(User) == 0 and _count(Department) == 0


def test_cli_import_once_then_reimport_is_a_no_op(runner, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["people", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output
    assert _count(User) == 3
    anna = db.session.scalars(select(User).where(User.email == "anna@example.com")).one()
    assert anna.department.path == "Москва/Тверская/Касса"
    oleg = db.session.scalars(select(User).where(User.email == "oleg@example.com")).one()
    assert oleg.role_names == {"employee", "trainer"}
    assert _count(Department) == 4  # Москва, Тверская, Касса, Санкт-Петербург
    audit_before = _count(AuditEntry)

    again = runner.invoke(args=["people", "import", str(path)])
    assert again.exit_code == 0
    assert "Nothing to change" in again.output
    assert _count(User) == 3 and _count(Department) == 4 and _count(AuditEntry) == audit_before


def test_import_accepts_bom_semicolons_and_crlf(runner, tmp_path):
    path = tmp_path / "excel.csv"
    text = GOOD.replace(",", ";").replace("employee;trainer", '"employee;trainer"').replace("\n", "\r\n")
    path.write_bytes("\ufeff".encode() + text.encode("utf-8"))
    result = runner.invoke(args=["people", "import", str(path)])
    assert result.exit_code == 0, result.output
    oleg = db.session.scalars(select(User).where(User.email == "oleg@example.com")).one()
    assert oleg.role_names == {"employee", "trainer"}


def test_import_changes_existing_people(runner, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(GOOD, encoding="utf-8")
    runner.invoke(args=["people", "import", str(path)])
    path.write_text(
        GOOD.replace("Анна Смирнова,Москва/Тверская/Касса", "Анна Кузнецова,Москва/Арбат"), encoding="utf-8"
    )
    result = runner.invoke(args=["people", "import", str(path)])
    assert "1 updated" in result.output
    anna = db.session.scalars(select(User).where(User.email == "anna@example.com")).one()
    assert anna.name == "Анна Кузнецова" and anna.department.path == "Москва/Арбат"


def test_non_utf8_file_is_refused_clearly(runner, tmp_path):
    path = tmp_path / "cp1251.csv"
    path.write_bytes(GOOD.encode("cp1251"))
    result = runner.invoke(args=["people", "import", str(path)])
    assert result.exit_code == 1 and "UTF-8" in result.output
    assert _count(User) == 0


def test_missing_column_is_reported(runner, tmp_path):
    path = tmp_path / "cols.csv"
    path.write_text("email,name\na@example.com,A\n", encoding="utf-8")
    result = runner.invoke(args=["people", "import", str(path)])
    assert result.exit_code == 1 and ":1:" in result.output and "department" in result.output


def test_the_optional_language_column_sets_each_persons_language(runner, tmp_path):
    src = tmp_path / "people.csv"
    src.write_text(
        "email,name,department,roles,language\n"
        "anna@example.com,Анна Смирнова,Москва,employee,RU\n"
        "bob@example.com,Bob Brown,Москва,employee,\n",
        encoding="utf-8",
    )
    assert runner.invoke(args=["people", "import", str(src)]).exit_code == 0
    locales = dict(db.session.execute(select(User.email, User.locale)).all())
    assert locales == {"anna@example.com": "ru", "bob@example.com": None}
    src.write_text("email,name,department,roles,language\nbob@example.com,Bob Brown,Москва,employee,bg\n")
    result = runner.invoke(args=["people", "import", str(src)])
    assert result.exit_code == 0 and "1 updated" in result.output
    assert db.session.scalars(select(User.locale).where(User.email == "bob@example.com")).one() == "bg"
    out = tmp_path / "export.csv"
    runner.invoke(args=["people", "export", str(out)])
    assert "anna@example.com,Анна Смирнова,Москва,employee,ru" in out.read_text(encoding="utf-8-sig")


def test_an_unknown_language_is_an_error_on_its_line_and_nothing_is_written(runner, tmp_path):
    src = tmp_path / "people.csv"
    src.write_text(
        "email,name,department,roles,language\nanna@example.com,Анна,Москва,employee,ru\nx@example.com,X Y,A,employee,de\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["people", "import", str(src)])
    assert result.exit_code != 0
    assert "people.csv:3: Unknown language “de” (known: bg, en, ru)." in result.output
    assert _count(User) == 0


def test_export_round_trips(runner, tmp_path):
    src = tmp_path / "people.csv"
    src.write_text(GOOD + "eq@example.com,=cmd|calc,Москва,employee\n", encoding="utf-8")
    assert runner.invoke(args=["people", "import", str(src)]).exit_code == 0
    out = tmp_path / "export.csv"
    result = runner.invoke(args=["people", "export", str(out)])
    assert result.exit_code == 0
    exported = out.read_text(encoding="utf-8-sig")
    assert exported.splitlines()[0] == "email,name,department,roles,language"
    assert "anna@example.com,Анна Смирнова,Москва/Тверская/Касса,employee," in exported
    assert "'=cmd|calc" in exported  # neutralised for spreadsheets
    again = runner.invoke(args=["people", "import", str(out)])
    assert again.exit_code == 0 and "Nothing to change" in again.output
    eq = db.session.scalars(select(User).where(User.email == "eq@example.com")).one()
    assert eq.name == "=cmd|calc"


def test_browser_import_preview_then_confirm(client, auth, make_user):
    # An administrator: the file grants the HR role, which only an administrator may (test_privilege.py).
    make_user("admin", email="admin@example.com")
    auth.login("admin@example.com")
    page = client.get("/people/import")
    token = csrf_from(page.get_data(as_text=True))
    from io import BytesIO

    preview = client.post(
        "/people/import",
        data={"csrf_token": token, "file": (BytesIO(GOOD.encode()), "people.csv")},
        content_type="multipart/form-data",
    )
    html = preview.get_data(as_text=True)
    assert "3 to create" in html and "anna@example.com" in html
    assert _count(User) == 1  # nothing written by the preview
    confirm_token = csrf_from(html)
    done = client.post("/people/import/confirm", data={"csrf_token": confirm_token, "text": GOOD})
    assert done.status_code == 302
    assert _count(User) == 4
    again = client.post("/people/import/confirm", data={"csrf_token": confirm_token, "text": GOOD})
    assert again.status_code == 302
    assert _count(User) == 4


def test_browser_import_with_errors_shows_lines_and_offers_no_confirm(client, auth, make_user):
    # An administrator: the file grants the HR role, which only an administrator may (test_privilege.py).
    make_user("admin", email="admin@example.com")
    auth.login("admin@example.com")
    token = csrf_from(client.get("/people/import").get_data(as_text=True))
    from io import BytesIO

    bad = GOOD + "broken,,X,nobody\n"
    preview = client.post(
        "/people/import",
        data={"csrf_token": token, "file": (BytesIO(bad.encode()), "people.csv")},
        content_type="multipart/form-data",
    )
    html = preview.get_data(as_text=True)
    assert "1 with errors" in html and "not a valid email" in html
    assert "/people/import/confirm" not in html
    # Posting the bad text directly is refused too.
    r = client.post("/people/import/confirm", data={"csrf_token": token, "text": bad})
    assert r.status_code == 200
    assert _count(User) == 1


def test_hr_import_cannot_grant_admin(client, auth, make_user):
    make_user("hr", email="hr@example.com")
    auth.login("hr@example.com")
    token = csrf_from(client.get("/people/import").get_data(as_text=True))
    text = "email,name,department,roles\nz@example.com,Z Z,,admin\n"
    r = client.post("/people/import/confirm", data={"csrf_token": token, "text": text})
    assert "Only an administrator" in r.get_data(as_text=True)
    assert _count(User) == 1


def test_browser_export(client, auth, make_user):
    make_user("hr", email="hr@example.com")
    auth.login("hr@example.com")
    r = client.get("/people/export.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.data.startswith("\ufeff".encode()) and b"hr@example.com" in r.data
