"""A company-scale demo: 10,000 people, 500 departments in 4 levels, a year of history.

Rows are written in bulk (COPY on PostgreSQL, executemany on SQLite), but every
result is computed by the same scoring functions the services use: each quiz and
checklist gets a set of answer patterns scored once by ``score_quiz`` /
``score_card``, and attempts and cards are drawn from those patterns. Completions
follow the same rule as ``course_progress`` (every case read and its quiz passed),
and the report roll-ups are rebuilt from the base tables at the end, so the large
data set holds the invariants the real code paths produce.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, text

from app import rollups
from app.content import services as content
from app.content.model import Checklist, Quiz
from app.core.errors import DomainError
from app.extensions import db
from app.learning.scoring import score_quiz
from app.people import services as people_services
from app.people.models import User
from app.shopping.models import Scorecard
from app.shopping.scoring import score_card
from demo import company, rollout

REGIONS = ["Центральный", "Северо-Западный", "Южный", "Уральский", "Сибирский"]
CITIES = [
    ["Москва", "Тверь", "Тула", "Рязань", "Калуга"],
    ["Санкт-Петербург", "Псков", "Новгород", "Мурманск", "Петрозаводск"],
    ["Краснодар", "Ростов-на-Дону", "Сочи", "Волгоград", "Астрахань"],
    ["Екатеринбург", "Челябинск", "Пермь", "Тюмень", "Курган"],
    ["Новосибирск", "Омск", "Томск", "Барнаул", "Красноярск"],
]
TEAMS = ["Операционный зал", "Касса", "Контакт-центр"]
FIRST = ["Анна", "Мария", "Елена", "Ольга", "Наталья", "Ирина", "Светлана", "Татьяна", "Юлия", "Дарья"]
FIRST += ["Алексей", "Дмитрий", "Сергей", "Андрей", "Игорь", "Павел", "Михаил", "Николай", "Олег", "Иван"]
LAST = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров"]
LAST += ["Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев"]
FEMALE = set(FIRST[:10])

PEOPLE = 10_000
DEPARTMENTS = 500  # 5 regions, 25 cities, 120 offices, 350 teams
ATTEMPTS_PER_PERSON = 100  # about 1,000,000 attempts
CARDS = 100_000
PATTERNS = 48
CHUNK = 20_000
LIFT = 0.6  # the planted training effect: share of failed items of rollout.EFFECTS skills passed once trained
ROLLOUT_DAYS = [30, 110, 190, 270]  # when the training reaches each region after the year's start; the last: never
LOOP_CARDS = 200  # the latest approved cards whose failed items go through the real training loop


@dataclass
class QuizPlan:
    item_id: int
    version_id: int
    case_item_id: int | None
    pass_percent: float
    patterns: list[tuple]  # (earned, possible, percent, passed, [(key, response, earned, possible, correct)])


@dataclass
class ChecklistPlan:
    item_id: int
    version_id: int
    channel: str
    patterns: list[tuple]  # (total, computed, passed, critical_failed, sections, answers)
    doc: Checklist | None = None


class Writer:
    """Bulk rows into tables on the session's own connection and transaction."""

    def __init__(self):
        self.connection = db.session.connection()
        self.dialect = self.connection.dialect.name
        self.raw = self.connection.connection.driver_connection
        self.counts: dict[str, int] = {}

    def value(self, v):
        if isinstance(v, (list, dict)):
            return json.dumps(v, ensure_ascii=False)
        if self.dialect == "sqlite":
            if isinstance(v, datetime):
                return v.strftime("%Y-%m-%d %H:%M:%S.%f")
            if isinstance(v, date):
                return v.isoformat()
            if isinstance(v, bool):
                return int(v)
        return v

    def rows(self, table: str, columns: list[str], rows) -> None:
        batch: list[tuple] = []
        for row in rows:
            batch.append(tuple(self.value(v) for v in row))
            if len(batch) >= CHUNK:
                self._write(table, columns, batch)
                batch = []
        if batch:
            self._write(table, columns, batch)

    def _write(self, table: str, columns: list[str], batch: list[tuple]) -> None:
        self.counts[table] = self.counts.get(table, 0) + len(batch)
        names = ", ".join(columns)
        if self.dialect == "postgresql":
            with self.raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            self.raw.cursor().executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)

    def fix_sequences(self, tables: list[str]) -> None:
        if self.dialect != "postgresql":
            return
        for table in tables:
            db.session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1)) FROM {table}")
            )


