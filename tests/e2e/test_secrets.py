#!/usr/bin/python3
"""Secrets end to end: rest authentication with secrets.yml and HashiCorp
Vault, against recording servers on 127.0.0.1 (tests/e2e/mockserv.py).

Covers: basic, token (with and without `bearer`), api_key and api-key
authentication, asserting the exact header the server received; secret
errors (unknown name, missing or wrong fields, unknown type) as step errors
naming the secret but never its value; secrets.yml reloaded when it changes
during a run; Vault KV v2 (X-Vault-Token checked, jq_expression, TTL cache
observed within one process, missing HASHICORP_VAULT_TOKEN, 403, not KV v2,
TLS with VAULT_CACERT); redaction of echoed secrets from the printed flow
data, __errors__ and debug logs; and finally a scan of every log file,
stdout/stderr and written file of this test file for any secret value or
Basic-auth base64.
"""
import json
import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mockserv import MockServer, Octo, basic, check, eq, make_ca, run_tests  # noqa: E402

TMP = tempfile.mkdtemp(prefix="octo-secrets-e2e-")
SRV = MockServer(name="api").start()
OCTOS = []          # every Octo used, for the final leak scan

# Every secret value in this file (all >= 4 characters: shorter values are
# not redacted by design).
AWX_USER, AWX_PASS = "awx-admin", "Pa55:w0rd/with+sp ecial=chars"
SNOW_USER, SNOW_PASS = "snow.integration", "sn0w-pässwörd-Ω"
TOKEN = "tok_3f9c2a7d1b8e4a60"
TOKEN2 = "tok_second_value_after_reload_77"
APIKEY_VALUE = "ak-91ab0c55d2e34f7"
VAULT_TOKEN = "hvs.VaultRootToken0123456789"
V_USER, V_PASS = "vault-user", "v4ult-pass-from-kv2"
V_TOKEN = "vault-api-token-abcdef"
V_KEYVAL = "vault-key-value-998877"
PARTIAL_PASS = "only-a-password-here"
SECRET_VALUES = [AWX_PASS, SNOW_PASS, TOKEN, TOKEN2, APIKEY_VALUE, VAULT_TOKEN, V_PASS, V_TOKEN,
                 V_KEYVAL, PARTIAL_PASS]
BASIC_B64 = [basic(u, p)[6:] for u, p in [(AWX_USER, AWX_PASS), (SNOW_USER, SNOW_PASS),
                                          (V_USER, V_PASS)]]

BASE_SECRETS = [
    {"name": "awx_credential", "type": "credential", "username": AWX_USER, "password": AWX_PASS},
    {"name": "snow_credential", "username": SNOW_USER, "password": SNOW_PASS},  # default type
    {"name": "api_token", "type": "token", "token": TOKEN},
    {"name": "the_key", "type": "api-key", "key": "X-API-Key", "value": APIKEY_VALUE},
    {"name": "no_password", "type": "credential", "username": "someone"},
    {"name": "empty_password", "type": "credential", "username": "someone", "password": ""},
    {"name": "no_user", "type": "credential", "password": PARTIAL_PASS},
    {"name": "no_token", "type": "token"},
    {"name": "key_no_value", "type": "api-key", "key": "X-Thing"},
    {"name": "weird", "type": "kerberos", "principal": "x"},
]


def octo(secrets=BASE_SECRETS):
    o = Octo(tmp=tempfile.mkdtemp(dir=TMP))
    if secrets is not None:
        o.secrets(secrets)
    OCTOS.append(o)
    return o


def rest(name, uri, auth=None, extra="", more=""):
    s = "- name: %s\n  type: rest\n%s  rest:\n    uri: \"%s\"\n%s" % (name, extra, uri, more)
    if auth:
        s += "    authentication: %s\n" % json.dumps(auth)
    return s


def flow(*steps, name="t"):
    return "name: %s\nsteps:\n%s" % (name, "".join(steps))


def assert_no_secret(text, where):
    for v in SECRET_VALUES + BASIC_B64:
        check(v not in text, "secret value %r leaked in %s" % (v[:6] + "...", where))


