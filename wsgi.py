from app import create_app
from demo.cli import register as register_demo

app = create_app()
register_demo(app)  # `flask --app wsgi demo`: demo data is not part of the app
