"""The Conformance packs pages: every pack with its state, compliance and score, and deploying one
from a template (uploaded as a file or pasted), with "Check template" to see, before deploying,
which of its rules roost evaluates. A pack's own page is in packs_detail.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.datastructures import UploadFile
from starlette.responses import Response

from roost.api.context import RequestContext
from roost.api.operations.packs import put_conformance_pack_from
from roost.api.service_model import operation_model
from roost.api.validation import validate_input
from roost.errors import ApiError
from roost.model import AccountRegion
from roost.packs.check import check_template
from roost.packs.template import MAX_TEMPLATE_FILE, TemplateError
from roost.web.app import Page, page
from roost.web.pages.rules import all_pages

NAMES_PER_SUMMARY = 5
"""GetConformancePackComplianceSummary takes at most 5 pack names."""
INSUFFICIENT = "INSUFFICIENT_DATA"


def pack_url(name: str) -> str:
    return f"/packs/{quote(name, safe='')}"


def source(p: Page) -> AccountRegion:
    return AccountRegion(p.caller.account_id, p.caller.region)


def score_view(score: str | None) -> dict[str, Any]:
    """A score as the pages show it: "87.50 %" with a bar, or no data."""
    if not score or score == INSUFFICIENT:
        return {"known": False, "text": "no data", "percent": 0.0}
    value = float(score)
    return {"known": True, "text": f"{value:.2f} %", "percent": value}


def state_class(state: str) -> str:
    """The badge a pack's state wears: complete green, failed red, in progress amber."""
    if state.endswith("_COMPLETE"):
        return "ok"
    if state.endswith("_FAILED"):
        return "bad"
    return "IN_PROGRESS"


# --- the deploy form ------------------------------------------------------------------------------


def parse_parameters(text: str) -> tuple[dict[str, str], list[str]]:
    """`Name=value` lines (blank lines and `#` comments skipped) → parameters, and what is wrong."""
    found: dict[str, str] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, equals, value = stripped.partition("=")
        key = key.strip()
        if not equals or not key:
            problems.append(f"Parameters, line {number}: {stripped!r} is not of the form Name=value.")
        elif key in found:
            problems.append(f"Parameters, line {number}: {key} is given twice.")
        else:
            found[key] = value.strip()
    return found, problems


def parameters_text(parameters: dict[str, str] | list[dict[str, Any]]) -> str:
    """Parameters as the form's textarea holds them, one `Name=value` a line."""
    if isinstance(parameters, list):
        parameters = {str(g["ParameterName"]): str(g["ParameterValue"]) for g in parameters}
    return "\n".join(f"{k}={v}" for k, v in sorted(parameters.items()))


def uploaded_template(p: Page) -> tuple[str, str]:
    """The template the form sends: the uploaded file's text (its name too), else the pasted text."""
    upload = p.form.get("template_file")
    if isinstance(upload, UploadFile) and upload.filename:
        limit = 4 * MAX_TEMPLATE_FILE  # UTF-8: at most 4 bytes a character
        raw = upload.file.read(limit + 1)
        if len(raw) > limit:
            p.error(
                f"The file {upload.filename} is longer than a template may be "
                f"({MAX_TEMPLATE_FILE} characters)."
            )
            return "", upload.filename
        try:
            return raw.decode("utf-8-sig"), upload.filename
        except UnicodeDecodeError:
            p.error(f"The file {upload.filename} is not UTF-8 text: a template is YAML or JSON.")
            return "", upload.filename
    return p.field("template_text"), ""


def posted_form(p: Page) -> dict[str, str]:
    """What the deploy form sent, to show again after an error (an uploaded file becomes text)."""
    body, filename = uploaded_template(p)
    return {
        "name": p.field("name").strip(),
        "template_text": body,
        "filename": filename,
        "parameters": p.field("parameters"),
    }


def check(p: Page, body: str, parameters: dict[str, str]) -> dict[str, Any] | None:
    """The "Check template" button: the template rendered leniently, and per rule whether roost
    evaluates it."""
    try:
        template, rules = check_template(
            body, parameters, account_id=p.caller.account_id, region=p.caller.region
        )
    except TemplateError as error:
        p.error(f"ConformancePackTemplateValidationException: {error}")
        return None
    return {
        "rules": rules,
        "evaluated": sum(1 for r in rules if r.evaluated),
        "parameters": template.parameters,
        "missing": list(template.missing_parameters),
    }


def deploy(p: Page, name: str, body: str, parameters: dict[str, str]) -> dict[str, Any] | None:
    """PutConformancePack (None, with the error on the page, when it is refused). The template is a
    file the user gave, taken as AWS takes one from S3: the longer published packs exceed what an
    inline TemplateBody may hold."""
    params: dict[str, Any] = {
        "ConformancePackName": name,
        "ConformancePackInputParameters": [
            {"ParameterName": k, "ParameterValue": v} for k, v in parameters.items()
        ],
    }
    operation = operation_model("PutConformancePack")
    try:
        validate_input(operation.input_shape if operation else None, params)
        context = RequestContext(p.dashboard.api.services, p.caller, "PutConformancePack")
        return put_conformance_pack_from(context, params, template=body)
    except ApiError as error:
        p.error(f"{error.code}: {error.message}")
        return None