# ---------------------------------------------------------------------------
def test_auth_types():
    o = octo()
    o.flow("auth.yml", flow(
        rest("basic", SRV.url + "/echo/basic", {"type": "basic", "secret": "awx_credential"}),
        rest("basic_default_type", SRV.url + "/echo/basic2", {"type": "basic", "secret": "snow_credential"}),
        rest("token", SRV.url + "/echo/token", {"type": "token", "secret": "api_token"}),
        rest("token_bearer", SRV.url + "/echo/token2",
             {"type": "token", "secret": "api_token", "bearer": "Token"}),
        rest("api_key", SRV.url + "/echo/ak", {"type": "api_key", "secret": "the_key"}),
        rest("api-key", SRV.url + "/echo/ak2", {"type": "api-key", "secret": "the_key"},
             more="    method: post\n    headers: {X-Other: kept}\n    body: {a: 1}\n")))
    SRV.clear()
    r = o.run("auth.yml")
    eq(r.rc, 0, "run: %r" % r)
    h = lambda p, n: SRV.got(path="/echo/" + p)[0].header(n)  # noqa: E731
    eq(h("basic", "Authorization"), basic(AWX_USER, AWX_PASS), "basic")
    eq(SRV.got(path="/echo/basic")[0].basic_auth(), (AWX_USER, AWX_PASS), "basic decodes")
    eq(h("basic2", "Authorization"), basic(SNOW_USER, SNOW_PASS), "credential is the default type (UTF-8)")
    eq(h("token", "Authorization"), "Bearer " + TOKEN, "token: Bearer by default")
    eq(h("token2", "Authorization"), "Token " + TOKEN, "token with bearer: Token")
    eq(h("ak", "X-API-Key"), APIKEY_VALUE, "api_key header")
    check(h("ak", "Authorization") is None, "api_key sends no Authorization")
    eq(h("ak2", "X-API-Key"), APIKEY_VALUE, "api-key spelling")
    eq(h("ak2", "X-Other"), "kept", "other headers kept")
    eq(SRV.got(path="/echo/ak2")[0].json(), {"a": 1}, "body kept")
    # The server echoed the headers back: the printed flow data is redacted.
    eq(r["token"]["headers"]["authorization"], "Bearer ***", "echoed token redacted in the output")
    eq(r["basic"]["headers"]["authorization"], "Basic ***", "echoed Basic base64 redacted")
    eq(r["api_key"]["headers"]["x-api-key"], "***", "echoed api key redacted")
    assert_no_secret(r.stdout + r.stderr + o.log(), "auth run")


