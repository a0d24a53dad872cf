"""The returns pickup Schedule on the real dev server, run by the real worker against the real
payments service: a returns file dropped in the folder is imported when the schedule fires and
moved to `imported/`; a file naming a debit we never sent is moved to `refused/` with the
refusal naming its line, and changes nothing."""

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from temporalio.client import Client, ScheduleCalendarSpec
from temporalio.worker import Worker

from servicekit.settings import PlatformSettings
from services.payments.config import PaymentsSettings
from tests.payments.factories import add_pad, balance, charge_body
from tests.payments.returns_files import debit_segments, returned, returns_file
from tests.subscriptions.factories import UserFactory
from tests.support.mail import SmtpServer
from tests.workflows.test_export_schedules import fired
from workflows.exports.schedules import PAD_RETURNS_SCHEDULE, ensure_schedules
from workflows.subscription.calendar import local_today


@pytest.fixture
def returns_dir(
    payments_settings: PaymentsSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setattr(payments_settings, "pad_returns_dir", str(tmp_path / "returns"))
    monkeypatch.setattr(payments_settings, "export_dir", str(tmp_path / "exports"))
    return tmp_path / "returns"


async def test_the_pickup_schedule_imports_the_dropped_files_once(
    temporal_client: Client,
    worker: Worker,
    apps: dict[str, FastAPI],
    platform_settings: PlatformSettings,
    identity: httpx.AsyncClient,
    smtp: SmtpServer,
    database_urls: dict[str, str],
    returns_dir: Path,
) -> None:
    transport = httpx.ASGITransport(app=apps["payments"])
    async with httpx.AsyncClient(transport=transport, base_url="http://payments.test") as client:
        user = await UserFactory(identity, smtp, database_urls["identity"])()
        pad = (await add_pad(client, user)).json()
        internal = {"X-Service-Token": platform_settings.service_token}
        body = charge_body(user, pad["id"], 7100)
        debit = (await client.post("/internal/v1/charges", json=body, headers=internal)).json()
        assert debit["status"] == "paid"
        day = local_today(datetime.now(UTC)).isoformat()
        exported = await client.post(
            "/internal/v1/exports/cpa005", json={"day": day}, headers=internal
        )
        debits = Path(exported.json()["path"]).read_bytes().decode("ascii")
        invoices = (await client.get("/v1/invoices", headers=user.headers)).json()
        [number] = [i["number"] for i in invoices if i["id"] == debit["invoice_id"]]
        [segment] = [s for s in debit_segments(debits) if s[150:169].strip() == number]
        header = debits.split("\r\n", 1)[0]
        good = returns_file(header, [returned(segment, "901", "77")])
        unknown = segment[:150] + "F99999999".ljust(19) + segment[169:]
        bad = returns_file(header, [returned(unknown, "901", "78")])
        incoming = returns_dir / "incoming"
        incoming.mkdir(parents=True)
        (incoming / "retours-1.txt").write_bytes(good.encode("ascii"))
        (incoming / "retours-2.txt").write_bytes(bad.encode("ascii"))

        prefix = f"test-{uuid.uuid4().hex[:8]}-"
        ids = await ensure_schedules(temporal_client, platform_settings.temporal_task_queue, prefix)
        try:
            handle = temporal_client.get_schedule_handle(prefix + PAD_RETURNS_SCHEDULE)
            [calendar] = (await handle.describe()).schedule.spec.calendars
            assert isinstance(calendar, ScheduleCalendarSpec)
            assert [r.start for r in calendar.hour] == [7, 13]
            run = await fired(temporal_client, prefix + PAD_RETURNS_SCHEDULE)
        finally:
            for schedule_id in ids:
                await temporal_client.get_schedule_handle(schedule_id).delete()

        assert (run.files, run.count) == (["retours-1.txt"], 1)
        assert await balance(client, user) == 7100
        assert sorted(p.name for p in incoming.iterdir()) == []
        assert (returns_dir / "imported" / "retours-1.txt").read_bytes() == good.encode("ascii")
        note = json.loads((returns_dir / "refused" / "retours-2.txt.error.json").read_text())
        assert (note["error"], note["details"]["line"]) == ("return_item_unknown", 2)

        # The same file dropped again is a repeat: nothing changes.
        (incoming / "retours-1.txt").write_bytes(good.encode("ascii"))
        again = await client.post("/internal/v1/pad-returns/pickup", headers=internal)
        assert again.json()["files"] == [
            {"name": "retours-1.txt", "outcome": "duplicate", "items": 1, "error": None}
        ]
        assert await balance(client, user) == 7100
