#!/usr/bin/python3
"""The jira_names_merge step end to end: a realistic Jira search response
(tests/fixtures/jira/search_expand_names.json, fetched with expand=names)
served by a mock Jira on 127.0.0.1, merged by `octoflow run`, compared with
tests/fixtures/jira/merged_golden.json.

The golden file is what the original's algorithm (original-behaviour.md
A.4.7) gives; original_merge() below re-implements that algorithm in Python
and the test checks the golden file against it, so a stale golden file
fails too. The payload has several issues and custom fields whose labels
have spaces, dots, dashes, capitals, brackets, slashes and non-ASCII
letters; null and [] fields (any key) are dropped while "", {}, 0, false,
[null] and [[]] stay; an unnamed or empty-labelled custom field keeps its
key; labels colliding with a field ("Summary") or with each other
("Request Type" twice) overwrite in place; a custom field renamed into a
key whose snapshot value is null ("resolution") is dropped afterwards.

Also: the raw response is not mutated (it is still intact in the flow
data), a response without names is an error asking for expand=names,
list_key, the jira_fields alias for the type and the block, and the first
version's `names:` key accepted with a deprecation warning (validate).
"""
import copy
import json
import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mockserv import MockServer, Octo, check, eq, make_ca, run_tests  # noqa: E402

