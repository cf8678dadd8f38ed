#!/usr/bin/env python3
"""casebook's AWS emulator for the live-mode tests: moto server, plus what moto lacks.

moto serves most of the APIs casebook calls. This launcher wraps it in a WSGI layer that adds
the operations moto does not have, speaking the real wire protocols so the AWS SDK for Rust talks
to it over HTTP exactly as it talks to AWS:

- GuardDuty ListFindings / GetFindings (restJson1), over findings seeded per region;
- CloudTrail LookupEvents (awsJson1_1), over events seeded per region, with its one lookup
  attribute, time range and pages;
- Config GetResourceConfigHistory and SelectResourceConfig (awsJson1_1), over items seeded per
  region (moto knows few resource types and writes times the SDK rejects): history by resource,
  time range (at most seven days, as AWS) and pages; the advanced query answers every seeded
  resource, in pages;
- Security Hub GetFindings (restJson1), over findings seeded per region, with the UpdatedAt and
  Id filters and pages (moto ignores filters);
- CloudWatch Logs StopQuery (moto runs Insights queries at once and has no StopQuery);
- Account ListRegions (restJson1), over a configurable list of enabled regions;

and a test API under /_casebook/ (never an AWS path):

- POST /_casebook/guardduty/findings  {"region", "findings": [GuardDuty finding JSON, camelCase]}
      (the first seed of a region creates its detector in moto)
- POST /_casebook/cloudtrail/events   {"region", "events": [CloudTrail records]}
- POST /_casebook/logs/events        {"region", "group", "stream", "events": [{"timestamp", "message"}]}
- POST /_casebook/config/items       {"region", "items": [configuration items as the API returns them]}
- POST /_casebook/securityhub/findings {"region", "findings": [ASFF findings]}
- POST /_casebook/regions             {"regions": [enabled region names]}
- POST /_casebook/page-size         {"operation", "size"}: caps the page size of a JSON operation,
      as AWS caps pages by bytes (FilterLogEvents, GetResourceConfigHistory), and pages Athena's
      GetQueryResults, which moto answers in one
- POST /_casebook/faults              {"service", "operation"?, "region"?, "kind", "times"?, "delay_ms"?}
      kind: throttle | denied | expired | not-subscribed | slow | running; the next `times` matching requests get
      it (running: a Logs Insights query still running)
- GET  /_casebook/requests            what was asked: [{"service", "operation", "region", "time",
                                      "params" (JSON protocols)}]
- POST /_casebook/reset               forget seeds, faults and the request log

Usage: emulator.py [--port N]   (0 picks a free port; "ready PORT" is printed once serving)
"""

import argparse
import io
import json
import re
import sys
import threading
import time

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
FINDINGS = re.compile(r"^/detector/([^/]+)/findings(/get)?$")

ERRORS = {
    # kind: (HTTP status, error code, message)
    "throttle": (400, "ThrottlingException", "Rate exceeded"),
    "denied": (403, "AccessDeniedException", "User is not authorized to perform this action"),
    "expired": (400, "ExpiredTokenException", "The security token included in the request is expired"),
    "not-subscribed": (401, "InvalidAccessException",
                       "Account 123456789012 is not subscribed to AWS Security Hub"),
}
REST_THROTTLE_STATUS = 429


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.findings = {}  # region -> [finding]
        self.events = {}  # region -> [record]
        self.config_items = {}  # region -> [configuration item]
        self.hub_findings = {}  # region -> [ASFF finding]
        self.enabled_regions = ["us-east-1", "eu-west-1"]
        self.faults = []
        self.requests = []
        self.page_sizes = {}  # operation -> size


STATE = State()


def json_response(body, status=200, headers=None):
    return Response(json.dumps(body), status=status, headers=headers or {},
                    content_type="application/json")


def aws_error(kind, rest):
    status, code, message = ERRORS[kind]
    if rest and kind == "throttle":
        status = REST_THROTTLE_STATUS
    body = {"__type": code, "message": message, "Message": message}
    return json_response(body, status, {"x-amzn-ErrorType": code})


def describe(request):
    """(service, operation, region) of an AWS request, as far as it can be told."""
    match = SCOPE.search(request.headers.get("Authorization", ""))
    region, service = (match.group(1), match.group(2)) if match else (None, None)
    target = request.headers.get("X-Amz-Target", "")
    operation = target.split(".")[-1] if target else None
    if service == "guardduty":
        found = FINDINGS.match(request.path)
        if found:
            operation = "GetFindings" if found.group(2) else "ListFindings"
        elif request.path == "/detector" and request.method == "GET":
            operation = "ListDetectors"
    elif service == "securityhub" and request.path == "/findings":
        operation = "GetFindings"
    elif service == "account" and request.path == "/listRegions":
        operation = "ListRegions"
    return service, operation, region


