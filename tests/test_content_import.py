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


# Each learner's answers to the courier quiz (q1: 2 points, one right option; q2: 1 point, partial, two
# right options of three; q3: 1 point, an order of four). Under the new key of the test below q1's
# options 0 and 1 swap rights and q2's option 2 becomes right too.
ANSWERS = [
    ([1], [0, 1], [0, 1, 2, 3]),
    ([0], [0, 1], [0, 1, 2, 3]),
    ([1], [0], [0, 1, 2, 3]),
    ([0], [0, 1, 2], [0, 1, 2, 3]),
    ([1], [2], [1, 0, 2, 3]),
    ([0], [0], [0, 1, 2, 3]),
    ([], [], [0, 1, 2, 3]),  # q1 and q2 unanswered: the same result under either key
]


def _by_hand(q1, q2, q3) -> float:
    """The percent of an attempt under the new key, worked out here apart from the app's scoring."""
    earned = 2 if q1 == [0] else 0
    right, wrong = len(set(q2) & {0, 1, 2}), len(set(q2) - {0, 1, 2})
    earned += max(right - wrong, 0) / 3
    earned += 1 if q3 == [0, 1, 2, 3] else 0
    return 100 * earned / 4


def test_import_dry_run_and_regrade_of_a_changed_answer_key(runner, tmp_path):
    from app.content import services as content
    from app.learning import services as learning
    from app.learning.models import QuizAttempt
    from app.people import services as people
    from app.people.services import create_department
    from app.rollups import QuizDaily

    root = tmp_path / "content"
    shutil.copytree(SAMPLES / "valid", root)
    assert runner.invoke(args=["content", "import", str(root)]).exit_code == 0
    dept = create_department(None, "Склад", None)
    version = content.published("quiz", "courier-no-call")
    for n, (q1, q2, q3) in enumerate(ANSWERS):
        person = people.create_user(None, f"learner{n}@example.com", f"Ученик {n}", dept, ["employee"])
        attempt = learning.start_attempt(person, version)
        for key, response in (("q1", q1), ("q2", q2), ("q3", q3)):
            learning.save_answer(attempt, key, response)
        learning.finish_attempt(attempt)
    db.session.commit()
    attempts = db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.id)).all()
    before = [(a.percent, a.passed) for a in attempts]
    expected = [(_by_hand(*answers), _by_hand(*answers) >= 80) for answers in ANSWERS]
    changed = [i for i, (old, new) in enumerate(zip(before, expected, strict=True)) if abs(old[0] - new[0]) > 1e-9]
    now_pass = sum(1 for i in changed if expected[i][1] and not before[i][1])
    now_fail = sum(1 for i in changed if before[i][1] and not expected[i][1])
    assert len(changed) == 6 and now_pass and now_fail  # the sample answers do move results both ways

    quiz = root / "quizzes" / "courier.md"
    source = quiz.read_text(encoding="utf-8")
    source = source.replace("- [ ] «Это не моя", "- [x] «Это не моя").replace("- [x] «Понимаю", "- [ ] «Понимаю")
    source = source.replace("- [ ] Перебить", "- [x] Перебить")
    quiz.write_text(source, encoding="utf-8")
    dry = runner.invoke(args=["content", "import", str(root)])
    assert dry.exit_code == 0, dry.output
    line = (
        f"quiz courier-no-call: version 2 would change the result of {len(changed)} of {len(ANSWERS)} finished "
        f"attempt(s) ({now_pass} now pass, {now_fail} now fail, {len(changed) - now_pass - now_fail} only in percent)."
    )
    assert line in dry.output.splitlines() and "content import --regrade" in dry.output
    db.session.expire_all()
    assert [(a.percent, a.passed) for a in db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.id))] == before
    assert content.published("quiz", "courier-no-call").number == 2  # published, past results kept

    again = runner.invoke(args=["content", "import", str(root)])  # the dry run stays until decided
    assert "Nothing to import" in again.output and line in again.output.splitlines()
    applied = runner.invoke(args=["content", "import", str(root), "--regrade"])
    assert applied.exit_code == 0, applied.output
    assert f"quiz courier-no-call: regraded to version 2: {len(changed)} of {len(ANSWERS)}" in applied.output
    db.session.expire_all()
    after = db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.id)).all()
    for attempt, (percent, passed) in zip(after, expected, strict=True):
        assert abs(attempt.percent - percent) < 1e-9 and attempt.passed == passed
    assert {a.version.number for a in after if a.id in {attempts[i].id for i in changed}} == {2}
    rollup = db.session.scalars(select(QuizDaily).where(QuizDaily.department_id == dept.id)).one()
    assert rollup.attempts == len(ANSWERS) and rollup.passed == sum(passed for _p, passed in expected)
    assert abs(rollup.sum_percent - sum(p for p, _passed in expected)) < 1e-6
    assert content.published("quiz", "courier-no-call").regrade == "applied"
    done = runner.invoke(args=["content", "import", str(root), "--regrade"])  # once: nothing left to regrade
    assert "courier-no-call" not in done.output and "Nothing to import" in done.output