def test_secret_errors():
    """Each problem is a `secret` step error naming the secret, never a value;
    unknown authentication types and secret names are caught by validate."""
    o = octo()
    cases = [
        ("unknown", {"type": "basic", "secret": "does_not_exist"}, "Secret does_not_exist not found"),
        ("no_password", {"type": "basic", "secret": "no_password"},
         "Credential secret 'no_password' missing username or password"),
        ("empty_password", {"type": "basic", "secret": "empty_password"},
         "Credential secret 'empty_password' missing username or password"),
        ("no_user", {"type": "basic", "secret": "no_user"},
         "Credential secret 'no_user' missing username or password"),
        ("no_token", {"type": "token", "secret": "no_token"}, "Token secret 'no_token' missing token"),
        ("key_no_value", {"type": "api_key", "secret": "key_no_value"},
         "API key secret 'key_no_value' missing 'key' or 'value'"),
        ("weird", {"type": "basic", "secret": "weird"}, "Unknown secret type: kerberos (secret weird)"),
        ("token_as_basic", {"type": "basic", "secret": "api_token"},
         "Secret 'api_token' missing 'username' or 'password' property"),
        ("basic_as_token", {"type": "token", "secret": "awx_credential"},
         "Secret 'awx_credential' missing 'token' property"),
        ("basic_as_key", {"type": "api-key", "secret": "snow_credential"},
         "Secret 'snow_credential' missing API key 'key' or 'value' property"),
    ]
    steps = [rest(n, SRV.url + "/echo/" + n, a, extra='  ignore_errors: ["^secret: "]\n')
             for n, a, _ in cases]
    steps.append(rest("after", SRV.url + "/echo/after"))
    o.flow("errs.yml", flow(*steps))
    SRV.clear()
    r = o.run("errs.yml")
    eq(r.rc, 0, "all ignored by '^secret: ': %r" % r)
    errs = {e["step"]: e for e in r.errors}
    for n, _, msg in cases:
        e = errs.get(n)
        check(e is not None, "%s recorded an error" % n)
        eq(e["error"], {"type": "secret", "message": msg}, "error of %s" % n)
        check(n not in r.data, "no result for %s" % n)
    eq([q.path for q in SRV.got()], ["/echo/after"], "no request was sent with a broken secret")
    log = o.log()
    for n, _, msg in cases:
        check(msg in log, "logged: %s" % msg)
    assert_no_secret(r.stdout + r.stderr + log, "secret errors")

    # not ignored: exit 1, the message names the secret
    o.flow("one.yml", flow(rest("x", SRV.url + "/echo/x", {"type": "token", "secret": "nope"})))
    r = o.run("one.yml")
    eq(r.rc, 1, "an unknown secret fails the flow")
    check('one.yml:3: step "x": secret: Secret nope not found' in r.stderr,
          "run names it: %r" % r.stderr)

    # validate: an unknown name is a warning (docs/secrets.md), an unknown type an error
    v = o.validate("one.yml")
    eq(v.rc, 0, "unknown secret name: valid with a warning: %r" % v)
    check('secret "nope" is not defined in secrets.yml' in v.stdout + v.stderr, "warning: %r" % v)
    o.flow("badtype.yml", flow(rest("x", SRV.url + "/echo/x", {"type": "ntlm", "secret": "api_token"})))
    v = o.validate("badtype.yml")
    eq(v.rc, 1, "unknown authentication type is invalid: %r" % v)
    check("Unsupported authentication type: ntlm" in v.stdout + v.stderr, "message: %r" % v)
    o.flow("nosecret.yml", flow(rest("x", SRV.url + "/echo/x", {"type": "basic"})))
    v = o.validate("nosecret.yml")
    eq(v.rc, 1, "authentication without secret is invalid: %r" % v)

    # no secrets.yml at all
    o2 = octo(secrets=None)
    o2.flow("one.yml", flow(rest("x", SRV.url + "/echo/x", {"type": "token", "secret": "api_token"})))
    r = o2.run("one.yml")
    eq(r.rc, 1, "no secrets.yml: %r" % r)
    eq(r.errors[0]["error"], {"type": "secret",
                              "message": "Secret api_token not found: secrets.yml does not exist"},
       "message")
    # an invalid secrets.yml
    o2.secrets("- name: x\n  token: [unclosed\n")
    r = o2.run("one.yml")
    eq(r.rc, 1, "broken secrets.yml")
    check(r.errors[0]["error"]["type"] == "secret" and "api_token" in r.errors[0]["error"]["message"],
          "names the secret: %r" % r.errors)


def test_secrets_reloaded_when_changed():
    """secrets.yml is re-read during a run when it changes: a server route
    rewrites it between two authenticated calls of one run."""
    o = octo()

    def rewrite(req, m):
        new = [dict(s) for s in BASE_SECRETS]
        for s in new:
            if s["name"] == "api_token":
                s["token"] = TOKEN2
        o.secrets(new)
        return 200, {"rewritten": True}

    SRV.add_route("POST", r"^/rewrite-secrets$", rewrite)
    auth = {"type": "token", "secret": "api_token"}
    o.flow("reload.yml", flow(
        rest("before", SRV.url + "/echo/before", auth),
        rest("rewrite", SRV.url + "/rewrite-secrets", more="    method: post\n"),
        rest("wait", SRV.url + "/sleep/1100"),   # the file is checked at most once a second
        rest("after", SRV.url + "/echo/after", auth)))
    SRV.clear()
    r = o.run("reload.yml")
    eq(r.rc, 0, "run: %r" % r)
    eq(SRV.got(path="/echo/before")[0].header("Authorization"), "Bearer " + TOKEN, "old token first")
    eq(SRV.got(path="/echo/after")[0].header("Authorization"), "Bearer " + TOKEN2,
       "the new token after the file changed")
    check("secrets.yml (re)loaded" in o.log(), "the reload is logged")
    # and a removed secret disappears
    o.secrets([s for s in BASE_SECRETS if s["name"] != "api_token"])
    o.flow("gone.yml", flow(rest("x", SRV.url + "/echo/x", auth)))
    r = o.run("gone.yml")
    eq(r.errors[0]["error"]["message"], "Secret api_token not found", "removed: %r" % r.errors)


