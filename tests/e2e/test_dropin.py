#!/usr/bin/python3
"""The drop-in test: the original spooler service's data folder
(tests/fixtures/original-data/, a verbatim copy of the original's sample
flows, templates, config.yml and secrets.yml.template) validates and its
ServiceNow / AWX / Jira flows run UNCHANGED against mock ServiceNow, AWX
and Jira servers on 127.0.0.1.

The flows keep their real https URLs (dev226512.service-now.com,
awx.charko.be, vitoresearch-sandbox-292.atlassian.net): OCTO_CONNECT_TO
sends them to the mocks, which serve TLS with a certificate of a test CA
that OCTO_CA_FILE trusts (so TLS stays verified). The test writes the
secrets.yml the flows need (snow_credential, awx_credential,
jira_credential) and asserts what each mock received (methods, paths,
queries, bodies, Basic auth) and the files the flows wrote.

  flow_service_now_tickets.yml -> ticket_to_awx.yml per new ticket
  flow_service_now_jobs.yml    -> check_awx_job.yml per running ticket
  flow_jira_tickets.yml        -> ticket_to_awx_jira.yml per Jira issue
"""
import copy
import json
import os
import re
import shutil
import sys
import tempfile

import yaml

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mockserv import MockServer, Octo, basic, check, eq, make_ca, run_tests  # noqa: E402

SRC = os.environ.get("OCTO_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
ORIGINAL = os.path.join(SRC, "tests", "fixtures", "original-data")
TMP = tempfile.mkdtemp(prefix="octo-dropin-e2e-")

SNOW_HOST = "dev226512.service-now.com"
AWX_HOST = "awx.charko.be"
JIRA_HOST = "vitoresearch-sandbox-292.atlassian.net"
TABLE = "/api/now/table/x_1734579_storag_0_ansible_request"

CREDS = {"snow_credential": ("svc.spooler", "Sn0w!pass-word"),
         "awx_credential": ("admin", "AwX-p4ss#2025"),
         "jira_credential": ("robot@example.com", "ATATT3xFfGF0-jira-api-token")}
SECRETS = [{"name": n, "type": "credential", "username": u, "password": p} for n, (u, p) in CREDS.items()]


def auth_ok(req, secret):
    return req.header("Authorization") == basic(*CREDS[secret])


def deny():
    return 401, {"error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"},
                 "status": "failure"}


# ---------------------------------------------------------------------------
class ServiceNow:
    """The custom table of the sample flows: list with sysparm_query, PATCH
    one record."""

    def __init__(self, server):
        self.server = server
        self.records = {}
        server.add_route("GET", "^%s$" % TABLE, self.list)
        server.add_route("PATCH", r"^%s/([0-9a-f]{32})$" % TABLE, self.patch)

    def add(self, sys_id, status, payload, job_id=""):
        self.records[sys_id] = {"sys_id": sys_id, "sys_created_by": "jane.doe", "payload": payload,
                                "sys_created": "", "sys_created_on": "2025-05-18 08:12:31",
                                "job_id": job_id, "request_type": "ansible", "status": status,
                                "sys_updated_on": "2025-05-18 08:12:31", "sys_mod_count": "0"}

    def list(self, req, m):
        if not auth_ok(req, "snow_credential"):
            return deny()
        q = dict(req.query_pairs())
        conds = dict(c.split("=", 1) for c in q.get("sysparm_query", "").split("^") if c)
        fields = q.get("sysparm_fields", "").split(",") if q.get("sysparm_fields") else None
        limit = int(q.get("sysparm_limit", "10000"))
        out = []
        for r in self.records.values():
            if all(r.get(k) == v for k, v in conds.items()):
                out.append({k: r[k] for k in fields if k in r} if fields else dict(r))
        return 200, {"result": out[:limit]}, {"X-Total-Count": str(len(out))}

    def patch(self, req, m):
        if not auth_ok(req, "snow_credential"):
            return deny()
        r = self.records.get(m.group(1))
        if r is None:
            return 404, {"error": {"message": "No Record found"}, "status": "failure"}
        for k, v in (req.json() or {}).items():
            r[k] = "" if v is None else str(v)
        r["sys_mod_count"] = str(int(r["sys_mod_count"]) + 1)
        return 200, {"result": dict(r)}