def take_fault(service, operation, region):
    with STATE.lock:
        for fault in STATE.faults:
            if fault["service"] != service:
                continue
            if fault.get("operation") not in (None, operation):
                continue
            if fault.get("region") not in (None, region):
                continue
            fault["times"] -= 1
            if fault["times"] <= 0:
                STATE.faults.remove(fault)
            return fault
    return None


def page(items, token, size):
    start = int(token) if token else 0
    chunk = items[start:start + size]
    following = start + size
    return chunk, (str(following) if following < len(items) else None)


def epoch_ms(text):
    # GuardDuty findings carry ISO times; criteria compare epoch milliseconds.
    from datetime import datetime
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def finding_matches(finding, criteria):
    for field, condition in (criteria or {}).get("criterion", {}).items():
        if field == "updatedAt":
            value = epoch_ms(finding.get("updatedAt", "1970-01-01T00:00:00Z"))
        elif field == "severity":
            value = finding.get("severity", 0)
        elif field == "type":
            value = finding.get("type")
        else:
            continue
        for op, bound in condition.items():
            if op in ("eq", "equals") and value not in bound:
                return False
            if op in ("neq", "notEquals") and value in bound:
                return False
            if op in ("gte", "greaterThanOrEqual") and not value >= bound:
                return False
            if op in ("gt", "greaterThan") and not value > bound:
                return False
            if op in ("lte", "lessThanOrEqual") and not value <= bound:
                return False
            if op in ("lt", "lessThan") and not value < bound:
                return False
    return True


def guardduty(request, operation, region):
    body = json.loads(request.get_data() or b"{}")
    with STATE.lock:
        findings = list(STATE.findings.get(region, []))
    if operation == "ListFindings":
        matching = [f["id"] for f in findings if finding_matches(f, body.get("findingCriteria"))]
        ids, token = page(matching, body.get("nextToken"), int(body.get("maxResults", 50)))
        answer = {"findingIds": ids}
        if token:
            answer["nextToken"] = token
        return json_response(answer)
    wanted = set(body.get("findingIds", []))
    if len(wanted) > 50:
        return json_response({"__type": "BadRequestException", "message": "at most 50 findingIds"},
                             400, {"x-amzn-ErrorType": "BadRequestException"})
    return json_response({"findings": [f for f in findings if f["id"] in wanted]})


def lookup_value(record, key):
    identity = record.get("userIdentity") or {}
    if key == "AccessKeyId":
        return [identity.get("accessKeyId")]
    if key == "EventName":
        return [record.get("eventName")]
    if key == "EventSource":
        return [record.get("eventSource")]
    if key == "EventId":
        return [record.get("eventID")]
    if key == "ReadOnly":
        return [str(record.get("readOnly", "")).lower()]
    if key == "Username":
        return [identity.get("userName") or (identity.get("sessionContext", {})
                                             .get("sessionIssuer", {}).get("userName"))]
    if key in ("ResourceName", "ResourceType"):
        field = "ARN" if key == "ResourceName" else "type"
        return [r.get(field) for r in record.get("resources") or []]
    return []


def lookup_events(request, region):
    body = json.loads(request.get_data() or b"{}")
    attributes = body.get("LookupAttributes") or []
    if len(attributes) > 1:
        return json_response({"__type": "InvalidLookupAttributesException",
                              "message": "only one lookup attribute per call"}, 400)
    start, end = body.get("StartTime"), body.get("EndTime")
    with STATE.lock:
        records = list(STATE.events.get(region, []))

    def keep(record):
        at = epoch_ms(record["eventTime"]) / 1000
        if start is not None and at < float(start):
            return False
        if end is not None and at > float(end):
            return False
        return all(a["AttributeValue"] in lookup_value(record, a["AttributeKey"]) for a in attributes)

    # LookupEvents answers newest first.
    matching = sorted(filter(keep, records), key=lambda r: r["eventTime"], reverse=True)
    chunk, token = page(matching, body.get("NextToken"), min(int(body.get("MaxResults", 50)), 50))
    events = [{
        "EventId": r.get("eventID"),
        "EventName": r.get("eventName"),
        "ReadOnly": str(r.get("readOnly", "false")).lower(),
        "AccessKeyId": (r.get("userIdentity") or {}).get("accessKeyId"),
        "EventTime": epoch_ms(r["eventTime"]) / 1000,
        "EventSource": r.get("eventSource"),
        "Username": lookup_value(r, "Username")[0],
        "Resources": [{"ResourceType": x.get("type"), "ResourceName": x.get("ARN")}
                      for x in r.get("resources") or []],
        "CloudTrailEvent": json.dumps(r),
    } for r in chunk]
    answer = {"Events": events}
    if token:
        answer["NextToken"] = token
    return json_response(answer, headers={"Content-Type": "application/x-amz-json-1.1"})


