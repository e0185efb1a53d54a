import shutil
from pathlib import Path

from sqlalchemy import func, select

from app.content.models import ContentItem, ContentVersion
from app.extensions import db

SAMPLES = Path(__file__).parent / "samples"


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_import_twice_is_a_no_op_and_changes_make_versions(runner, tmp_path):
    root = tmp_path / "content"
    shutil.copytree(SAMPLES / "valid", root)
    first = runner.invoke(args=["content", "import", str(root)])
    assert first.exit_code == 0, first.output
    assert "5 new" in first.output
    assert _count(ContentVersion) == 5
    second = runner.invoke(args=["content", "import", str(root)])
    assert second.exit_code == 0 and "Nothing to import" in second.output
    assert _count(ContentVersion) == 5

    case = root / "cases" / "courier.md"
    case.write_text(case.read_text(encoding="utf-8").replace("Text.", "Changed text."), encoding="utf-8")
    third = runner.invoke(args=["content", "import", str(root)])
    assert "1 updated" in third.output
    item = db.session.scalars(
        select(ContentItem).where(ContentItem.slug == "courier-no-call", ContentItem.kind == "case")
    ).one()
    versions = db.session.scalars(select(ContentVersion).where(ContentVersion.item_id == item.id)).all()
    assert sorted(v.number for v in versions) == [1, 2]
    assert item.published.number == 2 and "Changed text." in item.published.source


def test_broken_file_imports_nothing_and_site_keeps_last_good(runner, tmp_path, client, auth, make_user):
    root = tmp_path / "content"
    shutil.copytree(SAMPLES / "valid", root)
    runner.invoke(args=["content", "import", str(root)])
    case = root / "cases" / "courier.md"
    case.write_text(case.read_text(encoding="utf-8").replace("Text.", "New text."), encoding="utf-8")
    (root / "quizzes" / "courier.md").write_text(
        "---\nid: courier-no-call\ntitle: Broken: yes\n---\n", encoding="utf-8"
    )
    result = runner.invoke(args=["content", "import", str(root)])
    assert result.exit_code == 1 and "nothing was imported" in result.output
    assert _count(ContentVersion) == 5
    make_user("employee", email="e@example.com")
    auth.login("e@example.com")
    page = client.get("/learn/cases/courier-no-call").get_data(as_text=True)
    assert "Курьер приехал без звонка" in page and "New text." not in page


def test_script_in_content_never_reaches_the_browser(runner, client, auth, make_user):
    runner.invoke(args=["content", "import", str(SAMPLES / "valid")])
    make_user("employee", email="e@example.com")
    auth.login("e@example.com")
    page = client.get("/learn/cases/courier-no-call").get_data(as_text=True)
    assert "<script>alert" not in page and 'alert("x")' not in page
    # the decision point is rendered as radio buttons with feedback
    assert 'type="radio"' in page and "Вы признали неудобство" in page


def test_rendering_happens_at_import_not_per_request(runner, client, auth, make_user, monkeypatch):
    runner.invoke(args=["content", "import", str(SAMPLES / "valid")])
    make_user("employee", email="e@example.com")
    auth.login("e@example.com")
    import app.core.markdown as markdown_module

    def boom(*args, **kwargs):
        raise AssertionError("Markdown rendered during a request")

    monkeypatch.setattr(markdown_module.md, "markdown", boom)
    for url in (
        "/learn",
        "/learn/courses/complaint-handling",
        "/learn/cases/courier-no-call",
        "/learn/quizzes/courier-no-call",
    ):
        assert client.get(url).status_code == 200, url


def test_import_is_audited(runner):
    from app.core.audit import AuditEntry

    runner.invoke(args=["content", "import", str(SAMPLES / "valid")])
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert actions.count("content.publish") == 5


def test_export_is_byte_identical_and_checks(runner, tmp_path):
    root = tmp_path / "content"
    shutil.copytree(SAMPLES / "valid", root)
    # a file with a BOM and Windows line endings must come back exactly as it was
    odd = root / "cases" / "deep" / "crlf.md"
    odd.parent.mkdir()
    odd.write_bytes("\ufeff---\r\nid: crlf-case\r\ntitle: Тест\r\n---\r\nТекст.\r\n".encode())
    assert runner.invoke(args=["content", "import", str(root)]).exit_code == 0
    out = tmp_path / "exported"
    result = runner.invoke(args=["content", "export", str(out)])
    assert result.exit_code == 0, result.output
    originals = sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())
    exported = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert originals == exported
    for rel in originals:
        assert (root / rel).read_bytes() == (out / rel).read_bytes(), rel
    assert runner.invoke(args=["content", "check", str(out)]).exit_code == 0
    again = runner.invoke(args=["content", "import", str(out)])
    assert "Nothing to import" in again.output


def test_many_documents_render_in_worker_processes_exactly_as_in_one(monkeypatch, runner):
    """A large import renders on every core; what the workers produce is what one process would."""
    from app.content import render
    from app.content.loader import load_directory

    docs = list(load_directory(str(Path(__file__).parents[1] / "content")).all_documents())
    serial = [render.render_document(doc) for doc in docs]
    monkeypatch.setattr(render.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(render, "PARALLEL_FROM", 10)
    started = []
    real_pool = render.ProcessPoolExecutor
    monkeypatch.setattr(render, "ProcessPoolExecutor", lambda *a, **k: started.append(a) or real_pool(*a, **k))
    assert render.render_all(docs) == serial
    assert started == [(2,)]  # it did use a pool of two workers
    # and an import through it stores the same pages
    assert runner.invoke(args=["content", "import", str(Path(__file__).parents[1] / "content")]).exit_code == 0
    assert len(started) == 2
    case = db.session.scalars(select(ContentVersion).where(ContentVersion.path.like("cases/%"))).first()
    assert case.html == serial[[d.rel_path for d in docs].index(case.path)]


def test_a_case_that_mentions_the_old_choice_marker_renders_as_written():
    """Decision points are marked with a word no author can type: a paragraph reading like the marker
    the renderer once used is just text, not a reference to a decision point that does not exist."""
    from app.content import render
    from app.content.parser import parse_document

    text = (
        "---\nid: marker-case\ntitle: Marker\nskills: [empathy]\nminutes: 2\n---\n"
        "RAPPORTCHOICEBLOCK0\n\nRAPPORTCHOICEBLOCK7\n"
    )
    problems = []
    doc = parse_document("case", text, "cases/marker.md", problems)
    assert not problems, problems
    segments = render.render_document(doc)["segments"]
    html = "".join(s["html"] for s in segments if s["type"] == "html")
    assert "RAPPORTCHOICEBLOCK0" in html and "RAPPORTCHOICEBLOCK7" in html
    assert not [s for s in segments if s["type"] == "choice"]
