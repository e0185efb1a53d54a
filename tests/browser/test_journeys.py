"""Each role's main journey in a real browser, against the real app with the demo company."""

from __future__ import annotations

import json
import re
import struct
import urllib.request
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import login


def _png() -> bytes:
    """A real 2x2 PNG, as a phone camera would upload (the server checks content, not the name)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_employee_takes_a_case_and_its_quiz_with_a_reload(new_page):
    page = new_page()
    login(page, "employee@example.com", language="en")  # she reads Russian until she switches
    expect(page.get_by_role("heading", name="My courses")).to_be_visible()
    # a course the demo assigns nobody, so its quiz (single, multiple and order questions) is fresh
    page.goto("/learn")
    page.get_by_role("link", name="Честность и инициатива").first.click()
    page.get_by_role("link", name="Наша ошибка").click()

    # A decision point: picking an option reveals its feedback, without a page load.
    first_choice = page.locator("fieldset.choice").first
    feedback = first_choice.locator(".choice-feedback").first
    expect(feedback).to_be_hidden()
    first_choice.locator(".choice-option label").first.click()
    expect(feedback).to_be_visible()

    read = page.get_by_role("button", name="I have read this")
    if read.count():
        read.click()  # marking a case read leads on to its quiz
    else:
        page.get_by_role("button", name="Go to the quiz").click()
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.locator("fieldset.question").first).to_be_visible()
    attempt_url = page.url

    questions = page.locator("fieldset[data-question]")
    status = page.locator("#save-status")
    kinds = [questions.nth(i).get_attribute("data-type") for i in range(questions.count())]
    chosen = questions.nth(next(i for i, k in enumerate(kinds) if k != "order"))
    chosen.locator("input").first.check()
    expect(status).to_contain_text("✓")

    # An order question: the positions placed so far survive a reload before the order is complete,
    # and the complete order is saved on the server.
    order = questions.nth(kinds.index("order"))
    selects = order.locator("select")
    selects.first.select_option("1")
    expect(status).to_contain_text("give every item its own position")
    page.reload()
    expect(selects.first).to_have_value("1")
    for n in range(selects.count()):
        selects.nth(n).select_option(str(n + 1))
    expect(status).to_contain_text("✓")
    page.evaluate("localStorage.clear()")

    page.reload()  # mid-quiz: nothing is lost
    assert page.url == attempt_url
    expect(chosen.locator("input").first).to_be_checked()
    for n in range(selects.count()):
        expect(selects.nth(n)).to_have_value(str(n + 1))

    for i in range(questions.count()):
        q = questions.nth(i)
        kind = q.get_attribute("data-type")
        if kind == "order":
            selects = q.locator("select")
            for n in range(selects.count()):
                selects.nth(n).select_option(str(n + 1))
        else:
            q.locator("input").first.check()
    page.get_by_role("button", name="Finish and see the result").click()
    expect(page.get_by_text(re.compile(r"\d+(\.\d)?%")).first).to_be_visible()
    expect(page.get_by_text(re.compile("passed|not passed", re.I)).first).to_be_visible()


def test_trainer_edits_publishes_diffs_and_restores(new_page):
    page = new_page()
    login(page, "trainer@example.com")
    page.goto("/authoring/")
    expect(page.get_by_text("co-host-and-guest").first).to_be_visible()
    page.goto("/authoring/case/co-host-and-guest")
    source = page.locator("textarea#source")
    original = source.input_value()

    # An error is shown at its line and blocks publishing.
    broken = original.replace("\nlang: ru", "\nlang: ru\ndifficulty: 12", 1)
    source.fill(broken)
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator("ul.problems")).to_contain_text("line")
    expect(page.get_by_text("Published: version 1")).to_be_visible()

    # A good edit: saved as a draft, then published as version 2.
    page.locator("textarea#source").fill(original.rstrip("\n") + "\n\nДобавлено в браузере.\n")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text(re.compile("draft", re.I)).first).to_be_visible()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("Published: version 2")).to_be_visible()

    page.get_by_role("link", name="history").click()
    page.locator("select#a").select_option("1")
    page.locator("select#b").select_option("2")
    page.get_by_role("button", name="Show the difference").click()
    added = page.locator("table.diff tr.diff-add", has_text="Добавлено в браузере.")
    expect(added.locator("ins")).to_have_text("Добавлено в браузере.")  # struck/underlined, not colour only
    expect(added.locator(".mark")).to_contain_text("+")
    expect(page.locator("main")).not_to_contain_text("@@")

    page.locator("tr", has_text="version 1").get_by_role("button", name="Restore as draft").click()
    expect(page.locator("textarea#source")).not_to_contain_text("Добавлено в браузере.")
    assert page.locator("textarea#source").input_value() == original


BROKEN_WORDS = """sel => [...document.querySelectorAll(sel)].filter(b => {
  const walker = document.createTreeWalker(b, NodeFilter.SHOW_TEXT);
  for (let n; (n = walker.nextNode()); ) {
    for (const m of n.data.matchAll(/\\S+/g)) {
      const r = document.createRange(); r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
      if (new Set([...r.getClientRects()].map(x => Math.round(x.top))).size > 1) return true;
    }
  }
  return false;
}).map(b => b.innerText)"""


def test_russian_trainer_editor_keeps_words_whole_translates_errors_and_validates_ids(new_page):
    page = new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, "trainer@example.com")
    _choose_language(page, "ru")
    try:
        _editor_in_russian(page)
    finally:
        _choose_language(page, "en")  # the trainer's stored language, for the other journeys
    assert not [e for e in errors if "regular expression" in e or "pattern" in e.lower()], errors


def _choose_language(page, code: str) -> None:
    with page.expect_navigation():
        page.evaluate(
            "code => { const f = document.querySelector('form.lang-switch'); f.querySelector('select').value = code;"
            " f.submit(); }",
            code,
        )


def _editor_in_russian(page) -> None:
    for size in ({"width": 1366, "height": 800}, {"width": 390, "height": 844}):
        page.set_viewport_size(size)
        page.goto("/authoring/case/co-host-and-guest")
        expect(page.get_by_role("button", name="Опубликовать")).to_be_visible()
        assert page.evaluate(BROKEN_WORDS, "form.editor button") == [], size  # no "Опубликоват-ь"
    # the live check speaks the reader's language, the line prefix included
    source = page.locator("textarea#source")
    source.fill(source.input_value().replace("\nlang: ru", "\nlang: ru\ndifficulty: 12", 1))
    expect(page.locator("ul.problems")).to_contain_text("строка 5: неизвестный ключ 'difficulty'")
    # the skill ids are offered with their labels; one click writes one at the cursor
    expect(page.locator(".skill-ids")).to_contain_text("empathy")
    # Chromium compiles pattern with the v flag: the id's pattern must be valid there, and work
    page.goto("/authoring/")
    slug = page.locator("#slug")
    slug.fill("Bad Id")
    assert page.evaluate("document.querySelector('#slug').validity.patternMismatch")
    slug.fill("good-id-2")
    assert page.evaluate("document.querySelector('#slug').checkValidity()")


def test_shop_loop_from_phone_to_review_report_and_dispute(new_page, tmp_path):
    # The shopper, on a phone, fills in the card for the visit due now, with a photo.
    phone = new_page(phone=True)
    login(phone, "shopper@example.com")
    phone.locator("ul.todo a").first.click()
    items = phone.locator(".card-item")
    expect(items.first).to_be_visible()  # count() does not wait for the card page to load
    assert items.count() >= 5
    for i in range(items.count()):
        items.nth(i).get_by_label("Yes").check()
    # One failed item tied to a skill (active listening): the loop will assign its training.
    failed = phone.locator("#item-no-interrupting")
    failed.get_by_label("No").check()
    failed.locator("textarea").fill("Перебивал, не дослушав вопрос до конца.")
    honesty = phone.locator("#item-fees-named")  # a second skill, so a course not yet open for her is due
    honesty.get_by_label("No").check()
    honesty.locator("textarea").fill("Про платные СМС узнал только после вопроса.")
    expect(phone.locator("#save-status")).to_contain_text("✓")
    visited = datetime.now(ZoneInfo("Europe/Moscow")) - timedelta(minutes=30)  # the app's display time zone
    phone.get_by_label("Date and time of the visit").fill(visited.strftime("%Y-%m-%dT%H:%M"))
    served = phone.get_by_label("Who served you")
    # Екатерина Зайцева has no empathy course yet (Анна, in the same team, already has every course open).
    person = next(o for o in served.locator("option").all_inner_texts() if o.startswith("Екатерина З"))
    served.select_option(label=person)
    phone.get_by_label("Duration, minutes").fill("12")
    photo = tmp_path / "counter.png"
    photo.write_bytes(_png())
    phone.get_by_label("Photo, receipt or audio").set_input_files(str(photo))
    phone.get_by_role("button", name="Attach").click()
    expect(phone.get_by_role("link", name="counter.png")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("button", name="Submit the card").click()
    expect(phone.get_by_text(re.compile("Submitted|submitted")).first).to_be_visible()

    # HR reviews and approves the card; the loop assigns training to the employee.
    hr = new_page()
    login(hr, "hr@example.com")
    hr.goto("/shop/review")
    hr.locator("tr", has_text="Операционный зал").get_by_role("link", name="Open").first.click()
    expect(hr.get_by_role("link", name="counter.png")).to_be_visible()
    card_id = hr.url.rstrip("/").rsplit("/", 1)[-1]
    hr.get_by_role("button", name="Approve").click()
    expect(hr.get_by_text(re.compile("approved", re.I)).first).to_be_visible()
    expect(hr.locator(".flash")).to_contain_text(re.compile(r"Approved\. [1-9]\d* training assignment"))

    # The department report, and its XLSX download.
    hr.goto("/reports/")
    expect(hr.locator("table.report")).to_be_visible()
    with hr.expect_download() as download:
        hr.get_by_role("link", name="XLSX").first.click()
    path = tmp_path / "departments.xlsx"
    download.value.save_as(path)
    sheet = load_workbook(path).active
    assert sheet.cell(1, 1).value.startswith("Departments report")  # a title row with the period
    assert sheet.cell(2, 1).value == "Department" and sheet.cell(3, 1).value == "Company"

    # The employee sees the card (never the shopper) and disputes the failed item.
    employee = new_page(phone=True)
    login(employee, "ekaterina.zaytseva@example.com")
    employee.goto("/shop/results")
    employee.locator(f"a[href='/shop/results/{card_id}']").click()
    assert "Игорь" not in employee.content() and "shopper@example.com" not in employee.content()
    dispute = employee.locator("details:has(#reason-no-interrupting)")
    dispute.locator("summary").click()
    dispute.locator("textarea").fill("Я дослушала клиента до конца, он сам попросил перейти к делу.")
    # Her profile language is Russian: the page speaks it whatever the browser asks for.
    dispute.get_by_role("button", name="Оспорить пункт").click()
    expect(employee.get_by_text(re.compile("Оспорено")).first).to_be_visible()
    employee.goto("/learn/my")
    expect(employee.get_by_text("назначен по итогам визита тайного покупателя").first).to_be_visible()


def test_action_from_a_failed_critical_item_to_sign_off(new_page, live_server):
    # An agency sends a card by API: the cashier was rude (a critical item).
    shopper = new_page()
    login(shopper, "shopper2@example.com")
    shopper.goto("/account/tokens")
    shopper.get_by_label("Token name").fill("Agency")
    shopper.get_by_role("button", name="Create a token").click()
    token = shopper.get_by_label("Token", exact=True).input_value()
    checklist = Path(__file__).resolve().parents[2] / "content" / "checklists" / "branch-visit.md"
    items = re.findall(r"\{id: ([\w-]+)", checklist.read_text(encoding="utf-8"))
    body = {
        "checklist": "branch-visit",
        "department": "Центральный регион/Москва, Тверская/Касса",
        "visited_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "answers": {**dict.fromkeys(items, "yes"), "polite": "no"},
        "comments": {"polite": "Кассир ответил грубо и отвернулся."},
    }
    request = urllib.request.Request(
        live_server["url"] + "/api/v1/scorecards",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:
        card_id = json.load(answer)["id"]

    # HR approves it: an action opens for the branch head.
    hr = new_page()
    login(hr, "hr@example.com")
    hr.goto(f"/shop/cards/{card_id}")
    hr.get_by_role("button", name="Approve").click()
    expect(hr.locator(".flash")).to_contain_text("Approved.")

    # The manager, on a phone, finds it on their team page, reads what went wrong and signs it off.
    manager = new_page(phone=True)
    login(manager, "manager@example.com")
    expect(manager.get_by_role("heading", name="My team")).to_be_visible()
    manager.goto("/notifications")
    manager.get_by_role("link", name=re.compile("An action for .*Касса")).first.click()  # newest first
    expect(manager.get_by_text("Был вежлив и доброжелателен").first).to_be_visible()
    assert "Марина" not in manager.content() and "shopper2@example.com" not in manager.content()
    manager.get_by_label("A coaching conversation").check()
    manager.get_by_label("What was said or changed, and how it went").fill(
        "Разобрали случай с кассиром, тон исправлен."
    )
    manager.get_by_role("button", name="Sign off").click()
    expect(manager.locator(".flash")).to_contain_text("Signed off.")
    assert manager.evaluate("document.documentElement.scrollWidth") <= 390

    # HR sees it closed for the department.
    hr.goto("/coaching/overview")
    row = hr.locator("tr", has_text="Касса").first
    expect(row.locator("td").nth(3)).not_to_have_text("0")  # signed off


@pytest.fixture
def own_card(live_server):
    """The card page of a new visit for the demo shopper, a copy of one due now, cancelled afterwards:
    the journeys that submit the demo's two visits due must find them (and the list) as the demo left them."""
    from sqlalchemy import create_engine, text

    engine = create_engine(live_server["env"]["DATABASE_URL"])
    columns = "department_id, checklist_item_id, channel, window_start, window_end, shopper_id, scenario"
    with engine.begin() as conn:
        source = conn.execute(
            text(
                "SELECT v.id FROM visits v JOIN users u ON u.id = v.shopper_id "
                "WHERE u.email = 'shopper@example.com' AND v.cancelled_at IS NULL ORDER BY v.id DESC"
            )
        ).first()[0]
        conn.execute(
            text(
                f"INSERT INTO visits ({columns}, created_at) "
                f"SELECT {columns}, CURRENT_TIMESTAMP FROM visits WHERE id = :id"
            ),
            {"id": source},
        )
        visit = conn.execute(text("SELECT MAX(id) FROM visits")).scalar_one()
    yield f"/shop/visits/{visit}/card"
    with engine.begin() as conn:
        conn.execute(text("UPDATE visits SET cancelled_at = CURRENT_TIMESTAMP WHERE id = :id"), {"id": visit})
    engine.dispose()