class AWX:
    """Job templates, launch, jobs."""

    def __init__(self, server):
        self.server = server
        self.jobs = {}
        self.next_job = 1001
        server.add_route("GET", r"^/api/v2/job_templates/$", self.templates)
        server.add_route("POST", r"^/api/v2/job_templates/(\d+)/launch/$", self.launch)
        server.add_route("GET", r"^/api/v2/jobs/(\d+)/$", self.job)

    def templates(self, req, m):
        if not auth_ok(req, "awx_credential"):
            return 401, {"detail": "Authentication credentials were not provided."}
        name = dict(req.query_pairs()).get("name")
        all_t = [{"id": 7, "type": "job_template", "url": "/api/v2/job_templates/7/",
                  "related": {"launch": "/api/v2/job_templates/7/launch/",
                              "jobs": "/api/v2/job_templates/7/jobs/",
                              "inventory": "/api/v2/inventories/1/"},
                  "name": "Demo Job Template", "description": "", "job_type": "run",
                  "playbook": "hello_world.yml", "ask_variables_on_launch": True},
                 {"id": 8, "type": "job_template", "url": "/api/v2/job_templates/8/",
                  "related": {"launch": "/api/v2/job_templates/8/launch/"},
                  "name": "Other Template", "playbook": "other.yml"}]
        res = [t for t in all_t if name is None or t["name"] == name]
        return 200, {"count": len(res), "next": None, "previous": None, "results": res}

    def launch(self, req, m):
        if not auth_ok(req, "awx_credential"):
            return 401, {"detail": "Authentication credentials were not provided."}
        jid = self.next_job
        self.next_job += 1
        body = req.json()
        self.jobs[jid] = {"id": jid, "type": "job", "status": "pending", "playbook": "hello_world.yml",
                          "extra_vars": json.dumps(body.get("extra_vars", {}))}
        return 201, {"job": jid, "id": jid, "type": "job", "status": "pending",
                     "ignored_fields": {}, "extra_vars": json.dumps(body.get("extra_vars", {})),
                     "url": "/api/v2/jobs/%d/" % jid}

    def job(self, req, m):
        if not auth_ok(req, "awx_credential"):
            return 401, {"detail": "Authentication credentials were not provided."}
        j = self.jobs.get(int(m.group(1)))
        if j is None:
            return 404, {"detail": "Not found."}
        return 200, dict(j, started="2025-05-18T08:13:00Z", elapsed=12.5, job_template=7)


class Jira:
    """Search with expand=names, an issue's transitions (in_progress: how
    many of them lead to "In Progress"), a transition POST."""

    def __init__(self, server, in_progress=1):
        self.server = server
        self.in_progress = in_progress
        with open(os.path.join(SRC, "tests", "fixtures", "jira", "search_expand_names.json"),
                  encoding="utf-8") as f:
            self.payload = json.load(f)
        server.add_route("GET", r"^/rest/api/2/search$", self.search)
        server.add_route("GET", r"^/rest/api/2/issue/(\d+)/transitions$", self.transitions)
        server.add_route("POST", r"^/rest/api/2/issue/(\d+)/transitions$", self.do_transition)

    def search(self, req, m):
        if not auth_ok(req, "jira_credential"):
            return 401, {"errorMessages": ["You are not authenticated."], "errors": {}}
        q = dict(req.query_pairs())
        body = copy.deepcopy(self.payload)
        body["maxResults"] = int(q.get("maxResults", 50))
        body["issues"] = body["issues"][:body["maxResults"]]
        if "names" not in q.get("expand", ""):
            del body["names"]
        return 200, body

    def transitions(self, req, m):
        if not auth_ok(req, "jira_credential"):
            return 401, {"errorMessages": ["You are not authenticated."], "errors": {}}
        st = lambda n, i: {"self": "https://%s/rest/api/2/status/%s" % (JIRA_HOST, i),  # noqa: E731
                           "name": n, "id": i}
        return 200, {"expand": "transitions", "transitions": [
            {"id": "11", "name": "Start work", "to": st("In Progress", "3"), "hasScreen": False,
             "isGlobal": True, "isInitial": False, "isAvailable": True, "isConditional": False},
            {"id": "21", "name": "Resolve", "to": st("Done", "10002"), "hasScreen": False,
             "isGlobal": True, "isInitial": False, "isAvailable": True, "isConditional": False}]
            + [{"id": str(30 + i), "name": "Restart work %d" % i, "to": st("In Progress", "3"),
                "hasScreen": False, "isGlobal": True, "isInitial": False, "isAvailable": True,
                "isConditional": False} for i in range(1, self.in_progress)]}

    def do_transition(self, req, m):
        if not auth_ok(req, "jira_credential"):
            return 401, {"errorMessages": ["You are not authenticated."], "errors": {}}
        return 204, None


