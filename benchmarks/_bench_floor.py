"""The floor of a resident's bill list in this stack: Flask and SQLAlchemy Core on one pooled
connection, the four statements pms needs (who is asking, the room, its bills, their lines) as
plain SQL, rows to JSON with the standard library. No ORM, no marshmallow, no hooks: what any
Flask + SQLAlchemy + PostgreSQL service answering this question costs (benchmarks/resident_pages.py)."""
import json
import os

from flask import Flask, Response
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine(os.environ["PMS_DATABASE_URL"], pool_size=8, max_overflow=0)

USER = text("SELECT u.id, u.role FROM user_account u WHERE u.username = :username AND u.is_active")
ROOM = text("SELECT r.id, r.code FROM room r JOIN user_room ur ON ur.room_id = r.id "
            "WHERE r.code = :code AND ur.user_id = :user_id")
BILLS = text("SELECT b.id, b.number, b.period, b.due_date, b.status, b.total_fen, b.subsidy_fen, b.payable_fen, "
             "b.paid_fen FROM bill b WHERE b.room_id = :room_id ORDER BY b.period DESC, b.number DESC LIMIT 120")
LINES = text("SELECT l.bill_id, l.item_code, l.amount_fen, l.subsidy_fen FROM bill_line l "
             "WHERE l.bill_id = ANY(:ids) ORDER BY l.id")


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.get("/floor/rooms/<code>/bills")
def bills(code):
    with engine.begin() as conn:
        user = conn.execute(USER, {"username": "resident"}).one()
        room = conn.execute(ROOM, {"code": code, "user_id": user.id}).one()
        found = conn.execute(BILLS, {"room_id": room.id}).all()
        lines: dict[int, list] = {b.id: [] for b in found}
        for line in conn.execute(LINES, {"ids": list(lines)}):
            lines[line.bill_id].append({"code": line.item_code, "amount_fen": line.amount_fen,
                                        "subsidy_fen": line.subsidy_fen})
    items = [{"number": b.number, "period": b.period, "due_date": b.due_date.isoformat(), "status": b.status,
              "total_fen": b.total_fen, "subsidy_fen": b.subsidy_fen, "payable_fen": b.payable_fen,
              "paid_fen": b.paid_fen, "lines": lines[b.id]} for b in found]
    return Response(json.dumps({"items": items}), mimetype="application/json")