def _quiz_patterns(quiz: Quiz, rng: random.Random) -> list[tuple]:
    """Responses of learners from weak to strong, each scored by the real scoring function."""
    patterns = []
    for n in range(PATTERNS):
        skill = 0.25 + 0.75 * n / (PATTERNS - 1)
        responses = {}
        for q in quiz.questions:
            right = q.correct_indexes if q.type != "order" else list(range(len(q.options)))
            if rng.random() < skill:
                responses[q.key] = list(right)
            elif q.type == "order":
                wrong = list(right)
                rng.shuffle(wrong)
                responses[q.key] = wrong
            else:
                others = [i for i in range(len(q.options)) if i not in right] or right
                responses[q.key] = [rng.choice(others)]
        score = score_quiz(quiz, responses)
        answers = [
            (
                q.key,
                responses[q.key],
                float(score.per_question[q.key]),
                float(q.points),
                score.per_question[q.key] == q.points,
            )
            for q in quiz.questions
        ]
        patterns.append(
            (
                float(score.earned),
                float(score.possible),
                float(score.percent),
                score.passed(quiz.pass_percent),
                answers,
            )
        )
    patterns.sort(key=lambda p: p[2])
    return patterns


def _card_pattern(checklist: Checklist, answers: dict[str, str]) -> tuple:
    """A card's figures, sections and item rows for these answers, scored by the services' own function."""
    score = score_card(checklist, answers)
    sections = [
        (
            i,
            s.title,
            float(s.weight),
            float(s.earned),
            float(s.possible),
            None if s.percent is None else float(s.percent),
        )
        for i, s in enumerate(score.sections)
    ]
    items = []
    position = 0
    by_item = {i.item_id: i for i in score.items}
    for index, section in enumerate(checklist.sections):
        for item in section.items:
            position += 1
            s = by_item[item.id]
            items.append((position, index, item.id, item.skill, answers[item.id], float(s.earned), float(s.possible),
                          answers[item.id] == "na", item.critical))  # fmt: skip
    return (
        None if score.total is None else float(score.total),
        None if score.computed_total is None else float(score.computed_total),
        score.passed,
        score.critical_failed,
        sections,
        items,
    )


def _checklist_patterns(checklist: Checklist, rng: random.Random) -> list[tuple]:
    patterns = []
    for n in range(PATTERNS * 2):
        quality = 0.55 + 0.45 * n / (PATTERNS * 2 - 1)
        answers = {}
        for item in checklist.items():
            roll = rng.random()
            if roll < 0.05:
                answers[item.id] = "na"
            elif item.critical:
                answers[item.id] = "no" if roll < 0.05 + (1 - quality) * 0.15 else "yes"
            else:
                answers[item.id] = "yes" if roll < 0.05 + quality * 0.95 else "no"
        patterns.append(_card_pattern(checklist, answers))
    return patterns


def _lifted(plan: ChecklistPlan, pattern: tuple, trained: set[str], rng: random.Random, cache: dict) -> tuple:
    """The pattern with the planted training effect: each "no" on an item of a skill in rollout.EFFECTS that
    the person was trained in before the visit turns "yes" with probability LIFT (rescored, cached)."""
    answers = {row[2]: row[4] for row in pattern[5]}
    flipped = frozenset(
        row[2]
        for row in pattern[5]
        if row[4] == "no" and row[3] in trained and row[3] in rollout.EFFECTS and rng.random() < LIFT
    )
    if not flipped:
        return pattern
    key = (plan.item_id, id(pattern), flipped)
    if key not in cache:
        cache[key] = _card_pattern(plan.doc, {**answers, **dict.fromkeys(flipped, "yes")})
    return cache[key]


def _next_id(table: str) -> int:
    return (db.session.scalar(text(f"SELECT MAX(id) FROM {table}")) or 0) + 1