# ---------------------------------------------------------------------------
CERTS = os.path.join(TMP, "certs")
CA, CERT, KEY = make_ca(CERTS, [SNOW_HOST, AWX_HOST, JIRA_HOST], name="dropin")
SNOW_SRV = MockServer(certfile=CERT, keyfile=KEY, name="servicenow", std=False).start()
AWX_SRV = MockServer(certfile=CERT, keyfile=KEY, name="awx", std=False).start()
JIRA_SRV = MockServer(certfile=CERT, keyfile=KEY, name="jira", std=False).start()
ENV = {"OCTO_CONNECT_TO": ",".join("%s:443:127.0.0.1:%d" % (h, s.port) for h, s in
                                   ((SNOW_HOST, SNOW_SRV), (AWX_HOST, AWX_SRV), (JIRA_HOST, JIRA_SRV))),
       "OCTO_CA_FILE": CA}


def original_data(with_secrets=True):
    o = Octo(tmp=tempfile.mkdtemp(dir=TMP))
    shutil.rmtree(o.data)
    shutil.copytree(ORIGINAL, o.data)
    if with_secrets:
        o.secrets(SECRETS)
    o.env.update(ENV)
    return o


def clear():
    for s in (SNOW_SRV, AWX_SRV, JIRA_SRV):
        s.clear()


def files_under(o, rel):
    d = o.path(rel)
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def test_fixture_is_the_original():
    names = sorted(os.listdir(os.path.join(ORIGINAL, "flows")))
    eq(names, ["check_awx_job.yml", "check_awx_job_jira.yml", "flow_jira_tickets.yml",
               "flow_service_now_jobs.yml", "flow_service_now_tickets.yml", "ticket_to_awx.yml",
               "ticket_to_awx_jira.yml"], "the seven sample flows")
    eq(sorted(os.listdir(os.path.join(ORIGINAL, "templates"))),
       ["extravars.j2", "insert.j2", "ticket_patch.j2", "transition.j2"], "the four templates")


def test_every_original_flow_validates():
    o = original_data()
    v = o.validate()
    eq(v.rc, 0, "validate: %r" % v)
    for n in os.listdir(os.path.join(ORIGINAL, "flows")):
        check(re.search(r"^%s: valid" % re.escape(n), v.stdout, re.M), "%s valid: %s" % (n, v.stdout))
    check("7 flows checked, 0 invalid" in v.stdout, v.stdout)
    check('flow_jira_tickets.yml' in v.stdout and 'dump result' in v.stdout,
          "the finally_step naming no step is a warning: %s" % v.stdout)
    # with the original's secrets.yml.template (names the flows do not use):
    # still valid, with warnings naming the undefined secrets
    o2 = original_data(with_secrets=False)
    shutil.copy(os.path.join(ORIGINAL, "secrets.yml.template"), o2.path("secrets.yml"))
    v = o2.validate()
    eq(v.rc, 0, "validate with the template's secrets: %r" % v)
    check('secret "snow_credential" is not defined in secrets.yml' in v.stdout + v.stderr,
          "warns about undefined secrets: %s" % v.stdout)
    v = o.validate("--strict")
    eq(v.rc, 0, "validate --strict: the samples use no unknown key: %r" % v)


