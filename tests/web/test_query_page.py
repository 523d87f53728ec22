"""The Advanced query page in the browser on a live roost: AWS's example queries over the recorded
sandbox, GROUP BY counts, errors, saved queries, as-of queries over history, the CSV export and
roost's JSON endpoints for history queries."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page

from roost.model import AccountRegion
from tests.web.conftest import LiveRoost, eventually

SOURCE = AccountRegion("123456789012", "us-east-1")
OPEN_SSH = (
    "SELECT resourceId, resourceName, configuration.ipPermissions.fromPort "
    "WHERE resourceType = 'AWS::EC2::SecurityGroup' AND configuration.ipPermissions.fromPort = 22"
)


def recorded(live_roost: LiveRoost) -> None:
    live_roost.roost.ensure_recording(SOURCE)
    passed = eventually(lambda: (p := live_roost.roost.store.recorders.last_pass(SOURCE)) and p.finished_time)
    assert passed, "the first recording pass did not finish"


def table(page: Page) -> tuple[list[str], list[list[str]]]:
    results = page.locator("[data-test=result-table]")
    headers = [h.strip() for h in results.locator("thead th").all_inner_texts()]
    rows = [
        [c.strip() for c in row.locator("td").all_inner_texts()] for row in results.locator("tbody tr").all()
    ]
    return headers, rows


@pytest.mark.slow
def test_examples_errors_saved_queries_and_export(
    live_roost: LiveRoost, page: Page, shot: Callable[[str], Path]
) -> None:
    recorded(live_roost)
    group = live_roost.resources.security_groups["us-east-1"]

    page.goto(live_roost.url + "/query")
    assert page.title() == "Advanced query · roost"
    assert page.locator("[data-nav=Query]").get_attribute("class") == "active"
    shot("query-empty")

    # An example from the picker fills the editor; Run shows its rows.
    page.select_option("[data-test=examples]", label="Security groups open on port 22")
    assert "fromPort = 22" in page.locator("[data-test=expression]").input_value()
    page.click("[data-test=run]")
    headers, rows = table(page)
    assert headers == ["resourceId", "resourceName", "configuration.ipPermissions.fromPort"]
    assert [group, "unrestricted-ssh", "22"] in rows
    shot("query-open-ssh")

    # A GROUP BY query: the COUNT(*) column.
    page.select_option("[data-test=examples]", label="EC2 instances by instance type")
    page.click("[data-test=run]")
    headers, rows = table(page)
    assert headers == ["configuration.instanceType", "COUNT(*)"]
    assert ["t3.micro", "1"] in rows
    page.select_option("[data-test=examples]", label="Count of resources by type")
    page.click("[data-test=run]")
    headers, rows = table(page)
    assert headers == ["resourceType", "COUNT(*)"]
    counts = live_roost.roost.store.items.resource_counts(SOURCE)
    assert ["AWS::EC2::SecurityGroup", str(counts["AWS::EC2::SecurityGroup"])] in rows
    shot("query-count-by-type")

    # Paging: 10 rows a page, then the next page (NextToken).
    assert sum(counts.values()) > 10
    page.fill("[data-test=expression]", "SELECT resourceType, resourceId ORDER BY resourceId")
    page.select_option("select[name=limit]", "10")
    page.click("[data-test=run]")
    first = table(page)[1]
    assert len(first) == 10
    page.click("[data-test=next-page]")
    second = table(page)[1]
    assert second and not set(map(tuple, second)) & set(map(tuple, first))
    assert page.locator("select[name=limit]").input_value() == "10"
    assert page.locator("[data-test=first-page]").count() == 1
    shot("query-second-page")

    # An invalid query shows AWS's error.
    page.fill("[data-test=expression]", "SELECT resourceId FROM everything")
    page.click("[data-test=run]")
    error = page.locator("[data-test=query-error]").inner_text()
    assert error.startswith("InvalidExpressionException")
    assert page.locator("[data-test=results]").count() == 0
    assert page.locator("[data-test=expression]").input_value() == "SELECT resourceId FROM everything"
    shot("query-error")

    # Save a query, see it listed, load it, delete it.
    page.fill("[data-test=expression]", OPEN_SSH)
    page.fill("[data-test=save-form] input[name=name]", "open-ssh")
    page.fill("[data-test=save-form] input[name=description]", "Security groups open on port 22")
    page.click("[data-test=save]")
    assert "Saved query open-ssh" in page.locator(".message.note").inner_text()
    saved = page.locator("[data-saved=open-ssh]")
    assert "Security groups open on port 22" in saved.inner_text()
    assert live_roost.config().get_stored_query(QueryName="open-ssh")["StoredQuery"]["Expression"] == OPEN_SSH
    shot("query-saved")
    page.goto(live_roost.url + "/query")
    assert page.locator("[data-test=expression]").input_value() != OPEN_SSH
    page.locator("[data-saved=open-ssh] [data-test=load]").click()
    assert page.locator("[data-test=expression]").input_value() == OPEN_SSH
    assert "Loaded saved query open-ssh" in page.locator(".message.note").inner_text()
    page.click("[data-test=run]")
    assert [group, "unrestricted-ssh", "22"] in table(page)[1]
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-saved=open-ssh] [data-test=delete]").click()
    assert "Deleted saved query open-ssh" in page.locator(".message.note").inner_text()
    assert page.locator("[data-saved=open-ssh]").count() == 0
    shot("query-deleted")

    # The CSV export of the current query: a header row, then the rows.
    page.goto(live_roost.url + "/query?" + urlencode({"expression": OPEN_SSH}))
    with page.expect_download() as downloading:
        page.click("[data-test=export-csv]")
    download = downloading.value
    assert download.suggested_filename == "query.csv"
    exported = list(csv.reader(io.StringIO(Path(download.path()).read_text())))
    assert exported[0] == ["resourceId", "resourceName", "configuration.ipPermissions.fromPort"]
    assert [group, "unrestricted-ssh", "22"] in exported[1:]

    # The JSON export and roost's JSON endpoint answer with the rows as objects.
    answer = page.request.get(live_roost.url + "/query/export.json?" + urlencode({"expression": OPEN_SSH}))
    assert answer.ok
    assert any(row["resourceId"] == group for row in answer.json()["Results"])
    answer = page.request.get(live_roost.url + "/roost/query.json?" + urlencode({"expression": OPEN_SSH}))
    assert answer.ok
    body = answer.json()
    assert body["SelectFields"] == ["resourceId", "resourceName", "configuration.ipPermissions.fromPort"]
    assert {
        "resourceId": group,
        "resourceName": "unrestricted-ssh",
        "configuration": {"ipPermissions": [{"fromPort": 22}]},
    } in body["Results"]
    bad = page.request.get(
        live_roost.url + "/roost/query.json?" + urlencode({"expression": "SELECT resourceId WHERE"})
    )
    assert bad.status == 400
    assert bad.json()["__type"] == "InvalidExpressionException"
    bad = page.request.get(live_roost.url + "/roost/changes.json?from=yesterday&to=now")
    assert bad.status == 400
    assert bad.json()["__type"] == "ValidationException"


@pytest.mark.slow
def test_as_of_shows_the_earlier_state(
    live_roost: LiveRoost, page: Page, shot: Callable[[str], Path]
) -> None:
    recorded(live_roost)
    group = live_roost.resources.security_groups["us-east-1"]
    config = live_roost.config()

    def open_groups() -> list[str]:
        rows = config.select_resource_config(Expression=OPEN_SSH)["Results"]
        return [r for r in rows if group in r]

    assert open_groups()
    time.sleep(1.2)
    before = datetime.now(UTC).replace(microsecond=0)
    time.sleep(1.2)
    live_roost.cloud("ec2").revoke_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    assert eventually(lambda: not open_groups(), timeout=90), "the next pass did not record the change"

    page.goto(live_roost.url + "/query?" + urlencode({"expression": OPEN_SSH}))
    _, rows = table(page)
    assert not any(group in row for row in rows)
    shot("query-now")

    page.fill("[data-test=as-of]", before.strftime("%Y-%m-%dT%H:%M:%S"))
    page.click("[data-test=run]")
    _, rows = table(page)
    assert [group, "unrestricted-ssh", "22"] in rows
    assert "as of" in page.locator("[data-test=results] h2").inner_text()
    shot("query-as-of")

    # The same through roost's JSON endpoints.
    iso = before.strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = page.request.get(
        live_roost.url + "/roost/query.json?" + urlencode({"expression": OPEN_SSH, "as_of": iso})
    )
    assert answer.ok, answer.text()
    assert answer.json()["AsOf"].startswith(iso[:-1])
    assert [row["resourceId"] for row in answer.json()["Results"]] == [group]
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    changes = page.request.get(live_roost.url + "/roost/changes.json?" + urlencode({"from": iso, "to": now}))
    assert changes.ok, changes.text()
    assert {
        "accountId": SOURCE.account_id,
        "awsRegion": SOURCE.region,
        "resourceType": "AWS::EC2::SecurityGroup",
        "resourceId": group,
    } in changes.json()["Changes"]
