from sqlalchemy import func, select

from app.extensions import db
from app.people.models import Department, User


def test_demo_loads_a_company_once(runner, client, auth):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(User.id))) >= 40
    regions = db.session.scalars(select(Department).where(Department.parent_id.is_(None))).all()
    assert len(regions) == 2
    branches = db.session.scalars(select(Department).where(Department.parent_id.in_([r.id for r in regions]))).all()
    assert len(branches) == 6
    for role in ("admin", "hr", "trainer", "shopper", "employee"):
        assert auth.login(f"{role}@example.com", "rapport-demo").status_code == 302
        landing = client.get("/dashboard").headers["Location"]
        assert client.get(landing).status_code == 200
        auth.logout()
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "already" in again.output
    assert db.session.scalar(select(func.count(Department.id))) == 2 + 6 + 8