def test_two_quick_changes_of_a_card_answer_keep_the_newer(new_page, own_card):
    # The first save is held, as a slow server would hold it; the change after it must not overtake it.
    page = new_page()
    login(page, "shopper@example.com")
    page.goto(own_card)
    item = page.locator(".card-item").first
    expect(item).to_be_visible()
    held = []

    def hold_the_first(route):
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/autosave", hold_the_first)
    item.get_by_label("Yes").check()
    item.get_by_label("No").check()
    page.wait_for_timeout(500)  # sent at once, the "No" would be saved by now and the "Yes" after it
    assert len(held) == 1
    held[0].continue_()
    expect(page.locator("#save-status")).to_contain_text("✓")
    page.unroute("**/autosave")
    page.evaluate("localStorage.clear()")  # what the form shows next comes from the server only
    page.reload()
    expect(page.locator(".card-item").first.get_by_label("No")).to_be_checked()


def test_card_answers_given_offline_are_kept_and_sent_when_back(new_page, own_card):
    page = new_page()
    login(page, "shopper@example.com")
    page.goto(own_card)
    item = page.locator(".card-item").nth(1)
    expect(item).to_be_visible()
    item.get_by_label("Yes").check()
    expect(page.locator("#save-status")).to_contain_text("✓")
    page.context.set_offline(True)
    item.get_by_label("No").check()
    expect(page.locator("#save-status")).to_contain_text("kept on this device")
    page.context.set_offline(False)  # the browser says "online": what waits is sent
    expect(page.locator("#save-status")).to_contain_text("✓")
    page.evaluate("localStorage.clear()")
    page.reload()
    expect(page.locator(".card-item").nth(1).get_by_label("No")).to_be_checked()