def test_redaction_of_echoed_secrets():
    """A server that echoes credentials in an error body: __errors__, the log
    (also at DEBUG, with a debug step dumping the flow data) and stdout show
    *** instead; the file step writes flow data without secrets."""
    o = octo()

    def deny(req, m):
        return 401, {"message": "bad credentials", "you_sent": req.header("Authorization")}

    SRV.add_route("GET", r"^/deny$", deny)
    o.flow("red.yml", flow(
        rest("denied", SRV.url + "/deny", {"type": "basic", "secret": "awx_credential"},
             extra='  ignore_errors: [".*401.*"]\n'),
        rest("tok", SRV.url + "/echo/tok", {"type": "token", "secret": "api_token"}),
        "- name: show\n  type: debug\n  debug: {type: json}\n",
        "- name: dump\n  type: file\n  file: {path: out/errors.json, mode: write, type: json, "
        "data_key: __errors__}\n"))
    SRV.clear()
    r = o.run("red.yml", env={"LOG_LEVEL": "DEBUG"})
    eq(r.rc, 0, "run: %r" % r)
    e = r.errors[0]
    eq(e["error"]["status_code"], 401, "401 recorded")
    eq(e["error"]["response_content"], {"message": "bad credentials", "you_sent": "Basic ***"},
       "the echoed credential is redacted in __errors__")
    eq(r["tok"]["headers"]["authorization"], "Bearer ***", "echoed token redacted in stdout")
    log = o.log()
    check("[t][show // debug]" in log and "Bearer ***" in log, "the debug dump is in the log, redacted")
    with open(o.path("out/errors.json")) as f:
        written = json.load(f)
    eq(written[0]["error"]["response_content"]["you_sent"], "Basic ***",
       "__errors__ written by the file step is redacted")
    assert_no_secret(r.stdout + r.stderr + log, "redaction run")


# ---------------------------------------------------------------------------
# HashiCorp Vault
class Vault:
    """A KV v2 read endpoint: GET /v1/<mount>/data/<path> with X-Vault-Token."""

    def __init__(self, server, token, secrets):
        self.token = token
        self.secrets = secrets
        self.server = server
        server.add_route("GET", r"^/v1/([\w-]+)/data/(.+)$", self.read)

    def read(self, req, m):
        if req.header("X-Vault-Token") != self.token:
            return 403, {"errors": ["permission denied"]}
        key = "%s/%s" % (m.group(1), m.group(2))
        if key not in self.secrets:
            return 404, {"errors": []}
        if m.group(1) == "kv1":   # KV v1 shape: no data.data
            return 200, {"data": self.secrets[key], "lease_duration": 2764800}
        return 200, {"request_id": "0d4c5e2b", "lease_id": "", "renewable": False,
                     "lease_duration": 0,
                     "data": {"data": self.secrets[key],
                              "metadata": {"created_time": "2025-05-18T10:00:00Z", "version": 3}},
                     "wrap_info": None, "warnings": None, "auth": None}

    def reads(self, path=None):
        return [q for q in self.server.got(method="GET", prefix="/v1/")
                if path is None or q.path == path]


VAULT_SRV = MockServer(name="vault", std=True).start()
VAULT = Vault(VAULT_SRV, VAULT_TOKEN, {
    "secret/awx": {"username": V_USER, "password": V_PASS},
    "secret/api": {"api_token": V_TOKEN, "owner": "team-a"},
    "secret/key": {"key": "X-Vault-Key", "value": V_KEYVAL},
    "kv1/old": {"username": "u", "password": "p-kv1-value"},
})


def vault_secrets(base):
    return BASE_SECRETS + [
        {"name": "vault_awx", "type": "hashicorp-vault", "uri": base + "/v1/secret/data/awx"},
        {"name": "vault_api", "type": "hashicorp-vault", "uri": base + "/v1/secret/data/api",
         "jq_expression": "{token: .api_token}"},
        {"name": "vault_api_raw", "type": "hashicorp-vault", "uri": base + "/v1/secret/data/api"},
        {"name": "vault_key", "type": "hashicorp-vault", "uri": base + "/v1/secret/data/key"},
        {"name": "vault_missing", "type": "hashicorp-vault", "uri": base + "/v1/secret/data/nothing"},
        {"name": "vault_kv1", "type": "hashicorp-vault", "uri": base + "/v1/kv1/data/old"},
        {"name": "vault_nouri", "type": "hashicorp-vault"},
        {"name": "vault_badjq", "type": "hashicorp-vault", "uri": base + "/v1/secret/data/api",
         "jq_expression": ".api_token | error(\"no\")"},
    ]


