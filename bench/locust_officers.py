"""Locust users for ``bench/load_site.py``: officers browsing and approving on the city world.

Each virtual officer signs in once (from its own client address, sent as ``X-Forwarded-For`` to a
server started with ``BAOTUAN_PROXY_COUNT=1``, so login throttling stays on and counts each
officer separately), then browses the dashboard, villages, organizations and recommendations and
now and then approves a recommended group. An approval that the rules refuse (the village was
taken by another officer a moment earlier, or an organization is full) is a correct answer (422),
not an error.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import threading

from locust import HttpUser, between, task

RUN_ID = int(os.environ["LOAD_RUN_ID"])
VILLAGES = os.environ["LOAD_VILLAGES"].split(",")
ORGS = os.environ["LOAD_ORGS"].split(",")
RECOMMENDED = os.environ["LOAD_RECOMMENDED"].split(",")
PASSWORD = os.environ["LOAD_PASSWORD"]
COUNTIES = ["泰山区", "岱岳区", "新泰市", "肥城市", "宁阳县", "东平县"]

_numbers = itertools.count(1)
_taken = threading.Lock()
_to_approve = list(RECOMMENDED)
random.Random(2020).shuffle(_to_approve)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Officer(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        n = next(_numbers)
        self.client.headers["X-Forwarded-For"] = f"10.20.{n // 200}.{n % 200 + 1}"
        page = self.client.get("/login", name="/login")
        token = _CSRF.search(page.text).group(1)
        self.client.post(
            "/login",
            data={"username": f"load{n:02d}", "password": PASSWORD, "csrf_token": token},
            name="/login [POST]",
        )
        self.csrf = _CSRF.search(self.client.get("/officer/", name="/officer/").text).group(1)

    @task(4)
    def dashboard(self) -> None:
        self.client.get("/officer/", name="/officer/")

    @task(4)
    def villages(self) -> None:
        params = {"county": random.choice(COUNTIES), "supported": random.choice(["", "no", "yes"])}
        self.client.get("/officer/villages", params=params, name="/officer/villages?filters")

    @task(4)
    def village(self) -> None:
        self.client.get(
            f"/officer/villages/{random.choice(VILLAGES)}", name="/officer/villages/<id>"
        )

    @task(3)
    def organizations(self) -> None:
        self.client.get(
            "/officer/organizations",
            params={"page": random.randint(1, 5)},
            name="/officer/organizations",
        )

    @task(3)
    def organization(self) -> None:
        self.client.get(
            f"/officer/organizations/{random.choice(ORGS)}", name="/officer/organizations/<id>"
        )

    @task(2)
    def recommendation(self) -> None:
        village = random.choice(RECOMMENDED)
        self.client.get(
            f"/officer/matching/runs/{RUN_ID}/villages/{village}",
            name="/officer/matching/runs/<id>/villages/<id>",
        )

    @task(1)
    def approve(self) -> None:
        with _taken:
            if not _to_approve:
                return
            village = _to_approve.pop()
        with self.client.post(
            f"/officer/matching/runs/{RUN_ID}/villages/{village}/accept",
            data={"csrf_token": self.csrf},
            name="/officer/matching/runs/<id>/villages/<id>/accept",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code in (302, 303, 422):
                response.success()
            else:
                response.failure(f"approve answered {response.status_code}")
