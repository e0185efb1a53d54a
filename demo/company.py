"""The demo company: two regions, six branches, about forty employees, one account per role."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.core.errors import DomainError
from app.core.permissions import Role
from app.extensions import db
from app.people import services
from app.people.models import User

DEMO_PASSWORD = "rapport-demo"

TREE = {
    "Центральный регион": {
        "Москва, Тверская": ["Операционный зал", "Касса"],
        "Москва, Арбат": ["Операционный зал"],
        "Тула, Советская": ["Операционный зал"],
    },
    "Северо-Западный регион": {
        "Санкт-Петербург, Невский": ["Операционный зал", "Контакт-центр"],
        "Санкт-Петербург, Московский": ["Операционный зал"],
        "Великий Новгород": ["Операционный зал"],
    },
}

FIRST_NAMES_F = ["Анна", "Мария", "Екатерина", "Ольга", "Наталья", "Ирина", "Светлана", "Татьяна", "Юлия", "Дарья"]
FIRST_NAMES_M = ["Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Иван", "Николай", "Павел", "Артём", "Егор"]
LAST_NAMES = [
    ("Иванов", "Иванова"),
    ("Смирнов", "Смирнова"),
    ("Кузнецов", "Кузнецова"),
    ("Попов", "Попова"),
    ("Соколов", "Соколова"),
    ("Лебедев", "Лебедева"),
    ("Козлов", "Козлова"),
    ("Новиков", "Новикова"),
    ("Морозов", "Морозова"),
    ("Волков", "Волкова"),
    ("Соловьёв", "Соловьёва"),
    ("Васильев", "Васильева"),
    ("Зайцев", "Зайцева"),
    ("Павлов", "Павлова"),
    ("Семёнов", "Семёнова"),
    ("Голубев", "Голубева"),
]

TRANSLIT = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "е": "e",
        "ё": "e",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "й": "y",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "h",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "sch",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "yu",
        "я": "ya",
    }
)

ACCOUNTS = [
    ("admin@example.com", "Виктор Админов", [Role.ADMIN, Role.HR], None),
    ("hr@example.com", "Елена Кадрова", [Role.HR], None),
    ("trainer@example.com", "Ольга Тренерова", [Role.TRAINER], None),
    ("shopper@example.com", "Игорь Проверкин", [Role.SHOPPER], None),
    ("employee@example.com", "Анна Сотникова", [Role.EMPLOYEE], "Центральный регион/Москва, Тверская/Операционный зал"),
    ("manager@example.com", "Павел Руководов", [Role.MANAGER], "Центральный регион/Москва, Тверская"),
]


def load_demo(seed: int = 7) -> str:
    """Create the demo company; raises DomainError if the database already has people."""
    if db.session.scalar(select(func.count(User.id))):
        raise DomainError("The database already has people; demo data was not loaded.")
    rng = random.Random(seed)
    cache: dict = {}
    teams = []
    for region, branches in TREE.items():
        for branch, team_names in branches.items():
            for team in team_names:
                teams.append(services.ensure_path(None, f"{region}/{branch}/{team}", cache))
    for email, name, roles, path in ACCOUNTS:
        dept = services.ensure_path(None, path, cache) if path else None
        # the demo employee reads Rapport in Russian, and learns from the Russian courses
        language = DEMO_LANGUAGE if Role.EMPLOYEE in roles else None
        services.create_user(None, email, name, dept, roles, password=DEMO_PASSWORD, language=language)
    used = set()
    count = 0
    while count < 40:
        female = rng.random() < 0.6
        first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
        last = rng.choice(LAST_NAMES)[1 if female else 0]
        if (first, last) in used:
            continue
        used.add((first, last))
        email = f"{first.lower().translate(TRANSLIT)}.{last.lower().translate(TRANSLIT)}@example.com"
        team = teams[count % len(teams)]
        services.create_user(
            None, email, f"{first} {last}", team, [Role.EMPLOYEE], DEMO_PASSWORD, language=DEMO_LANGUAGE
        )
        count += 1
    db.session.flush()
    history = load_learning_history()
    shopping = load_shopping_history()
    from demo.rollout import load_rollout

    rollout = load_rollout()
    notices = load_notifications()
    return (
        f"Demo company loaded: {len(teams)} teams, {count + len(ACCOUNTS)} people. {history} {shopping} "
        f"{rollout} {notices} Password for all: {DEMO_PASSWORD}"
    )


# The demo company speaks Russian; these front-line courses are assigned to every region when present.
DEMO_LANGUAGE = "ru"
DEMO_COURSES = ("active-listening", "complaint-handling", "empathy")


def _demo_courses(courses: list) -> list:
    """Three courses in the demo company's language for its regions: the front-line ones the demo knows,
    else the first three in that language (a course in another language would contradict the training
    loop, which assigns only courses in the learner's language)."""
    own = [v for v in courses if (v.lang or "").split("-")[0] == DEMO_LANGUAGE]
    known = [v for slug in DEMO_COURSES for v in own if v.item.slug == slug]
    return known or own[:3]


def load_learning_history(seed: int = 11, today: datetime | None = None) -> str:
    """Assignments, case reads and quiz attempts over the last months, through the real services."""
    from app.content import services as content
    from app.content.models import ContentItem
    from app.learning import services as learning
    from app.learning.models import CaseRead
    from app.people.models import Department

    courses = content.published_all("course")
    if not courses:
        return "No content imported; no learning history."
    rng = random.Random(seed)
    now = today or datetime.now(UTC).replace(tzinfo=None)
    regions = db.session.scalars(select(Department).where(Department.parent_id.is_(None)).order_by(Department.id)).all()
    items = {v.item_id: v for v in courses}
    for i, region in enumerate(regions):
        for j, version in enumerate(_demo_courses(courses)):
            due = (now - timedelta(days=20 - 30 * ((i + j) % 2))).date()
            learning.create_assignment(
                None, db.session.get(ContentItem, version.item_id), department=region, due_on=due
            )
    case_versions = {v.item.slug: v for v in content.published_all("case")}
    quiz_versions = {v.item.slug: v for v in content.published_all("quiz")}
    employees = (
        db.session.scalars(select(User).join(User.roles).where(User.department_id.is_not(None)).order_by(User.id))
        .unique()
        .all()
    )
    attempts = 0
    for user in employees:
        skill = rng.uniform(0.45, 0.95)
        for assignment in learning.assignments_for(user):
            course = content.document(items[assignment.course_item_id]) if assignment.course_item_id in items else None
            if course is None:
                continue
            depth = rng.randint(0, len(course.cases))
            for case_slug in course.cases[:depth]:
                case_version = case_versions.get(case_slug)
                if case_version is None:
                    continue
                when = now - timedelta(days=rng.randint(3, 150), minutes=rng.randint(0, 600))
                read = learning.mark_read(user, case_version)
                read.read_at = when
                quiz_slug = case_version.data.get("quiz")
                quiz_version = quiz_versions.get(quiz_slug) if quiz_slug else None
                if quiz_version is None:
                    continue
                quiz = content.document(quiz_version)
                for _try in range(quiz.max_attempts or 2):
                    try:
                        attempt = learning.start_attempt(user, quiz_version, now=when)
                    except DomainError:
                        break
                    for question in quiz.questions:
                        learning.save_answer(attempt, question.key, _demo_answer(question, skill, rng), now=when)
                    learning.finish_attempt(attempt, when + timedelta(minutes=rng.randint(3, 9)))
                    attempts += 1
                    if attempt.passed:
                        break
                    when += timedelta(days=rng.randint(1, 5))
    db.session.flush()
    reads = db.session.scalar(select(func.count(CaseRead.id)))
    return f"Learning history: {reads} case reads, {attempts} quiz attempts."


def _demo_answer(question, skill: float, rng: random.Random) -> list[int]:
    n = len(question.options)
    if question.type == "order":
        order = list(range(n))
        if rng.random() > skill:
            a, b = rng.sample(range(n), 2)
            order[a], order[b] = order[b], order[a]
        return order
    correct = question.correct_indexes
    if rng.random() < skill:
        return list(correct) if question.type == "multiple" else [correct[0]]
    wrong = [i for i in range(n) if i not in correct] or correct
    return [rng.choice(wrong)]


DEMO_SHOPPERS = [
    ("shopper2@example.com", "Марина Тихонова"),
    ("shopper3@example.com", "Олег Незаметный"),
    ("shopper4@example.com", "Вера Случайная"),
]


def load_shopping_history(seed: int = 23, today: datetime | None = None) -> str:
    """Visits over the last months in every state, scored, reviewed and disputed through the real services."""
    from app.content import services as content
    from app.people.models import Department
    from app.shopping import services as shopping
    from app.shopping.models import Scorecard

    checklists = content.published_all("checklist")
    if not checklists:
        return "No checklists imported; no mystery-shop history."
    rng = random.Random(seed)
    now = today or datetime.now(UTC).replace(tzinfo=None)
    for email, name in DEMO_SHOPPERS:
        services.create_user(None, email, name, None, [Role.SHOPPER], DEMO_PASSWORD)
    hr = db.session.scalars(select(User).where(User.email == "hr@example.com")).one()
    main_shopper = db.session.scalars(select(User).where(User.email == "shopper@example.com")).one()
    anna = db.session.scalars(select(User).where(User.email == "employee@example.com")).one()
    teams = [d for d in db.session.scalars(select(Department).order_by(Department.id)) if not d.children]
    counts = {"approved": 0, "returned": 0, "submitted": 0, "rejected": 0, "scheduled": 0, "disputed": 0}
    for t_index, team in enumerate(teams):
        staff = shopping.department_staff(team)
        for k, days_ago in enumerate((170, 120, 75, 30, 8)):
            start = (now - timedelta(days=days_ago)).date()
            checklist = checklists[(t_index + k) % len(checklists)]
            eligible = [e.shopper for e in shopping.shopper_eligibility(team, start) if e.ok]
            if not eligible:
                continue
            shopper = eligible[(t_index + k) % len(eligible)]
            visit = shopping.schedule_visits(hr, [team], checklist.item, start, start + timedelta(days=6), shopper)[0]
            card = shopping.card_for_visit(shopper, visit)
            visited = datetime.combine(start, datetime.min.time()) + timedelta(
                days=rng.randint(0, 5), hours=rng.randint(9, 18)
            )
            served = (
                anna if anna in staff and k >= 1 else (rng.choice(staff) if staff and rng.random() < 0.85 else None)
            )
            quality = rng.uniform(0.6, 0.97)
            answers, comments = {}, {}
            for item in content.document(checklist).items():
                roll = rng.random()
                answers[item.id] = (
                    "na" if roll > 0.95 else ("yes" if roll < quality or (item.critical and roll < 0.97) else "no")
                )
                if answers[item.id] == "no":
                    comments[item.id] = rng.choice(
                        ["Не сделал.", "Пропустил этот шаг.", "Было не так, как в стандарте."]
                    )
            if served is anna and days_ago == 8 and "no" not in answers.values():  # something to dispute
                item = next(i for i in content.document(checklist).items() if not i.critical)
                answers[item.id], comments[item.id] = "no", "Не предложил альтернативу."
            shopping.save_draft(
                card,
                answers=answers,
                comments=comments,
                visited_at=visited,
                duration_min=rng.randint(8, 25),
                employee_id=served.id if served else None,
                unidentified_note=None if served else "Молодой человек в очках, без бейджа",
                summary="Визит прошёл в рабочем режиме.",
            )
            submitted_at = visited + timedelta(hours=rng.choice([2, 5, 30]))
            shopping.submit_card(card, submitted_at)
            fate = "approve" if days_ago > 8 else rng.choice(["approve", "leave", "return"])
            recent_for_anna = served is anna and days_ago == 8  # approved yesterday: she can still dispute it
            if recent_for_anna:
                fate = "approve"
            if t_index == 0 and k == 2:
                fate = "reject"
            if fate == "leave":
                counts["submitted"] += 1
                continue
            note = None if fate == "approve" else "Уточните время визита и приложите чек."
            if recent_for_anna:  # reviewed 20 hours ago, after it was submitted
                reviewed_at = max(now - timedelta(hours=20), submitted_at + timedelta(minutes=5))
            else:
                reviewed_at = submitted_at + timedelta(days=1)
            shopping.review_card(hr, card, fate, note, now=reviewed_at)
            counts["approved" if fate == "approve" else "returned" if fate == "return" else "rejected"] += 1
            if fate == "approve" and served is anna and days_ago < 100 and not recent_for_anna:
                failed = [a for a in card.answers if a.answer == "no"]
                if failed:
                    shopping.open_dispute(
                        anna,
                        card,
                        failed[0].item_id,
                        "Клиент сам попросил не представляться.",
                        now=card.approved_at + timedelta(days=1),
                    )
                    counts["disputed"] += 1
    # visits waiting for the main demo shopper: one due now, one upcoming
    for offset in (0, 10):
        team = next(
            (
                t
                for t in teams
                if any(
                    e.ok and e.shopper.id == main_shopper.id
                    for e in shopping.shopper_eligibility(t, (now + timedelta(days=offset)).date())
                )
            ),
            None,
        )
        if team is not None:
            start = (now + timedelta(days=offset)).date()
            shopping.schedule_visits(
                hr,
                [team],
                checklists[0].item,
                start,
                start + timedelta(days=7),
                main_shopper,
                "Спросите про вклад и попросите сравнить два тарифа.",
            )
            counts["scheduled"] += 1
    db.session.flush()
    total = db.session.scalar(select(func.count(Scorecard.id)))
    return (
        f"Mystery shopping: {total} cards ({counts['approved']} approved, {counts['submitted']} to review, "
        f"{counts['returned']} returned, {counts['rejected']} rejected, {counts['disputed']} disputed), "
        f"{counts['scheduled']} visits ahead."
    )


def load_notifications(today: datetime | None = None) -> str:
    """Run the notifier once at a fixed moment, as cron would, with every email going to the outbox.

    The services above already recorded the event notices (assignments, quiz results, visits, reviews);
    this adds the reminders and digests due now. The generated staff read Rapport in Russian, so the
    outbox shows both languages, and notices older than a fortnight count as read.
    """
    from sqlalchemy import update

    from app.notify import mail, reminders
    from app.notify.models import Notice

    now = today or datetime.now(UTC).replace(tzinfo=None)
    accounts = {email for email, *_rest in ACCOUNTS}
    for user in db.session.scalars(select(User).where(User.locale.is_(None))):
        if user.email not in accounts and user.has_role(Role.EMPLOYEE):
            user.locale = DEMO_LANGUAGE
    db.session.flush()
    for _name, step in reminders.STEPS:
        step(now)
    delivery = mail.deliver_pending(now, smtp=False, commit=False)
    db.session.execute(
        update(Notice)
        .where(Notice.created_at < now - timedelta(days=14), Notice.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    total = db.session.scalar(select(func.count(Notice.id)))
    return f"Notifications: {total} notices, {delivery.sent} emails in the outbox."