def config_history(request, region):
    body = json.loads(request.get_data() or b"{}")
    earlier, later = body.get("earlierTime"), body.get("laterTime")
    if earlier is not None and later is not None and later - earlier > 7 * 24 * 3600:
        return json_response({"__type": "InvalidTimeRangeException",
                              "message": "The time range spans more than seven days"}, 400)
    with STATE.lock:
        items = [i for i in STATE.config_items.get(region, [])
                 if i["resourceType"] == body.get("resourceType")
                 and i["resourceId"] == body.get("resourceId")]
    if not items:
        return json_response({"__type": "ResourceNotDiscoveredException",
                              "message": "Resource is not discovered"}, 400)
    items = [i for i in items
             if (earlier is None or i["configurationItemCaptureTime"] >= earlier)
             and (later is None or i["configurationItemCaptureTime"] <= later)]
    items.sort(key=lambda i: i["configurationItemCaptureTime"],
               reverse=body.get("chronologicalOrder") != "Forward")
    chunk, token = page(items, body.get("nextToken"), min(int(body.get("limit") or 10), 100))
    answer = {"configurationItems": chunk}
    if token:
        answer["nextToken"] = token
    return json_response(answer)


def config_select(request, region):
    body = json.loads(request.get_data() or b"{}")
    with STATE.lock:
        items = STATE.config_items.get(region, [])
        resources = sorted({(i["resourceType"], i["resourceId"]) for i in items})
    rows = [json.dumps({"resourceType": t, "resourceId": r}) for t, r in resources]
    chunk, token = page(rows, body.get("NextToken"), min(int(body.get("Limit") or 100), 100))
    answer = {"Results": chunk, "QueryInfo": {"SelectFields": [{"Name": "resourceType"},
                                                               {"Name": "resourceId"}]}}
    if token:
        answer["NextToken"] = token
    return json_response(answer)


def hub_findings(request, region):
    body = json.loads(request.get_data() or b"{}")
    filters = body.get("Filters") or {}
    ranges = filters.get("UpdatedAt") or []
    ids = [f["Value"] for f in filters.get("Id") or [] if f.get("Comparison") == "EQUALS"]

    def keep(finding):
        at = epoch_ms(finding["UpdatedAt"])
        return (not ids or finding["Id"] in ids) and all(
            (not r.get("Start") or at >= epoch_ms(r["Start"]))
            and (not r.get("End") or at <= epoch_ms(r["End"])) for r in ranges)

    with STATE.lock:
        findings = [f for f in STATE.hub_findings.get(region, []) if keep(f)]
    chunk, token = page(findings, body.get("NextToken"), min(int(body.get("MaxResults") or 100), 100))
    answer = {"Findings": chunk}
    if token:
        answer["NextToken"] = token
    return json_response(answer)


def list_regions(request):
    body = json.loads(request.get_data() or b"{}")
    wanted = body.get("RegionOptStatusContains") or ["ENABLED", "ENABLED_BY_DEFAULT", "DISABLED"]
    with STATE.lock:
        enabled = list(STATE.enabled_regions)
    regions = [{"RegionName": r, "RegionOptStatus": "ENABLED_BY_DEFAULT"} for r in enabled]
    regions = [r for r in regions if r["RegionOptStatus"] in wanted]
    chunk, token = page(regions, body.get("NextToken"), int(body.get("MaxResults") or 50))
    answer = {"Regions": chunk}
    if token:
        answer["NextToken"] = token
    return json_response(answer)


