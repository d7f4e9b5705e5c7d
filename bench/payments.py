"""Payment notifications end to end against bare inserts, and a daily reconciliation of 100,000 statement lines.

`python -m bench payments [--quick]`: in a temporary directory (fresh SQLite; or the database of DATABASE_URL when
set) migrate, build a small unit tree, make N decided cases with their receivables and open payment orders
(N = 100 with --quick, 1,000 without), then time, in the same run,
- end to end: `receive_notice` for each order's signed notification (HMAC-SM3 check, idempotency look-up, row locks,
  the payment, the receivable and its instalments, the case's own 缴款 fields through the cases service, audit, the
  电子票据 job queued) — notifications per second;
- baseline: the same notifications inserted bare (one `PaymentNotice` row each, autocommit);
- reconciliation: import a statement of M lines (M = 10,000 with --quick, 100,000 without) matching M online
  payments already recorded (parse, store the lines, match, record differences). Goal: under 30 s for 100,000.
Goal for the notifications: ratio end to end / bare ≥ 0.3.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GOAL_RATIO = 0.3
GOAL_RECONCILE_S = 30.0

CODE = r"""
import datetime as dt, json, time
from decimal import Decimal
from django.utils import timezone
from teis.core.testing import make_tree, make_officer_user
from teis.org.roles import ensure_roles
from teis.cases.models import EnforcementCase
from teis.finance.models import Payment, PaymentNotice, PaymentOrder
from teis.finance.services import fines, payments, platform, reconcile
from teis.finance.services.statement import write_csv

ensure_roles()
tree = make_tree()
officer = make_officer_user(role_codes=["field_officer"], unit=tree["squad1"])
cashier = make_officer_user(role_codes=["finance_officer"], unit=tree["corps"])
n, m = {n}, {m}
now = timezone.now()
bodies = []
for i in range(n):
    case = EnforcementCase.objects.create(
        unit=tree["squad1"], handler=officer, title=f"案件{{i}}", decision_type="penalty", fine_amount=Decimal("200"),
        decided_at=now, served_at=now, payment_due=timezone.localdate() + dt.timedelta(days=15),
        payment_status="unpaid",
    )
    rec = fines.ensure_receivable(case)
    order = PaymentOrder.objects.create(receivable=rec, unit=rec.unit, order_no=f"PB{{i:012d}}", amount=rec.principal,
                                        status="open", platform_code=f"9{{i:017d}}")
    body = platform.dumps({{"order_no": order.order_no, "txn_id": f"TB{{i:012d}}", "amount": "200.00",
                            "paid_at": now.isoformat()}})
    bodies.append((body, platform.sign(body)))
t0 = time.perf_counter()
for body, sig in bodies:
    assert payments.receive_notice(body, sig)[0] == "accepted"
e2e = time.perf_counter() - t0
t0 = time.perf_counter()
for body, sig in bodies:
    d = json.loads(body)
    PaymentNotice.objects.create(order_no=d["order_no"], txn_id=d["txn_id"], amount=d["amount"], outcome="accepted",
                                 body=body.decode())
bare = time.perf_counter() - t0
rec = fines.ensure_receivable(EnforcementCase.objects.first())
Payment.objects.bulk_create(
    (Payment(receivable=rec, unit=rec.unit, channel="online", amount=Decimal("10.00"), paid_at=now,
             txn_id=f"TR{{i:012d}}") for i in range(m)),
    batch_size=5000,
)
stamp = timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S")
content = write_csv({{"txn_id": f"TR{{i:012d}}", "order_no": f"PR{{i:012d}}", "amount": "10.00", "paid_at": stamp}}
                    for i in range(m))
t0 = time.perf_counter()
st = reconcile.do_import_statement(cashier, "bench.csv", content)
rec_s = time.perf_counter() - t0
print("RESULT=" + json.dumps({{"n": n, "e2e": e2e, "bare": bare, "m": m, "reconcile": rec_s, "matched": st.matched,
                              "discrepancies": st.discrepancies}}))
"""


def run(quick: bool) -> dict[str, Any]:
    n, m = (100, 10_000) if quick else (1000, 100_000)
    with tempfile.TemporaryDirectory(prefix="teis-bench-") as var_dir:
        env = {**os.environ, "TEIS_VAR_DIR": var_dir, "DEBUG": "0", "TEIS_TESTING": "0", "LOG_LEVEL": "WARNING"}
        shell = ["shell", "-v", "0", "-c", CODE.format(n=n, m=m)]
        for args in (["migrate", "--noinput", "-v", "0"], ["createcachetable"], shell):
            done = subprocess.run(
                [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600
            )
            if done.returncode != 0:
                raise RuntimeError(f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}")
        out = done.stdout
    data = json.loads(next(line[7:] for line in out.splitlines() if line.startswith("RESULT=")))
    rate, base = data["n"] / data["e2e"], data["n"] / data["bare"]
    ratio = rate / base
    db = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    print(f"{db}; {data['n']} notifications, {data['m']} statement lines")
    print(
        f"notifications end to end {rate:.0f}/s; bare inserts {base:.0f}/s; ratio {ratio:.2f} "
        f"(goal ≥ {GOAL_RATIO}: {'met' if ratio >= GOAL_RATIO else 'NOT met'})"
    )
    print(
        f"reconciliation of {data['m']} lines: {data['reconcile']:.1f} s, matched {data['matched']}, "
        f"differences {data['discrepancies']} (goal < {GOAL_RECONCILE_S:.0f} s for 100,000)"
    )
    return {
        "bench": "payments",
        "value": round(rate, 1),
        "unit": "notifications/s",
        "baseline": round(base, 1),
        "ratio": round(ratio, 2),
        "p95_ms": None,
        "reconcile_lines": data["m"],
        "reconcile_s": round(data["reconcile"], 2),
    }
