"""Services of 票证与罚没款. What other apps call:

- `stock.consume_number(kind_code, number, holder, used_for)` — 核销 of one numbered form or receipt on use (the
  documents app calls it when a document is issued on paper stock; offline payments call it for the receipt).
- `fines.ensure_receivable(case)` — the receivable of a decided fine (called by the workflow listener this app
  registers for the case processes; idempotent).
"""