def failed(p: Page) -> bool:
    return any(kind == "error" for kind, _ in p.messages)


# --- /packs ---------------------------------------------------------------------------------------


def pack_rows(p: Page) -> list[dict[str, Any]]:
    """Each pack of this account and region with its state, compliance, score and rule count."""
    packs = all_pages(p, "DescribeConformancePacks", "ConformancePackDetails")
    names = [pack["ConformancePackName"] for pack in packs]
    statuses = {
        s["ConformancePackName"]: s
        for s in all_pages(p, "DescribeConformancePackStatus", "ConformancePackStatusDetails")
    }
    scores = {
        s["ConformancePackName"]: s
        for s in all_pages(p, "ListConformancePackComplianceScores", "ConformancePackComplianceScores")
    }
    compliance: dict[str, str] = {}
    for start in range(0, len(names), NAMES_PER_SUMMARY):
        answer = p.attempt(
            "GetConformancePackComplianceSummary",
            ConformancePackNames=names[start : start + NAMES_PER_SUMMARY],
        )
        for summary in (answer or {}).get("ConformancePackComplianceSummaryList") or []:
            compliance[summary["ConformancePackName"]] = summary["ConformancePackComplianceStatus"]
    rows = []
    for pack in packs:
        name = pack["ConformancePackName"]
        status = statuses.get(name) or {}
        rules = p.attempt("DescribeConformancePackCompliance", ConformancePackName=name, Limit=1000) or {}
        state = str(status.get("ConformancePackState") or "")
        rows.append(
            {
                "name": name,
                "url": pack_url(name),
                "state": state,
                "state_class": state_class(state),
                "reason": status.get("ConformancePackStatusReason") or "",
                "compliance": compliance.get(name, INSUFFICIENT),
                "score": score_view((scores.get(name) or {}).get("Score")),
                "rules": len(rules.get("ConformancePackRuleComplianceList") or []),
                "updated": status.get("LastUpdateCompletedTime") or pack.get("LastUpdateRequestedTime"),
            }
        )
    return rows


def show_list(
    p: Page,
    form: dict[str, str] | None = None,
    *,
    checked: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    response = p.render(
        "packs.html",
        active="Conformance packs",
        rows=pack_rows(p),
        form=form or {"name": "", "template_text": "", "filename": "", "parameters": ""},
        checked=checked,
    )
    response.status_code = status_code
    return response


@page("/packs", nav="Conformance packs")
def packs_list(p: Page) -> Response:
    return show_list(p)


@page("/packs", methods=("POST",), nav="Conformance packs")
def deploy_pack(p: Page) -> Response:
    """The deploy form: Deploy (PutConformancePack) or Check template (nothing deployed)."""
    form = posted_form(p)
    parameters, problems = parse_parameters(form["parameters"])
    for problem in problems:
        p.error(problem)
    if not form["template_text"].strip() and not failed(p):
        p.error("Choose a template file or paste the template's text.")
    if p.field("action") == "check":
        checked = check(p, form["template_text"], parameters) if not failed(p) else None
        return show_list(p, form, checked=checked, status_code=400 if failed(p) else 200)
    if not form["name"]:
        p.error("The pack needs a name.")
    if failed(p) or deploy(p, form["name"], form["template_text"], parameters) is None:
        return show_list(p, form, status_code=400)
    return p.redirect(
        pack_url(form["name"]),
        note=f"Deployed conformance pack {form['name']}: its rules are being evaluated.",
    )


# --- /packs/{name}: update and delete (the page itself is in packs_detail.py) --------------------


@page("/packs/{name}/update", methods=("POST",), nav="Conformance packs")
def update_pack(p: Page) -> Response:
    """Redeploy a pack: a new template (file or text; none keeps the current one) and/or parameters."""
    from roost.web.pages.packs_detail import show_pack

    name = p.request.path_params["name"]
    stored = p.store.packs.get(source(p), name)
    form = posted_form(p)
    parameters, problems = parse_parameters(form["parameters"])
    for problem in problems:
        p.error(problem)
    body = (
        form["template_text"] if form["template_text"].strip() else (stored.template_body if stored else "")
    )
    if stored is None:
        p.error(f"NoSuchConformancePackException: Could not find conformance pack '{name}'.")
    if failed(p):
        return show_pack(p, name, form=form, status_code=400)
    if p.field("action") == "check":
        checked = check(p, body, parameters)
        return show_pack(p, name, form=form, checked=checked, status_code=400 if failed(p) else 200)
    if deploy(p, name, body, parameters) is None:
        return show_pack(p, name, form=form, status_code=400)
    return p.redirect(pack_url(name), note=f"Updated conformance pack {name}.")


@page("/packs/{name}/delete", methods=("POST",), nav="Conformance packs")
def delete_pack(p: Page) -> Response:
    from roost.web.pages.packs_detail import show_pack

    name = p.request.path_params["name"]
    try:
        p.call("DeleteConformancePack", ConformancePackName=name)
    except ApiError as error:
        p.error(f"{error.code}: {error.message}")
        return show_pack(p, name, status_code=400)
    return p.redirect("/packs", note=f"Deleted conformance pack {name} with its rules and their results.")