def test_import_with_regrade_in_one_go(runner, tmp_path):
    from app.content import services as content
    from app.learning import services as learning
    from app.learning.models import QuizAttempt
    from app.people import services as people

    root = tmp_path / "content"
    shutil.copytree(SAMPLES / "valid", root)
    assert runner.invoke(args=["content", "import", str(root)]).exit_code == 0
    person = people.create_user(None, "one@example.com", "Один", None, ["employee"])
    attempt = learning.start_attempt(person, content.published("quiz", "courier-no-call"))
    learning.save_answer(attempt, "q1", [0])
    learning.finish_attempt(attempt)
    db.session.commit()
    assert attempt.percent == 0 and not attempt.passed
    quiz = root / "quizzes" / "courier.md"
    flipped = quiz.read_text(encoding="utf-8").replace("- [ ] «Это не моя", "- [x] «Это не моя")
    quiz.write_text(flipped.replace("- [x] «Понимаю", "- [ ] «Понимаю"), encoding="utf-8")
    result = runner.invoke(args=["content", "import", str(root), "--regrade"])
    assert "1 updated" in result.output
    assert "quiz courier-no-call: regraded to version 2: 1 of 1 finished attempt(s) changed result" in result.output
    db.session.expire_all()
    regraded = db.session.get(QuizAttempt, attempt.id)
    assert regraded.percent == 50 and regraded.version.number == 2


def test_the_shipped_skills_are_shown_in_the_reader_s_language(runner, client, auth, make_user):
    """A Bulgarian learner sees the skills of a case in Bulgarian, a Russian one in Russian."""
    root = Path(__file__).resolve().parents[1] / "content"
    assert runner.invoke(args=["content", "import", str(root)]).exit_code == 0
    person = make_user("employee", email="bg@example.com")
    person.locale = "bg"
    db.session.commit()
    auth.login("bg@example.com")
    page = client.get("/learn/cases/bg-bank-fee").get_data(as_text=True)
    assert '<span class="tag">Честност</span>' in page and '<span class="tag">Емпатия</span>' in page
    assert "Честность" not in page and "Honesty" not in page
    person.locale = "ru"
    db.session.commit()
    page = client.get("/learn/cases/bg-bank-fee").get_data(as_text=True)
    assert '<span class="tag">Честность</span>' in page and '<span class="tag">Эмпатия</span>' in page


def test_every_shipped_skill_has_a_title_in_each_language_of_the_site(app):
    from app.content.loader import load_directory

    skills = load_directory(str(Path(__file__).resolve().parents[1] / "content")).skills.skills
    missing = {s.id: sorted(set(app.config["LANGUAGES"]) - set(s.title)) for s in skills}
    assert not {k: v for k, v in missing.items() if v}