def _recent_through_services(rng: random.Random, teams: list[int], now: datetime) -> tuple[int, int]:
    """The latest approved cards' failed items go through the real training loop, HR assigns courses to a
    few people individually, and the demo shopper gets two visits ahead, as in the small demo; returns
    (assignments, visits) made. A few hundred service calls on top of the bulk rows, so that work in
    flight exists at company scale too."""
    from app.learning import services as learning
    from app.people.models import Department
    from app.shopping import services as shopping

    created = 0
    recent = db.session.scalars(
        select(Scorecard)
        .where(Scorecard.status == "approved", Scorecard.employee_id.is_not(None))
        .order_by(Scorecard.approved_at.desc())
        .limit(LOOP_CARDS)
    ).all()
    for card in recent:
        created += len(shopping.assign_training_after(card, card.approved_at))
    hr = db.session.scalars(select(User).where(User.email == "hr@example.com")).one()
    # HR also picks people one by one: a course for a few dozen employees, due in a month.
    courses = content.published_all("course")
    picked = db.session.scalars(
        select(User).where(User.department_id.in_(rng.sample(teams, 30)), User.email.like("employee%"))
    ).all()
    for person in picked[:40]:
        course = rng.choice(courses).item
        created += len(learning.create_assignment(hr, course, users=[person], due_on=(now + timedelta(days=30)).date()))
    shopper = db.session.scalars(select(User).where(User.email == "shopper@example.com")).one()
    checklist = content.published_all("checklist")[0]
    scheduled = 0
    for offset in (0, 10):
        start = (now + timedelta(days=offset)).date()
        for team_id in rng.sample(teams[1:], 20):
            team = db.session.get(Department, team_id)
            if any(e.ok and e.shopper.id == shopper.id for e in shopping.shopper_eligibility(team, start)):
                shopping.schedule_visits(hr, [team], checklist.item, start, start + timedelta(days=7), shopper)
                scheduled += 1
                break
    db.session.flush()
    return created, scheduled