SRC = os.environ.get("OCTO_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
FIX = os.path.join(SRC, "tests", "fixtures", "jira")
TMP = tempfile.mkdtemp(prefix="octo-jira-e2e-")

with open(os.path.join(FIX, "search_expand_names.json"), encoding="utf-8") as f:
    PAYLOAD = json.load(f)
with open(os.path.join(FIX, "merged_golden.json"), encoding="utf-8") as f:
    GOLDEN = json.load(f)


def original_merge(raw, list_key="issues"):
    """The original's algorithm (A.4.7), on a deep copy (the original
    mutated its input)."""
    raw = copy.deepcopy(raw)
    names = raw.get("names", [])
    out = []
    for issue in raw.get(list_key, []):
        new = dict(issue)
        fields = new["fields"]
        for key, value in list(fields.items()):
            if value is None or value == []:
                del fields[key]
            elif key.startswith("customfield_"):
                label = names.get(key)
                if label:
                    fields[label.replace(".", "_").replace("-", "_").replace(" ", "_").lower()] = value
                    del fields[key]
        out.append(new)
    return out


class Jira:
    """GET /rest/api/2/search answering PAYLOAD; without expand=names the
    answer has no "names" (as Jira does)."""

    def __init__(self, server):
        self.server = server
        server.add_route("GET", r"^/rest/api/2/search$", self.search)

    def search(self, req, m):
        q = dict(req.query_pairs())
        body = copy.deepcopy(PAYLOAD)
        if "names" not in q.get("expand", "").split(","):
            del body["names"]
            body["expand"] = "schema"
        return 200, body


SRV = MockServer(name="jira").start()
JIRA = Jira(SRV)

FLOW = """name: jira merge
steps:
- name: get new tickets from jira
  type: rest
  result_key: tickets_raw
  rest:
    uri: "%s/rest/api/2/search"
    query:
      maxResults: 3
      expand: %s
      jql: project=10000 AND status='New' AND issuetype='Service Request'
- name: merge custom fields
  type: %s
  result_key: tickets
  %s:
    data_key: tickets_raw
%s"""


def octo():
    return Octo(tmp=tempfile.mkdtemp(dir=TMP))


def ordered(v):
    """JSON text keeping key order: compares values and key order."""
    return json.dumps(v, ensure_ascii=False, indent=1)


def test_golden_file_is_the_original_algorithm():
    eq(ordered(original_merge(PAYLOAD)), ordered(GOLDEN), "golden file == original algorithm")
    check(len(GOLDEN) == 3 and len(PAYLOAD["issues"]) == 3, "three issues")
    # the cases the fixture is meant to cover are really in it
    f1, f2, f3 = (i["fields"] for i in GOLDEN)
    eq(f1["payload_(json)"], PAYLOAD["issues"][0]["fields"]["customfield_10100"], "renamed")
    eq(f1["notes_/_remarks_(optional)?"], "", "'' is kept, / ( ) ? unchanged")
    eq(f1["due_date__(requested)"], "2025-05-20", "two spaces -> two _")
    eq(f1["priorité_du_ticket"]["value"], "Élevée", "non-ASCII label")
    eq((f1["retry_count"], f1["is_urgent"], f1["extra_data"]), (0, False, {}), "0, false, {} kept")
    check("customfield_10106" in f1 and "customfield_10110" in f1, "unnamed / empty label: key kept")
    check("resolution" not in f1 and "fixVersions" not in f1, "null and [] dropped")
    eq(f2["summary"], "Summary from a custom field (overwrites summary)", "collision with summary")
    eq(f2["request_type"], "second field labelled Request Type wins", "label collision: last wins")
    eq((f2["äöü_größe"], f2["тип_заявки"], f2["αβγ_δ_test"]), ("Größe: XL", "Кириллица", "Ελληνικά"),
       "Unicode lower-casing")
    check("resolution" not in f2, "renamed into resolution then dropped by its null snapshot value")
    eq((f3["list_of_null"], f3["list_of_empty"]), ([None], [[]]), "[null] and [[]] are not empty")
    check("labels" not in f3, "[] labels dropped")


def test_golden_output():
    o = octo()
    o.flow("jira.yml", FLOW % (SRV.url, "names", "jira_names_merge", "jira_names_merge", """- name: summary
  type: jq
  jq: {expression: '[.[] | {id: .id, key: .key, self: .self}]', data_key: tickets}
"""))
    SRV.clear()
    r = o.run("jira.yml")
    eq(r.rc, 0, "run: %r" % r)
    q = SRV.got(path="/rest/api/2/search")[0]
    eq(q.query, "maxResults=3&expand=names&jql=project%3D10000+AND+status%3D%27New%27+AND+"
                "issuetype%3D%27Service+Request%27", "the search query")
    eq(ordered(r["tickets"]), ordered(GOLDEN), "merged output == golden (values and key order)")
    eq(ordered(r["tickets_raw"]), ordered(PAYLOAD), "the raw response in the flow data is intact")
    eq(r["summary"], [{"id": i["id"], "key": i["key"], "self": i["self"]} for i in PAYLOAD["issues"]],
       "the sample flow's jq on the result")


def test_missing_names():
    o = octo()
    o.flow("nonames.yml", FLOW % (SRV.url, "schema", "jira_names_merge", "jira_names_merge", ""))
    r = o.run("nonames.yml")
    eq(r.rc, 1, "no names: %r" % r)
    eq(r.errors[0]["step"], "merge custom fields", "step")
    eq(r.errors[0]["error"]["message"],
       "Field names not found in issues list, add expand=names to the query", "message")
    check("tickets" not in r.data, "no result")


def test_list_key_and_inputs():
    o = octo()
    o.flow("lk.yml", """name: lk
steps:
- name: raw
  type: jq
  jq:
    expression: '{values: [{key: "A-1", fields: {customfield_1: "v", gone: null}}, {key: "A-2"}, "odd"],
                  names: {customfield_1: "My Field"}}'
- name: merged
  type: jira_names_merge
  jira_names_merge: {data_key: raw, list_key: values}
- name: default list key
  type: jira_names_merge
  jira_names_merge: {data_key: raw}
- name: wrong input
  type: jira_names_merge
  ignore_errors: ["must be a Jira search response"]
  jira_names_merge: {data_key: __timestamp__}
- name: absent
  type: jira_names_merge
  jira_names_merge: {data_key: nothing}
""")
    r = o.run("lk.yml")
    eq(r["merged"], [{"key": "A-1", "fields": {"my_field": "v"}}, {"key": "A-2"}, "odd"],
       "list_key; an issue without fields passes through")
    eq(r["default list key"], [], "no 'issues' list: []")
    check("wrong input" not in r.data and "ignored" in r.errors[0], "a non-mapping input is an error")
    eq(r.rc, 1, "a missing data_key key fails")
    eq(r.errors[1]["step"], "absent", "the failing step")
    check("nothing" in r.errors[1]["error"]["message"], "names the key: %r" % r.errors)


def test_aliases_and_deprecated_names():
    """type jira_fields (the first version's name) and the block under either
    name give the same output; `names:` in the block is accepted with a
    deprecation warning."""
    o = octo()
    combos = [("jira_fields", "jira_fields"), ("jira_fields", "jira_names_merge"),
              ("jira_names_merge", "jira_fields")]
    for t, b in combos:
        o.flow("%s-%s.yml" % (t, b), FLOW % (SRV.url, "names", t, b, ""))
    o.flow("deprecated.yml", (FLOW % (SRV.url, "names", "jira_names_merge", "jira_names_merge", ""))
           .replace("    data_key: tickets_raw\n", "    data_key: tickets_raw\n    names: [customfield_10100]\n"))
    v = o.validate()
    eq(v.rc, 0, "all valid: %r" % v)
    for t, b in combos:
        check("%s-%s.yml: valid" % (t, b) in v.stdout, "%s/%s valid: %s" % (t, b, v.stdout))
    check('deprecated.yml:17: steps[1] ("merge custom fields").jira_names_merge.names: is deprecated'
          in v.stdout + v.stderr, "the deprecation warning names the file, line and key: %r" % v)
    check("deprecated.yml: valid (1 warning)" in v.stdout, "valid with one warning: %s" % v.stdout)
    v = o.validate("--strict", "deprecated.yml")
    eq(v.rc, 0, "a deprecated key is not an unknown key, even with --strict: %r" % v)
    for t, b in combos + [("deprecated", None)]:
        name = "deprecated.yml" if b is None else "%s-%s.yml" % (t, b)
        r = o.run(name)
        eq(r.rc, 0, "%s runs: %r" % (name, r))
        eq(ordered(r["tickets"]), ordered(GOLDEN), "%s output == golden" % name)
    check("names: is deprecated" in r.stderr, "run shows the warning too")


def test_fetched_over_tls_with_connect_to():
    """The same merge with the sample flow's real Jira URL, redirected by
    OCTO_CONNECT_TO to a TLS mock trusted through OCTO_CA_FILE."""
    ca, cert, key = make_ca(os.path.join(TMP, "certs"), ["vitoresearch-sandbox-292.atlassian.net"])
    with MockServer(certfile=cert, keyfile=key, name="jira-tls") as tls:
        Jira(tls)
        o = octo()
        o.flow("tls.yml", FLOW % ("https://vitoresearch-sandbox-292.atlassian.net", "names",
                                  "jira_names_merge", "jira_names_merge", ""))
        r = o.run("tls.yml", env={"OCTO_CONNECT_TO": "vitoresearch-sandbox-292.atlassian.net:443:"
                                                     "127.0.0.1:%d" % tls.port, "OCTO_CA_FILE": ca})
        eq(r.rc, 0, "run: %r" % r)
        eq(ordered(r["tickets"]), ordered(GOLDEN), "golden over TLS")
        eq(tls.got()[0].header("Host"), "vitoresearch-sandbox-292.atlassian.net", "Host")


if __name__ == "__main__":
    try:
        run_tests(globals())
    finally:
        SRV.stop()
        os.environ.get("KEEP_TMP") or shutil.rmtree(TMP, ignore_errors=True)