def test_vault_kv2():
    o = octo(vault_secrets(VAULT_SRV.url))
    o.env["HASHICORP_VAULT_TOKEN"] = VAULT_TOKEN
    o.flow("v.yml", flow(
        rest("basic", SRV.url + "/echo/vb", {"type": "basic", "secret": "vault_awx"}),
        rest("token", SRV.url + "/echo/vt", {"type": "token", "secret": "vault_api"}),
        rest("key", SRV.url + "/echo/vk", {"type": "api_key", "secret": "vault_key"}),
        rest("again", SRV.url + "/echo/vb2", {"type": "basic", "secret": "vault_awx"}),
        rest("raw", SRV.url + "/echo/raw", {"type": "token", "secret": "vault_api_raw"},
             extra='  ignore_errors: ["missing .token. property"]\n')))
    SRV.clear()
    VAULT_SRV.clear()
    r = o.run("v.yml")
    eq(r.rc, 0, "run: %r" % r)
    h = lambda p, n: SRV.got(path="/echo/" + p)[0].header(n)  # noqa: E731
    eq(h("vb", "Authorization"), basic(V_USER, V_PASS), "basic from Vault data.data")
    eq(h("vb2", "Authorization"), basic(V_USER, V_PASS), "again")
    eq(h("vt", "Authorization"), "Bearer " + V_TOKEN, "token through the jq_expression")
    eq(h("vk", "X-Vault-Key"), V_KEYVAL, "api key from Vault")
    eq(r.errors[0]["error"]["message"], "Secret 'vault_api_raw' missing 'token' property",
       "without the jq_expression the data has no token field")
    reads = VAULT.reads()
    for q in reads:
        eq(q.header("X-Vault-Token"), VAULT_TOKEN, "X-Vault-Token sent")
        eq(q.method, "GET", "GET")
    # one read per uri|jq_expression: awx (twice used), api with jq, api raw, key
    eq(sorted(q.path for q in reads), ["/v1/secret/data/api", "/v1/secret/data/api",
                                       "/v1/secret/data/awx", "/v1/secret/data/key"],
       "cached per uri and jq_expression within the run")
    assert_no_secret(r.stdout + r.stderr + o.log(), "vault run")


def test_vault_ttl_cache():
    """Within one process (a parent flow running a sub-flow three times), a
    second use within HASHICORP_VAULT_CACHE_TTL reads nothing from Vault;
    one after the TTL reads it again."""
    o = octo(vault_secrets(VAULT_SRV.url))
    o.env["HASHICORP_VAULT_TOKEN"] = VAULT_TOKEN
    o.flow("use.yml", flow(rest("call", SRV.url + "/echo/use", {"type": "basic", "secret": "vault_awx"})))
    sub = lambda n: "- name: %s\n  type: flow\n  flow: {path: use.yml}\n" % n  # noqa: E731
    o.flow("ttl.yml", flow(sub("run1"), sub("run2"), rest("pause", SRV.url + "/sleep/2300"),
                           sub("run3")))
    VAULT_SRV.clear()
    SRV.clear()
    r = o.run("ttl.yml", env={"HASHICORP_VAULT_CACHE_TTL": "2"})
    eq(r.rc, 0, "run: %r" % r)
    uses = [q.time for q in SRV.got(path="/echo/use")]
    reads = [q.time for q in VAULT.reads()]
    eq(len(uses), 3, "three authenticated calls")
    eq(len(reads), 2, "two Vault reads: the first, and one after the TTL (not one per use)")
    check(reads[0] <= uses[0] and uses[1] < reads[1] <= uses[2],
          "the second read happened after the pause, before the third use")
    for u in ("run1", "run2", "run3"):
        eq(r[u]["call"]["headers"]["authorization"], "Basic ***", "%s authenticated (redacted)" % u)
    # default TTL (60 s): three uses, one read
    VAULT_SRV.clear()
    o.flow("ttl60.yml", flow(sub("run1"), sub("run2"), rest("pause", SRV.url + "/sleep/1100"),
                             sub("run3")))
    r = o.run("ttl60.yml")
    eq(r.rc, 0, "run: %r" % r)
    eq(len(VAULT.reads()), 1, "one Vault read with the default TTL")
    # a new process has its own cache
    VAULT_SRV.clear()
    r = o.run("use.yml")
    eq(len(VAULT.reads()), 1, "a new process reads again")