def test_service_now_tickets_to_awx():
    snow = ServiceNow(SNOW_SRV)
    awx = AWX(AWX_SRV)
    ids = ["a3f1c0de9b8e4f2aa1b2c3d4e5f60718", "0b7e2f4c6a8d4e1f9c3b5a7d9e1f3a5c",
           "ffffeeee0000111122223333aaaabbbb"]
    payloads = [{"vm_name": "web-01", "cpu": 2, "tags": ["web", "prod"]},
                {"vm_name": "db-02", "cpu": 8, "owner": "Zoë"}]
    snow.add(ids[0], "new", json.dumps(payloads[0]))
    snow.add(ids[1], "new", json.dumps(payloads[1]))
    snow.add(ids[2], "running", json.dumps({"vm_name": "old"}), job_id="999")   # not new: left alone
    o = original_data()
    clear()
    r = o.run("flow_service_now_tickets.yml")
    eq(r.rc, 0, "run: %r" % r)
    # -- ServiceNow: one list, one PATCH per ticket
    gets = SNOW_SRV.got(method="GET")
    eq(len(gets), 1, "one ServiceNow query")
    eq(gets[0].target, TABLE + "?sysparm_query=request_type%3Dansible%5Estatus%3Dnew&sysparm_fields="
       "sys_id%2Csys_created_by%2Cpayload%2Csys_created%2Csys_created_on%2Cjob_id&sysparm_limit=5",
       "the original's query string, byte for byte")
    eq(gets[0].header("Host"), SNOW_HOST, "Host is the real host name")
    patches = sorted(SNOW_SRV.got(method="PATCH"), key=lambda q: q.path)
    eq([q.path for q in patches], sorted(TABLE + "/" + i for i in ids[:2]), "one PATCH per new ticket")
    # -- AWX: template lookup, launch with the ticket payload as extra_vars
    tgets = AWX_SRV.got(method="GET", path="/api/v2/job_templates/")
    eq([q.query for q in tgets], ["name=Demo+Job+Template"] * 2, "template looked up per ticket")
    launches = AWX_SRV.got(method="POST", path="/api/v2/job_templates/7/launch/")
    eq(sorted(json.dumps(q.json(), sort_keys=True) for q in launches),
       sorted(json.dumps({"extra_vars": p}, sort_keys=True) for p in payloads),
       "extra_vars = the ticket's payload parsed (extravars.j2, parse: json)")
    for q in launches:
        eq(q.header("Content-Type"), "application/json", "JSON body")
    jobs_by_vm = {json.loads(awx.jobs[j]["extra_vars"])["vm_name"]: j for j in awx.jobs}
    for q in patches:
        sys_id = q.path.rsplit("/", 1)[1]
        vm = json.loads(snow.records[sys_id]["payload"])["vm_name"]
        eq(q.json(), {"job_id": jobs_by_vm[vm], "status": "running"},
           "the ticket is patched with its AWX job id")
        eq(snow.records[sys_id]["status"], "running", "ServiceNow record updated")
    # -- Basic auth per system
    for q in SNOW_SRV.got():
        eq(q.basic_auth(), CREDS["snow_credential"], "ServiceNow credential")
    for q in AWX_SRV.got():
        eq(q.basic_auth(), CREDS["awx_credential"], "AWX credential")
    eq(JIRA_SRV.got(), [], "Jira untouched")
    # -- flow data and the file it wrote
    d = r.data
    eq([t["sys_id"] for t in d["tickets"]], ids[:2], "tickets = .result")
    eq(len(d["flow_loop"]), 2, "one loop result per ticket")
    for i, item in enumerate(d["flow_loop"]):
        eq(item["__loop_index__"], i + 1, "loop index")
        eq(item["template_info"], {"id": 7, "name": "Demo Job Template",
                                   "related": {"launch": "/api/v2/job_templates/7/launch/",
                                               "jobs": "/api/v2/job_templates/7/jobs/",
                                               "inventory": "/api/v2/inventories/1/"}}, "template_info")
        eq(item["extravars"], {"extra_vars": payloads[i]}, "extravars")
        eq(item["ticket_status"]["result"]["status"], "running", "PATCH answer stored")
        eq(item["__errors__"], [], "no item errors")
    eq(d["__errors__"], [], "no errors")
    out = files_under(o, "output")
    eq(out, ["process_snow_jobs_result_%s.yml" % d["__timestamp__"]], "the dump file")
    with open(o.path("output/" + out[0])) as f:
        text = f.read()
    expect = {k: v for k, v in d.items() if k != "dump result"}
    eq(text, yaml.dump(expect, default_flow_style=False), "the dump is PyYAML's yaml.dump of the flow data")
    eq(d["dump result"], {}, "a write returns {}")

    # no new tickets: the loop and the dump are skipped by their `when`
    clear()
    r = o.run("flow_service_now_tickets.yml")
    eq(r.rc, 0, "second run: %r" % r)
    eq(r["tickets"], [], "nothing new")
    check("flow_loop" not in r.data and "dump result" not in r.data, "skipped steps write nothing")
    eq([q.method for q in SNOW_SRV.got()] + [q.method for q in AWX_SRV.got()], ["GET"], "one query only")
    eq(len(files_under(o, "output")), 1, "no second dump")


