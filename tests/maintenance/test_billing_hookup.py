"""The hook billing will call: closed, owner-paid in-home repairs, billed exactly once."""
from pms.maintenance.services import billing_hookup


def test_billable_repairs_and_mark_billed(api, clock, db):
    owner_paid = api.file()["id"]
    common = api.file(location="YJL-3-2", category="public_lighting")["id"]
    still_open = api.file()["id"]
    for tid, payer, amount in ((owner_paid, "owner", 4500), (common, "common", 8000), (still_open, "owner", 300)):
        api.post("manager", f"/api/v1/tickets/{tid}/assign", {"technician": "tech"})
        api.move("tech", tid, "in_progress")
        api.move("tech", tid, "resolved", payer=payer, amount_fen=amount)
    api.move("resident", owner_paid, "closed")
    api.move("manager", common, "closed")
    found = billing_hookup.billable_repairs(db, estate_id=None)
    assert [(r.ticket_id, r.amount_fen) for r in found] == [(owner_paid, 4500)]
    assert found[0].description.startswith(f"#{owner_paid} ")
    assert billing_hookup.mark_repair_billed(db, owner_paid, "B-2026-000123/REPAIR") is True
    assert billing_hookup.mark_repair_billed(db, owner_paid, "B-2026-000124/REPAIR") is False
    assert billing_hookup.mark_repair_billed(db, common, "B-x") is False  # not the owner's to pay
    db.commit()
    assert billing_hookup.billable_repairs(db) == []
    # a billed repair's payer can no longer change
    assert api.post("manager", f"/api/v1/tickets/{owner_paid}/payer", {"payer": "common"}).status_code == 409