def test_vault_errors():
    o = octo(vault_secrets(VAULT_SRV.url))
    o.flow("missing_token.yml", flow(rest("x", SRV.url + "/echo/x", {"type": "basic", "secret": "vault_awx"})))
    VAULT_SRV.clear()
    r = o.run("missing_token.yml")
    eq(r.rc, 1, "no token: %r" % r)
    eq(r.errors[0]["error"], {"type": "secret", "message":
                              "Hashicorp Vault secret 'vault_awx' missing token, please set "
                              "HASHICORP_VAULT_TOKEN in the environment"}, "missing token")
    eq(VAULT.reads(), [], "Vault not asked without a token")

    # wrong token: 403, not cached (each use asks again)
    o.flow("forbidden.yml", flow(
        rest("a", SRV.url + "/echo/a", {"type": "basic", "secret": "vault_awx"},
             extra='  ignore_errors: ["403"]\n'),
        rest("b", SRV.url + "/echo/b", {"type": "basic", "secret": "vault_awx"})))
    r = o.run("forbidden.yml", env={"HASHICORP_VAULT_TOKEN": "hvs.wrong-token-value"})
    eq(r.rc, 1, "403 fails: %r" % r)
    for e in r.errors:
        eq(e["error"]["type"], "secret", "type")
        check(e["error"]["message"].startswith("Failed to fetch secret 'vault_awx' from Hashicorp "
                                               "Vault: HTTP 403") and "permission denied"
              in e["error"]["message"], "message: %r" % e)
    eq(len(VAULT.reads()), 2, "failures are not cached")
    eq(SRV.got(prefix="/echo/a") + SRV.got(prefix="/echo/b"), [], "no call without the secret")

    cases = [("vault_missing", "Failed to fetch secret 'vault_missing' from Hashicorp Vault: HTTP 404"),
             ("vault_kv1", "Hashicorp Vault secret 'vault_kv1' data has no data key (is it KV v2?)"),
             ("vault_nouri", "Hashicorp Vault secret 'vault_nouri' missing uri"),
             ("vault_badjq", "Hashicorp Vault secret 'vault_badjq': its jq_expression failed")]
    o.flow("cases.yml", flow(*[rest(n, SRV.url + "/echo/" + n, {"type": "basic", "secret": n},
                                    extra='  ignore_errors: ["^secret: "]\n') for n, _ in cases]))
    r = o.run("cases.yml", env={"HASHICORP_VAULT_TOKEN": VAULT_TOKEN})
    eq(r.rc, 0, "all ignored: %r" % r)
    got = {e["step"]: e["error"]["message"] for e in r.errors}
    for n, msg in cases:
        check(got[n].startswith(msg), "%s: %r" % (n, got[n]))
    check("p-kv1-value" not in r.stdout + r.stderr + o.log(), "the KV v1 value is not shown")
    # Vault unreachable
    o.secrets([{"name": "down", "type": "hashicorp-vault", "uri": "http://127.0.0.1:9/v1/secret/data/x"}])
    o.flow("down.yml", flow(rest("x", SRV.url + "/echo/x", {"type": "basic", "secret": "down"})))
    r = o.run("down.yml", env={"HASHICORP_VAULT_TOKEN": VAULT_TOKEN})
    eq(r.rc, 1, "unreachable")
    check(r.errors[0]["error"]["message"].startswith("Failed to fetch secret 'down' from Hashicorp Vault"),
          "message: %r" % r.errors)
    assert_no_secret(r.stdout + r.stderr + o.log(), "vault errors")


def test_vault_tls():
    """Vault over HTTPS: verified by default, VAULT_CACERT trusts a CA,
    VAULT_SKIP_VERIFY=true skips the check (with a warning)."""
    ca, cert, key = make_ca(os.path.join(TMP, "vault-certs"), ["vault.example.com"], name="vault")
    with MockServer(certfile=cert, keyfile=key, name="vault-tls") as vs:
        v = Vault(vs, VAULT_TOKEN, {"secret/awx": {"username": V_USER, "password": V_PASS}})
        o = octo(BASE_SECRETS + [{"name": "vt", "type": "hashicorp-vault",
                                  "uri": "https://vault.example.com:8200/v1/secret/data/awx"}])
        o.env["HASHICORP_VAULT_TOKEN"] = VAULT_TOKEN
        o.env["OCTO_CONNECT_TO"] = "vault.example.com:8200:127.0.0.1:%d" % vs.port
        o.flow("vt.yml", flow(rest("x", SRV.url + "/echo/vtls", {"type": "basic", "secret": "vt"})))
        r = o.run("vt.yml")
        eq(r.rc, 1, "an unknown CA is refused: %r" % r)
        check("Failed to fetch secret 'vt' from Hashicorp Vault" in r.errors[0]["error"]["message"],
              "message: %r" % r.errors)
        eq(v.reads(), [], "no request completed")
        r = o.run("vt.yml", env={"VAULT_CACERT": ca})
        eq(r.rc, 0, "VAULT_CACERT: %r" % r)
        eq(len(v.reads()), 1, "one read")
        eq(v.reads()[0].header("Host"), "vault.example.com:8200", "through OCTO_CONNECT_TO")
        r = o.run("vt.yml", env={"VAULT_SKIP_VERIFY": "true"})
        eq(r.rc, 0, "VAULT_SKIP_VERIFY: %r" % r)
        check("VAULT_SKIP_VERIFY" in r.stderr, "warns")


