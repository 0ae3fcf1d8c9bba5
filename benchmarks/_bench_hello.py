"""A bare Flask "hello" app, served by benchmarks/resident_pages.py exactly as pms is (the floor)."""
from flask import Flask

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.get("/hello")
def hello():
    return "hello"