def test_api(request):
    body = json.loads(request.get_data() or b"{}") if request.method == "POST" else {}
    with STATE.lock:
        if request.path == "/_casebook/reset":
            STATE.reset()
        elif request.path == "/_casebook/guardduty/findings":
            region = body["region"]
            if region not in STATE.findings:
                # Findings need a detector, which moto keeps.
                from moto.core import DEFAULT_ACCOUNT_ID
                from moto.guardduty.models import guardduty_backends
                backend = guardduty_backends[DEFAULT_ACCOUNT_ID][region]
                backend.create_detector(True, "FIFTEEN_MINUTES", {}, {}, [])
            STATE.findings.setdefault(region, []).extend(body["findings"])
        elif request.path == "/_casebook/cloudtrail/events":
            STATE.events.setdefault(body["region"], []).extend(body["events"])
        elif request.path == "/_casebook/logs/events":
            from moto.core import DEFAULT_ACCOUNT_ID
            from moto.logs.models import logs_backends
            backend = logs_backends[DEFAULT_ACCOUNT_ID][body["region"]]
            if body["group"] not in backend.groups:
                backend.create_log_group(body["group"], {})
            if body["stream"] not in backend.groups[body["group"]].streams:
                backend.create_log_stream(body["group"], body["stream"])
            backend.put_log_events(body["group"], body["stream"], body["events"])
        elif request.path == "/_casebook/config/items":
            STATE.config_items.setdefault(body["region"], []).extend(body["items"])
        elif request.path == "/_casebook/securityhub/findings":
            STATE.hub_findings.setdefault(body["region"], []).extend(body["findings"])
        elif request.path == "/_casebook/regions":
            STATE.enabled_regions = list(body["regions"])
        elif request.path == "/_casebook/page-size":
            STATE.page_sizes[body["operation"]] = int(body["size"])
        elif request.path == "/_casebook/faults":
            body.setdefault("times", 1)
            STATE.faults.append(body)
        elif request.path == "/_casebook/requests":
            return json_response(STATE.requests)
        else:
            return json_response({"message": "unknown test call"}, 404)
    return json_response({"ok": True})


class Emulator:
    def __init__(self):
        self.moto = DomainDispatcherApplication(create_backend_app)

    def __call__(self, environ, start_response):
        # The body is read once here; moto gets it back as a fresh stream.
        body = Request(environ).get_data()
        request = Request(environ)
        service, operation, region = describe(request)
        size = STATE.page_sizes.get(operation)
        if size and request.headers.get("X-Amz-Target"):
            params = json.loads(body or b"{}")
            params["limit"] = min(int(params.get("limit", size)), size)
            body = json.dumps(params).encode()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        request = Request(environ)
        if request.path.startswith("/_casebook/"):
            return test_api(request)(environ, start_response)
        asked = {"service": service, "operation": operation, "region": region, "time": time.time()}
        if request.headers.get("X-Amz-Target"):
            # JSON-protocol parameters, for tests that check what was asked (SQL, criteria).
            asked["params"] = json.loads(body or b"{}")
        with STATE.lock:
            STATE.requests.append(asked)
        fault = take_fault(service, operation, region)
        if fault and fault["kind"] == "slow":
            time.sleep(fault.get("delay_ms", 5000) / 1000)
        elif fault and fault["kind"] == "running":
            return json_response({"status": "Running", "results": [], "statistics": {}})(
                environ, start_response)
        elif fault:
            rest = service in ("guardduty", "securityhub", "account")
            return aws_error(fault["kind"], rest)(environ, start_response)
        if service == "guardduty" and operation in ("ListFindings", "GetFindings"):
            return guardduty(request, operation, region)(environ, start_response)
        if service == "cloudtrail" and operation == "LookupEvents":
            return lookup_events(request, region)(environ, start_response)
        if service == "config" and operation == "GetResourceConfigHistory":
            return config_history(request, region)(environ, start_response)
        if service == "config" and operation == "SelectResourceConfig":
            return config_select(request, region)(environ, start_response)
        if service == "securityhub" and operation == "GetFindings":
            return hub_findings(request, region)(environ, start_response)
        if service == "account" and operation == "ListRegions":
            return list_regions(request)(environ, start_response)
        if service == "logs" and operation == "StopQuery":
            return json_response({"success": True})(environ, start_response)
        environ["wsgi.input"] = io.BytesIO(body)
        if service == "athena" and operation == "GetQueryResults" and size:
            return self.athena_page(environ, start_response, json.loads(body or b"{}"), size)
        return self.moto(environ, start_response)

    def athena_page(self, environ, start_response, params, size):
        """moto's whole answer, cut into pages of `size` rows with Athena's NextToken."""
        answer = {}

        def keep_status(status, headers, exc_info=None):
            answer["status"] = status
        chunks = self.moto(environ, keep_status)
        whole = json.loads(b"".join(chunks) or b"{}")
        if not answer["status"].startswith("200"):
            return json_response(whole, int(answer["status"][:3]))(environ, start_response)
        result_set = whole.get("ResultSet", {})
        rows, token = page(result_set.get("Rows", []), params.get("NextToken"), size)
        result_set["Rows"] = rows
        if token:
            whole["NextToken"] = token
        return json_response(whole)(environ, start_response)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = make_server("127.0.0.1", args.port, Emulator(), threaded=True)
    print(f"ready {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