def test_parallel_items_share_secrets():
    """Loop items authenticate concurrently with the same Vault secret: every
    call carries the right header (the cache is shared and thread-safe)."""
    o = octo(vault_secrets(VAULT_SRV.url))
    o.env["HASHICORP_VAULT_TOKEN"] = VAULT_TOKEN
    o.flow("item.yml", flow(rest("call", SRV.url + "/sleep/50/item?i={{ __loop_index__ }}",
                                 {"type": "token", "secret": "vault_api"})))
    o.flow("loop.yml", flow("- name: loop\n  type: flow_loop\n  flow_loop: {path: item.yml, "
                            "data_key: __input__, max_workers: 8}\n"))
    SRV.clear()
    VAULT_SRV.clear()
    r = o.run("loop.yml", data=list(range(24)))
    eq(r.rc, 0, "run: %r" % r)
    calls = SRV.got(prefix="/sleep/50/item")
    eq(len(calls), 24, "24 calls")
    eq({q.header("Authorization") for q in calls}, {"Bearer " + V_TOKEN}, "all authenticated")
    n = len(VAULT.reads())
    check(1 <= n <= 8, "at most one Vault read per concurrent worker, got %d" % n)


def test_skipped_steps_fetch_no_secret():
    """A step whose `when` is false neither fails on a broken secret nor
    asks Vault (the original built steps, secrets included, before `when`)."""
    o = octo(vault_secrets(VAULT_SRV.url))
    o.env["HASHICORP_VAULT_TOKEN"] = VAULT_TOKEN
    o.flow("skip.yml", flow(
        rest("unknown", SRV.url + "/echo/s1", {"type": "basic", "secret": "does_not_exist"},
             extra="  when: 'false'\n"),
        rest("vault", SRV.url + "/echo/s2", {"type": "basic", "secret": "vault_awx"},
             extra="  when: ['__input__.go == 1']\n")))
    SRV.clear()
    VAULT_SRV.clear()
    r = o.run("skip.yml", data={"go": 0})
    eq((r.rc, r.errors), (0, []), "skipped steps do not fail: %r" % r)
    check("unknown" not in r.data and "vault" not in r.data, "and write nothing")
    eq(SRV.got() + VAULT.reads(), [], "no request, no Vault read")
    r = o.run("skip.yml", data={"go": 1})
    eq(len(VAULT.reads()), 1, "the Vault read happens when the step runs")
    eq(SRV.got(path="/echo/s2")[0].header("Authorization"), basic(V_USER, V_PASS), "and is used")


def test_no_secret_anywhere():
    """After all of the above: no secret value and no Basic base64 in any log
    file, stdout/stderr or file written under DATA_PATH."""
    check(len(OCTOS) >= 8, "the other tests ran first")
    scanned = 0
    for o in OCTOS:
        for i, text in enumerate(o.outputs):
            assert_no_secret(text, "%s output #%d" % (o.data, i))
            scanned += 1
        for rel, text in o.files_text().items():
            assert_no_secret(text, "%s/%s" % (o.data, rel))
            scanned += 1
    check(scanned > 30, "scanned %d texts" % scanned)
    # the scan can fail: the secrets file itself does contain them
    with open(OCTOS[0].path("secrets.yml")) as f:
        check(AWX_PASS in f.read(), "the scan looks for the right strings")


if __name__ == "__main__":
    try:
        run_tests(globals())
    finally:
        SRV.stop()
        VAULT_SRV.stop()
        os.environ.get("KEEP_TMP") or shutil.rmtree(TMP, ignore_errors=True)