def test_service_now_jobs_check_awx():
    snow = ServiceNow(SNOW_SRV)
    awx = AWX(AWX_SRV)
    awx.jobs = {2001: {"id": 2001, "type": "job", "status": "successful", "playbook": "hello_world.yml"},
                2002: {"id": 2002, "type": "job", "status": "failed", "playbook": "hello_world.yml"},
                2003: {"id": 2003, "type": "job", "status": "running", "playbook": "hello_world.yml"}}
    ids = ["%032x" % (0xabc000 + i) for i in range(4)]
    for i, jid in enumerate((2001, 2002, 2003)):
        snow.add(ids[i], "running", json.dumps({"n": i}), job_id=str(jid))
    snow.add(ids[3], "finished", "{}", job_id="2000")
    o = original_data()
    clear()
    r = o.run("flow_service_now_jobs.yml")
    eq(r.rc, 0, "run: %r" % r)
    gets = SNOW_SRV.got(method="GET")
    eq(gets[0].query, "sysparm_query=request_type%3Dansible%5Estatus%3Drunning&sysparm_fields=sys_id%2C"
       "sys_created_by%2Cpayload%2Csys_created%2Csys_created_on%2Cjob_id&sysparm_limit=50", "query")
    job_gets = sorted(q.path for q in AWX_SRV.got(method="GET"))
    eq(job_gets, ["/api/v2/jobs/2001/", "/api/v2/jobs/2002/", "/api/v2/jobs/2003/"], "one job lookup each")
    for q in AWX_SRV.got():
        eq(q.body, b"", "the sample's data_key on a GET sends no body")
        eq(q.basic_auth(), CREDS["awx_credential"], "AWX credential")
    patches = {q.path.rsplit("/", 1)[1]: q.json() for q in SNOW_SRV.got(method="PATCH")}
    eq(patches, {ids[0]: {"status": "finished", "result": "hello_world.yml"},
                 ids[1]: {"status": "finished", "result": "Failed !!"},
                 ids[2]: {"status": "running", "result": None}},
       "ticket_patch.j2 (parse: yaml) for successful, failed and running jobs")
    for q in SNOW_SRV.got():
        eq(q.basic_auth(), CREDS["snow_credential"], "ServiceNow credential")
    d = r.data
    eq([i["ticket_patch"] for i in d["flow_loop"]],
       [patches[ids[0]], patches[ids[1]], patches[ids[2]]], "flow_loop results in ticket order")
    out = files_under(o, "output")
    eq(out, ["process_snow_tickets_result_%s.yml" % d["__timestamp__"]], "the dump file")
    with open(o.path("output/" + out[0])) as f:
        dumped = yaml.safe_load(f)
    eq(dumped["tickets"], d["tickets"], "the dump holds the tickets")
    eq(len(dumped["flow_loop"]), 3, "and the loop results")

    # AWX refuses the credential: each item fails, the loop does not (as the
    # original), the errors reach the parent with their loop_index
    o.secrets([s if s["name"] != "awx_credential" else dict(s, password="wrong-password-x")
               for s in SECRETS])
    for i, jid in enumerate((2001, 2002, 2003)):   # the first run finished two of them
        snow.add(ids[i], "running", json.dumps({"n": i}), job_id=str(jid))
    clear()
    r = o.run("flow_service_now_jobs.yml")
    eq(r.rc, 0, "item failures do not fail the loop: %r" % r)
    eq(sorted((e["loop_index"], e["step"], e["error"]["status_code"]) for e in r.errors),
       [(1, "get awx job", 401), (2, "get awx job", 401), (3, "get awx job", 401)], "item errors")
    eq(SNOW_SRV.got(method="PATCH"), [], "no ticket patched")


