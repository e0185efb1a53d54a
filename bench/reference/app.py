"""The reference for the throughput benchmark: a minimal Flask app that renders one template from one indexed query."""

from __future__ import annotations

import os

from flask import Flask, render_template
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"])


@app.get("/healthz")
def healthz():
    return "ok"


@app.get("/")
def page():
    with engine.connect() as conn:
        user = conn.execute(text("SELECT id, name, email FROM users WHERE id = :id"), {"id": 1}).one()
    return render_template("page.html", user=user)
