"""Billing tables: plans, runs and bills (plans.py, bills.py), payments and arrears
(payments.py), receipts (receipts.py), the home pages' snapshots of collection and of what is owed (snapshots.py) and the double-entry ledger (ledger.py)."""
from pms.billing.models.bills import Bill, BillingRun, BillLine, NumberCounter
from pms.billing.models.credit_notes import CreditNote
from pms.billing.models.late_fee_runs import LateFeeRun
from pms.billing.models.ledger import JournalEntry, JournalLine
from pms.billing.models.payments import (Demand, LateFeeAccrual, LateFeeSettlement, Payment,
                                         PaymentAllocation, PaymentReversal)
from pms.billing.models.receipts import Receipt
from pms.billing.models.snapshots import CollectionSnapshot, OwedSnapshot
from pms.billing.models.plans import (FeeItem, FeeItemEntrance, FeeItemFloorWeight, FeeItemRoom,
                                      FeePlan, FeePlanSubsidy)

__all__ = ["Bill", "BillingRun", "BillLine", "NumberCounter", "CreditNote", "JournalEntry", "JournalLine",
           "CollectionSnapshot", "OwedSnapshot", "LateFeeRun", "Demand", "LateFeeAccrual", "LateFeeSettlement", "Payment", "PaymentAllocation",
           "PaymentReversal", "Receipt", "FeeItem", "FeeItemEntrance", "FeeItemFloorWeight", "FeeItemRoom", "FeePlan",
           "FeePlanSubsidy"]