def load_large(
    seed: int = 11,
    people: int = PEOPLE,
    cards: int = CARDS,
    attempts_per_person: int = ATTEMPTS_PER_PERSON,
    progress=print,
) -> str:
    """Build the company-scale demo into an empty database with imported content."""
    if db.session.scalar(select(func.count(User.id))):
        raise DomainError("The database already has people; demo data was not loaded.")
    quizzes_v = content.published_all("quiz")
    checklists_v = content.published_all("checklist")
    courses_v = content.published_all("course")
    cases_v = {v.item.slug: v for v in content.published_all("case")}
    if not quizzes_v or not checklists_v or not courses_v:
        raise DomainError("Import the content first (flask --app wsgi content import).")
    rng = random.Random(seed)
    w = Writer()
    today = date.today()
    start_day = today - timedelta(days=365)
    now = datetime.combine(today, datetime.min.time())

    # ---- departments: 5 regions > 25 cities > 120 offices > 350 teams
    progress("departments")
    dept_rows, teams, offices = [], [], []
    next_dept = _next_id("departments")

    region_of: dict[int, int] = {}  # department -> index of its region

    def add_dept(name, parent):
        nonlocal next_dept
        region_of[next_dept] = region_of[parent] if parent is not None else sum(1 for r in dept_rows if r[2] is None)
        dept_rows.append((next_dept, name, parent, now - timedelta(days=400)))
        next_dept += 1
        return next_dept - 1

    office_counts = [5] * 20 + [4] * 5  # 120 offices over 25 cities
    team_slots = DEPARTMENTS - 5 - 25 - 120
    city_index = 0
    for r, region in enumerate(REGIONS):
        region_id = add_dept(f"{region} регион", None)
        for city in CITIES[r]:
            city_id = add_dept(city, region_id)
            for o in range(office_counts[city_index]):
                office_id = add_dept(f"Отделение {o + 1}", city_id)
                offices.append(office_id)
            city_index += 1
    for i in range(team_slots):
        office = offices[i % len(offices)]
        teams.append(add_dept(TEAMS[(i // len(offices)) % len(TEAMS)], office))
    w.rows("departments", ["id", "name", "parent_id", "created_at"], dept_rows)
    people_services.rebuild_tree()  # the closure table and paths of the departments written in bulk

    # ---- people: the demo accounts, HR, trainers, shoppers, then employees in teams
    progress("people")
    probe = User(email="x", name="x")
    probe.set_password(company.DEMO_PASSWORD)
    password_hash = probe.password_hash
    user_rows, role_rows = [], []
    next_user = _next_id("users")
    staff_by_dept: dict[int, list[int]] = {}
    employees: list[tuple[int, int]] = []  # (user id, department id)
    shoppers: list[int] = []
    used_emails: set[str] = set()

    def add_user(email, name, dept, roles):
        nonlocal next_user
        uid = next_user
        next_user += 1
        used_emails.add(email)
        user_rows.append((uid, email, name, password_hash, dept, True, now - timedelta(days=380)))
        for role in roles:
            role_rows.append((uid, role))
        if dept is not None and "employee" in roles:
            staff_by_dept.setdefault(dept, []).append(uid)
            employees.append((uid, dept))
        if "shopper" in roles:
            shoppers.append(uid)
        return uid

    for email, name, roles, path in company.ACCOUNTS:
        add_user(email, name, teams[0] if path else None, [str(r) for r in roles])
    for i in range(10):
        add_user(f"hr{i + 1}@example.com", f"Кадровик {i + 1}", None, ["hr"])
        add_user(f"trainer{i + 1}@example.com", f"Тренер {i + 1}", None, ["trainer"])
    for i in range(60):
        add_user(f"shopper{i + 1}@example.com", f"Тайный покупатель {i + 1}", None, ["shopper"])
    n = 0
    while len(user_rows) < people:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        last = last + "а" if first in FEMALE else last
        n += 1
        dept = teams[n % len(teams)]
        add_user(f"employee{n}@example.com", f"{first} {last}", dept, ["employee"])
    w.rows("users", ["id", "email", "name", "password_hash", "department_id", "active", "created_at"], user_rows)
    w.rows("user_roles", ["user_id", "role"], role_rows)

    # ---- content plans, scored once by the real scoring functions
    progress("scoring patterns")
    quiz_by_slug = {v.item.slug: v for v in quizzes_v}
    plans: list[QuizPlan] = []
    for v in quizzes_v:
        quiz = content.document(v)
        case_item = next((c.item_id for c in cases_v.values() if c.data.get("quiz") == v.item.slug), None)
        plans.append(QuizPlan(v.item_id, v.id, case_item, quiz.pass_percent, _quiz_patterns(quiz, rng)))
    checklist_plans = [
        ChecklistPlan(
            v.item_id,
            v.id,
            content.document(v).channel or "visit",
            _checklist_patterns(content.document(v), rng),
            content.document(v),
        )
        for v in checklists_v
    ]
    course_quizzes: dict[int, list[tuple[int, int]]] = {}  # course item -> [(case item, quiz item)]
    for cv in courses_v:
        pairs = []
        for slug in cv.data.get("cases") or []:
            case = cases_v.get(slug)
            quiz = quiz_by_slug.get(case.data.get("quiz")) if case else None
            pairs.append((case.item_id if case else None, quiz.item_id if quiz else None))
        course_quizzes[cv.item_id] = pairs

    # ---- learning: reads, attempts with answers, completions
    progress("learning history")
    next_attempt = _next_id("quiz_attempts")
    reads, completions = [], []
    attempt_cols = [
        "id", "user_id", "quiz_item_id", "version_id", "number", "seed", "status", "started_at",
        "finished_at", "timed_out", "earned", "possible", "percent", "passed", "department_id",
    ]  # fmt: skip
    answer_cols = ["attempt_id", "question_key", "response", "answered_at", "earned", "possible", "correct"]

    def attempts_and_answers():
        nonlocal next_attempt
        attempt_batch, answer_batch = [], []
        quota = attempts_per_person
        for uid, dept in employees:
            ability = min(0.98, max(0.0, rng.gauss(0.62, 0.2)))
            passed_at: dict[int, datetime] = {}
            read_at: dict[int, datetime] = {}
            taken = 0
            order = list(plans)
            rng.shuffle(order)
            # A staggered roll-out: learning reaches the regions one after another, the last one not yet.
            region = region_of[dept]
            reached = ROLLOUT_DAYS[region] if region < len(ROLLOUT_DAYS) else None
            while reached is not None and taken < quota:
                for plan in order:
                    if taken >= quota:
                        break
                    when = datetime.combine(start_day, datetime.min.time()) + timedelta(
                        days=reached + rng.randrange(365 - reached), minutes=rng.randrange(8 * 60, 20 * 60)
                    )
                    if plan.case_item_id and plan.case_item_id not in read_at:
                        read_at[plan.case_item_id] = when - timedelta(minutes=10)
                    index = min(PATTERNS - 1, max(0, int(rng.gauss(ability, 0.15) * PATTERNS)))
                    earned, possible, percent, passed, answers = plan.patterns[index]
                    number = taken // len(plans) + 1
                    aid = next_attempt
                    next_attempt += 1
                    taken += 1
                    finished = when + timedelta(minutes=rng.randrange(3, 15))
                    if passed and (plan.item_id not in passed_at or finished < passed_at[plan.item_id]):
                        passed_at[plan.item_id] = finished
                    attempt_batch.append((aid, uid, plan.item_id, plan.version_id, number, rng.randrange(1 << 30),
                                          "finished", when, finished, False, earned, possible, percent, passed,
                                          dept))  # fmt: skip
                    for key, response, e, p, correct in answers:
                        answer_batch.append((aid, key, response, finished, e, p, correct))
            for case_item, at in read_at.items():
                reads.append((uid, case_item, cases_version[case_item], at))
            for course_item, pairs in course_quizzes.items():
                if not pairs or any(c is None or q is None for c, q in pairs):
                    continue
                if all(c in read_at and q in passed_at for c, q in pairs):
                    done = max([passed_at[q] for _c, q in pairs] + [read_at[c] for c, _q in pairs])
                    completions.append((uid, course_item, done))
            if len(answer_batch) >= CHUNK * 5:
                w.rows("quiz_attempts", attempt_cols, attempt_batch)  # attempts before the answers that point at them
                w.rows("attempt_answers", answer_cols, answer_batch)
                attempt_batch, answer_batch = [], []
        w.rows("quiz_attempts", attempt_cols, attempt_batch)
        w.rows("attempt_answers", answer_cols, answer_batch)

    cases_version = {v.item_id: v.id for v in cases_v.values()}
    attempts_and_answers()
    w.rows("case_reads", ["user_id", "case_item_id", "version_id", "read_at"], reads)
    w.rows("course_completions", ["user_id", "course_item_id", "completed_at"], completions)
    skills_of = {cv.item_id: cv.data.get("skills") or [] for cv in courses_v}
    trained_on: dict[tuple[int, str], datetime] = {}  # (person, skill) -> first completion training it
    for uid, course_item, done in completions:
        for skill in skills_of.get(course_item, []):
            if (uid, skill) not in trained_on or done < trained_on[(uid, skill)]:
                trained_on[(uid, skill)] = done
    lifted: dict = {}

    # ---- assignments: every course to every region, due through the year
    progress("assignments")
    regions = [row[0] for row in dept_rows if row[2] is None]
    assignment_rows = []
    for r_index, region in enumerate(regions):
        for c_index, cv in enumerate(courses_v):
            due = start_day + timedelta(days=60 + 45 * c_index + 7 * r_index)
            assignment_rows.append((cv.item_id, region, due, "manual", now - timedelta(days=300)))
    w.rows("assignments", ["course_item_id", "department_id", "due_on", "reason", "created_at"], assignment_rows)

    # ---- mystery shopping: visits and approved cards drawn from scored patterns
    progress("scorecards")
    next_visit, next_card = _next_id("visits"), _next_id("scorecards")
    visit_cols = ["id", "department_id", "checklist_item_id", "channel", "window_start", "window_end",
                  "shopper_id", "created_at"]  # fmt: skip
    card_cols = ["id", "visit_id", "checklist_version_id", "department_id", "shopper_id", "employee_id",
                 "unidentified_note", "visited_at", "duration_min", "status", "submitted_at", "late",
                 "total_percent", "computed_percent", "passed", "critical_failed", "approved_at", "reviewed_at",
                 "source", "created_at", "updated_at"]  # fmt: skip
    section_cols = ["card_id", "position", "title", "weight", "earned", "possible", "percent"]
    item_cols = ["card_id", "position", "section", "item_id", "skill", "answer", "earned", "possible", "na", "critical"]
    visits, cards_rows, sections, items = [], [], [], []
    shop_depts = teams + offices
    for _ in range(cards):
        dept = rng.choice(shop_depts)
        plan = rng.choice(checklist_plans)
        pattern = rng.choice(plan.patterns)
        day = start_day + timedelta(days=rng.randrange(365))
        visited = datetime.combine(day, datetime.min.time()) + timedelta(minutes=rng.randrange(9 * 60, 19 * 60))
        late = rng.random() < 0.06
        submitted = visited + timedelta(hours=30 if late else rng.randrange(1, 20))
        approved = submitted + timedelta(hours=rng.randrange(2, 72))
        # The last days' cards are still where a real company's would be: submitted, waiting for review.
        submitted = min(submitted, now - timedelta(minutes=30))
        waiting = approved > now
        staff = staff_by_dept.get(dept)
        employee = rng.choice(staff) if staff and rng.random() < 0.9 else None
        trained = {s for s in rollout.EFFECTS if employee and trained_on.get((employee, s), datetime.max) <= visited}
        if trained:  # kept patterns are long-lived: the cache may key on them
            pattern = _lifted(plan, pattern, trained, rng, lifted)
        total, computed, passed, critical, section_rows, item_rows = pattern
        vid, cid = next_visit, next_card
        next_visit += 1
        next_card += 1
        visits.append((vid, dept, plan.item_id, plan.channel, day - timedelta(days=3), day + timedelta(days=3),
                       rng.choice(shoppers), visited - timedelta(days=10)))  # fmt: skip
        cards_rows.append((cid, vid, plan.version_id, dept, visits[-1][6], employee,
                           None if employee else "Сотрудник без бейджа, высокий, в очках", visited,
                           rng.randrange(5, 30), "submitted" if waiting else "approved", submitted, late, total,
                           computed, passed, critical, None if waiting else approved, None if waiting else approved,
                           "form", visited, submitted if waiting else approved))  # fmt: skip
        sections.extend((cid, *s) for s in section_rows)
        items.extend((cid, *i) for i in item_rows)
        if len(items) >= CHUNK * 5:
            w.rows("visits", visit_cols, visits)
            w.rows("scorecards", card_cols, cards_rows)
            w.rows("scorecard_sections", section_cols, sections)
            w.rows("scorecard_answers", item_cols, items)
            visits, cards_rows, sections, items = [], [], [], []
    w.rows("visits", visit_cols, visits)
    w.rows("scorecards", card_cols, cards_rows)
    w.rows("scorecard_sections", section_cols, sections)
    w.rows("scorecard_answers", item_cols, items)

    w.fix_sequences(["departments", "users", "quiz_attempts", "visits", "scorecards"])
    progress("the loop and visits ahead")
    loop_assignments, ahead = _recent_through_services(rng, teams, now)
    progress("report roll-ups")
    rollups.rebuild()
    if w.dialect == "postgresql":
        progress("planner statistics")
        db.session.execute(text("ANALYZE"))  # after a bulk load, before autovacuum would get to it
    c = w.counts
    waiting_cards = db.session.scalar(select(func.count(Scorecard.id)).where(Scorecard.status == "submitted"))
    return (
        f"Large demo company loaded: {c.get('departments', 0)} departments, {c.get('users', 0)} people, "
        f"{c.get('quiz_attempts', 0)} quiz attempts ({c.get('attempt_answers', 0)} answers), "
        f"{c.get('course_completions', 0)} course completions, {c.get('scorecards', 0) - waiting_cards} approved "
        f"cards and {waiting_cards} waiting for review, {loop_assignments} courses assigned to people one by one, "
        f"{ahead} visits ahead. "
        f"Password for all: {company.DEMO_PASSWORD}"
    )
