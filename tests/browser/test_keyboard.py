"""Keyboard-only journeys: Tab to move, Space and Enter to act, arrows and typing in lists.

No click anywhere: every control is reached by pressing Tab from wherever the focus is, and at
each stop the focused element must show a visible focus indicator.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, use_language
from tests.browser.test_accessibility import audit

FOCUS_STYLE = """() => {
    const s = getComputedStyle(document.activeElement);
    return {outline: s.outlineStyle, width: parseFloat(s.outlineWidth) || 0, shadow: s.boxShadow};
}"""


def tab_to(page, locator, limit: int = 400) -> None:
    """Press Tab until ``locator`` has the focus; fail if it is never reached or shows no focus ring."""
    target = locator.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("el => document.activeElement === el", target):
            style = page.evaluate(FOCUS_STYLE)
            visible = (style["outline"] != "none" and style["width"] > 0) or style["shadow"] not in ("none", "")
            assert visible, f"no visible focus on {locator}: {style}"
            return
    raise AssertionError(f"Tab never reached {locator}")


def keyboard_login(page, email: str) -> None:
    page.goto("/login")
    tab_to(page, page.get_by_label("Email"))
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)
    use_language(page, "en")  # the demo employee reads Russian until she switches


def test_employee_takes_a_quiz_with_single_multiple_and_order_questions_by_keyboard(new_page):
    page = new_page()
    keyboard_login(page, "employee@example.com")
    page.goto("/learn/quizzes/hi-admit-mistake")  # single, multiple and order questions
    start = page.get_by_role("button", name="Start the quiz").or_(
        page.get_by_role("link", name="Continue your attempt")
    )
    tab_to(page, start)
    page.keyboard.press("Enter")
    expect(page.locator("fieldset.question").first).to_be_visible()
    serious = [v for v in audit(page)["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, serious  # the attempt page is reached by a form, so the link crawl never sees it

    questions = page.locator("fieldset[data-question]")
    kinds = [questions.nth(i).get_attribute("data-type") for i in range(questions.count())]
    assert {"single", "multiple", "order"} <= set(kinds)
    for i, kind in enumerate(kinds):
        q = questions.nth(i)
        if kind == "single":
            tab_to(page, q.locator("input").first)
            page.keyboard.press("ArrowDown")  # arrows move through a radio group and choose
            expect(q.locator("input:checked")).to_have_count(1)
        elif kind == "multiple":
            boxes = q.locator("input")
            for n in range(min(2, boxes.count())):
                tab_to(page, boxes.nth(n))
                page.keyboard.press("Space")
            expect(q.locator("input:checked")).to_have_count(min(2, boxes.count()))
        else:
            selects = q.locator("select")
            for n in range(selects.count()):
                tab_to(page, selects.nth(n))
                page.keyboard.type(str(selects.count() - n))  # positions chosen by typing, last item first
            for n in range(selects.count()):
                expect(selects.nth(n)).to_have_value(str(selects.count() - n))
    expect(page.locator("#save-status")).to_contain_text("✓")
    tab_to(page, page.get_by_role("button", name="Finish and see the result"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/result"))
    expect(page.get_by_text("%").first).to_be_visible()
    serious = [v for v in audit(page)["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, serious


def test_shopper_fills_a_checklist_and_hr_approves_it_by_keyboard(new_page):
    phone = new_page()
    keyboard_login(phone, "shopper@example.com")
    # The last visit due: the shop-loop journey fills in the first, and both may run on one live server.
    visit = phone.locator("ul.todo a").last
    tab_to(phone, visit)
    phone.keyboard.press("Enter")
    items = phone.locator(".card-item")
    expect(items.first).to_be_visible()
    assert items.count() >= 5
    for i in range(items.count()):
        yes = items.nth(i).get_by_label("Yes")
        tab_to(phone, items.nth(i).locator("input[type=radio]").first)
        while not yes.is_checked():
            phone.keyboard.press("ArrowDown")  # from the first answer to "Yes", wherever it sits
        expect(yes).to_be_checked()
    visited = datetime.now(ZoneInfo("Europe/Moscow")) - timedelta(minutes=45)
    tab_to(phone, phone.get_by_label("Date and time of the visit"))
    phone.get_by_label("Date and time of the visit").fill(visited.strftime("%Y-%m-%dT%H:%M"))  # typed value
    tab_to(phone, phone.get_by_label("Who served you"))
    phone.keyboard.press("ArrowDown")  # the first person on the staff list
    tab_to(phone, phone.get_by_label("Duration, minutes"))
    phone.keyboard.type("9")
    expect(phone.locator("#save-status")).to_contain_text("✓")
    tab_to(phone, phone.get_by_role("button", name="Submit the card"))
    phone.keyboard.press("Enter")
    expect(phone.locator(".flash").first).to_contain_text(re.compile("[Ss]ubmitted"))

    hr = new_page()
    keyboard_login(hr, "hr@example.com")
    hr.goto("/shop/review")
    tab_to(hr, hr.get_by_role("link", name="Open").first)
    hr.keyboard.press("Enter")
    expect(hr.get_by_role("button", name="Approve")).to_be_visible()
    tab_to(hr, hr.get_by_role("button", name="Approve"))
    hr.keyboard.press("Enter")
    expect(hr.locator(".flash")).to_contain_text("Approved.")


def test_employee_practises_on_a_phone_by_keyboard(new_page):
    """A daily practice session on a phone-sized screen, by keyboard alone: choose, check, see feedback, go on."""
    page = new_page(phone=True)
    keyboard_login(page, "employee@example.com")
    page.goto("/dashboard")  # the learner's dashboard links to practice
    link = page.get_by_role("button", name="Daily practice")
    tab_to(page, link)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/learn/practice"))
    if page.get_by_role("link", name="Practise more").count():
        tab_to(page, page.get_by_role("link", name="Practise more"))
        page.keyboard.press("Enter")
    for answered in (1, 2):
        options = page.locator("form.practice-form input[name=choice]")
        expect(options.first).to_be_visible()
        tab_to(page, options.first)
        page.keyboard.press("Space")  # a radio is chosen with Space, a checkbox ticked
        expect(page.locator("form.practice-form input[name=choice]:checked")).to_have_count(1)
        tab_to(page, page.get_by_role("button", name="Check my answer"))
        page.keyboard.press("Enter")
        expect(page.locator("#feedback h2")).to_have_text(re.compile(r"Right\.|Not quite\."))
        expect(page.get_by_text(f"Today: {answered} of 5")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # nothing wider than the phone
    serious = [v for v in audit(page)["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, serious