def test_jira_tickets():
    Jira(JIRA_SRV)
    o = original_data()
    clear()
    r = o.run("flow_jira_tickets.yml")
    eq(r.rc, 0, "run: %r" % r)
    s = JIRA_SRV.got(path="/rest/api/2/search")
    eq(len(s), 1, "one search")
    eq(s[0].query, "maxResults=2&expand=names&jql=project%3D10000+AND+status%3D%27New%27+AND+"
                   "issuetype%3D%27Service+Request%27", "the search query")
    d = r.data
    eq(d["tickets"], [{"id": "10041", "key": "ITSM-41", "self": "https://%s/rest/api/2/issue/10041" % JIRA_HOST},
                      {"id": "10042", "key": "ITSM-42", "self": "https://%s/rest/api/2/issue/10042" % JIRA_HOST}],
       "merged then reduced by the sample's jq_expression")
    gets = sorted(q.path for q in JIRA_SRV.got(method="GET", prefix="/rest/api/2/issue/"))
    eq(gets, ["/rest/api/2/issue/10041/transitions", "/rest/api/2/issue/10042/transitions"],
       "transitions read per issue via {{ __input__.self }}")
    posts = JIRA_SRV.got(method="POST")
    eq(sorted(q.path for q in posts), gets, "one transition POST per issue")
    for q in posts:
        # the sample nests data_key inside body: the literal mapping is posted,
        # exactly as the original did (D.1 item 6)
        eq(q.json(), {"data_key": "transition_update"}, "the sample's literal body")
    for q in JIRA_SRV.got():
        eq(q.basic_auth(), CREDS["jira_credential"], "Jira credential")
        eq(q.header("Host"), JIRA_HOST, "Host")
    for i, item in enumerate(d["flow_loop"]):
        eq(item["transition"]["id"], "11", "the In Progress transition (jq select)")
        eq(item["transition_update"], {"transition": {"id": 11},
                                       "update": {"comment": {"add": {"body": "Ticket is being processed by AWX"}}}},
           "transition.j2 parsed as YAML")
        eq(item["ticket_status"], None, "Jira's 204 gives null")
    eq(d["__errors__"], [], "no errors")
    eq(files_under(o, "output"), [], "the dump step is commented out in this sample")
    eq(SNOW_SRV.got() + AWX_SRV.got(), [], "ServiceNow and AWX untouched")


