"""Screenshots of each demo role's home, at 1440 × 900 and 375 × 812, from a running `make run`.

    .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:8000] [--out var/screenshots] [--docs]

`--docs` also writes the 1440 px images of the homes to docs/img/home-<login>.png (the user guide's pictures).
Each page is checked as it is taken: HTTP 200 and no wider than the viewport.
"""

from __future__ import annotations

import argparse
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "Teis@2025"
SIZES = {"1440": (1440, 900), "375": (375, 812)}


def logins() -> list[str]:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "teis.settings")
    import django

    django.setup()
    from teis.org.demo import DEMO_LOGINS

    return [d.username for d in DEMO_LOGINS]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default=str(ROOT / "var" / "screenshots"))
    parser.add_argument("--docs", action="store_true")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--disable-background-networking"])
        for username in logins():
            for size, (width, height) in SIZES.items():
                page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
                page.goto(f"{args.base}/login/")
                page.fill("#id_username", username)
                page.fill("#id_password", PASSWORD)
                page.click("#login-btn")
                page.wait_for_load_state("networkidle")
                answer = page.goto(f"{args.base}/")
                page.wait_for_load_state("networkidle")
                wide = page.evaluate("document.documentElement.scrollWidth")
                if answer is None or answer.status != 200 or wide > width:
                    problems.append(f"{username} @{size}: HTTP {answer and answer.status}, {wide} px wide")
                path = out / f"home-{username}-{size}.png"
                page.screenshot(path=str(path), full_page=size == "375")
                if args.docs and size == "1440":
                    page.screenshot(path=str(ROOT / "docs" / "img" / f"home-{username}.png"))
                print(path)
                page.close()
        browser.close()
    for line in problems:
        print("问题：", line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