def test_jira_two_transitions_to_in_progress():
    """Two transitions lead to "In Progress": the sample's jq_expression
    (.transitions[] | select(...)) gives two outputs, hence null, and the
    jinja step with that null data_key fails - as the original's
    render(**None) did - so each item stops at "prepare transition update"
    and nothing is posted (rendering with an empty context posted
    {"transition": {"id": null}} to Jira)."""
    Jira(JIRA_SRV, in_progress=2)
    o = original_data()
    clear()
    r = o.run("flow_jira_tickets.yml")
    eq(r.rc, 0, "item failures do not fail the loop (fail_on_item_error: false): %r" % r)
    d = r.data
    for item in d["flow_loop"]:
        eq(item["transition"], None, "two outputs of the jq_expression give null")
        check("transition_update" not in item and "ticket_status" not in item,
              "the item stopped at the jinja step: %r" % sorted(item))
    eq(sorted((e["loop_index"], e["step"], e["error"]["type"]) for e in d["__errors__"]),
       [(1, "prepare transition update", "validation"), (2, "prepare transition update", "validation")],
       "one error per item, at the jinja step")
    for e in d["__errors__"]:
        eq(e["error"]["message"], 'data_key "transition" is null: the context of transition.j2 '
                                  'must be a mapping', "the message")
    eq(JIRA_SRV.got(method="POST"), [], "no transition posted to Jira")
    eq(len(JIRA_SRV.got(method="GET", prefix="/rest/api/2/issue/")), 2, "the transitions were read")


def test_original_templates():
    """The original's templates through the jinja step (the [B] context
    rule: the data_key value; the whole flow data without data_key), as
    text and parsed."""
    o = original_data()
    o.template("ctx.j2", "{{ __input__.who }}|{{ __data__ | length }}|{{ first | default('-') }}")
    o.flow("tpl.yml", """name: templates
steps:
- name: jobs
  type: jq
  jq:
    expression: >-
      [{status: "successful", playbook: "site.yml"}, {status: "failed", playbook: "x"},
       {status: "running", playbook: "x"}, {status: "pending"}]
- name: patch_text
  type: jinja
  ignore_errors: ["must be a mapping"]
  jinja: {path: ticket_patch.j2, data_key: first_job}
- name: first_job
  type: jq
  jq: {expression: '.[0]', data_key: jobs}
- name: patch_text2
  type: jinja
  result_key: patch_text
  jinja: {path: ticket_patch.j2, data_key: first_job}
- name: patches
  type: flow_loop
  flow_loop: {path: patch_item.yml, data_key: jobs}
  jq_expression: '[.[].patch]'
- name: ticket
  type: jq
  jq: {expression: '{sys_id: "abc", payload: "{\\"vm\\": \\"web-01\\", \\"n\\": [1, 2]}"}'}
- name: tr
  type: jq
  jq: {expression: .tr, data_key: __input__}
- name: job
  type: jq
  jq: {expression: .job, data_key: __input__}
- name: extravars_text
  type: jinja
  jinja: {path: extravars.j2, data_key: ticket}
- name: extravars
  type: jinja
  jinja: {path: extravars.j2, data_key: ticket, parse: json}
- name: transition
  type: jinja
  jinja: {path: transition.j2, data_key: tr}
- name: transition_parsed
  type: jinja
  jinja: {path: transition.j2, data_key: tr, parse: yaml}
- name: insert
  type: jinja
  jinja: {path: insert.j2, data_key: job}
- name: whole
  type: jinja
  jinja: {path: ctx.j2}
- name: listctx
  type: jinja
  ignore_errors: ["must be a mapping"]
  jinja: {path: ctx.j2, data_key: jobs}
- name: nullctx
  type: jinja
  ignore_errors: ["must be a mapping"]
  jinja: {path: ctx.j2, data_key: missing_key}
- name: badjson
  type: jinja
  ignore_errors: ["^template: .*is not JSON"]
  jinja: {path: transition.j2, data_key: tr, parse: json}
- name: missing
  type: jinja
  jinja: {path: nope.j2}
""")
    o.flow("patch_item.yml", """name: patch item
steps:
- name: patch
  type: jinja
  jinja: {path: ticket_patch.j2, data_key: __input__, parse: yaml}
""")
    r = o.run("tpl.yml", data={"who": "me", "tr": {"id": "11", "name": "Start"}, "job": {"job_id": 1001}})
    d = r.data
    eq(r.rc, 1, "the last step fails (missing template): %r" % r)
    eq(d["patch_text"], "status: finished\nresult: site.yml",
       "ticket_patch.j2 as text (one trailing newline removed, as Jinja2)")
    eq(d["patches"], [{"status": "finished", "result": "site.yml"},
                      {"status": "finished", "result": "Failed !!"},
                      {"status": "running", "result": None},
                      {"status": "running", "result": None}], "ticket_patch.j2 parsed as YAML")
    eq(d["extravars_text"], '{"vm": "web-01", "n": [1, 2]}', "extravars.j2: the payload verbatim")
    eq(d["extravars"], {"vm": "web-01", "n": [1, 2]}, "parse: json")
    eq(d["transition"], 'transition:\n    id: 11\nupdate:\n    comment:\n        add: \n'
                        '            body: "Ticket is being processed by AWX"', "transition.j2 text")
    eq(d["transition_parsed"], {"transition": {"id": 11},
                                "update": {"comment": {"add": {"body": "Ticket is being processed by AWX"}}}},
       "transition.j2 parsed")
    eq(d["insert"], "INSERT INTO cmdb (job_id, status) VALUES (1001, 'running')", "insert.j2")
    eq(d["whole"], "me|%d|-" % list(d).index("whole"),
       "no data_key: the whole flow data is the context")
    errs = {e["step"]: e for e in r.errors}
    # a data_key value that is not a mapping fails, as render(**value) in the original
    eq(errs["listctx"]["error"]["message"],
       'data_key "jobs" is a list: the context of ctx.j2 must be a mapping', "a list context")
    eq(errs["nullctx"]["error"]["message"],
       'data_key "missing_key" is not in the flow data: the context of ctx.j2 must be a mapping',
       "a missing context")
    check("listctx" not in d and "nullctx" not in d, "nothing stored for them")
    eq(errs["patch_text"]["error"]["message"],
       'data_key "first_job" is not in the flow data: the context of ticket_patch.j2 must be a '
       'mapping', "a data_key used before its step ran")
    check("ignored" in errs["badjson"] and "is not JSON" in errs["badjson"]["error"]["message"],
          "parse: json of YAML text is a template error: %r" % errs["badjson"])
    check("nope.j2" in errs["missing"]["error"]["message"], "a missing template names it: %r" % errs["missing"])
    # a template with a syntax error makes the flow invalid, with the template's line
    o.template("broken.j2", "status: {% if status %}x")
    o.flow("broken.yml", "name: b\nsteps:\n- name: t\n  type: jinja\n  jinja: {path: broken.j2}\n")
    v = o.validate("broken.yml")
    eq(v.rc, 1, "invalid: %r" % v)
    check('broken.yml:5: steps[0] ("t").jinja.path: broken.j2:1: Unexpected end of template' in v.stdout,
          "message: %r" % v.stdout)


def test_no_credential_in_outputs():
    """The credentials of this file never reach a log, stdout or stderr."""
    o = original_data()
    Jira(JIRA_SRV)
    clear()
    r = o.run("flow_jira_tickets.yml", env={"LOG_LEVEL": "DEBUG"})
    eq(r.rc, 0, "run: %r" % r)
    texts = [r.stdout, r.stderr, o.log()] + list(o.files_text().values())
    for u, p in CREDS.values():
        for t in texts:
            check(p not in t and basic(u, p)[6:] not in t, "credential leaked")


if __name__ == "__main__":
    try:
        run_tests(globals())
    finally:
        for s in (SNOW_SRV, AWX_SRV, JIRA_SRV):
            s.stop()
        os.environ.get("KEEP_TMP") or shutil.rmtree(TMP, ignore_errors=True)
