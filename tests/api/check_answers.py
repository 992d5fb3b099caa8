#!/usr/bin/python3
"""Every answer the API tests received, against openapi.yaml.

    check_answers.py OPENAPI_YAML EXCHANGES_DIR

EXCHANGES_DIR holds one <test>.jsonl per API test (the harness writes them
when OPORA_TEST_EXCHANGES is set: tests/api/harness_http.c). Each answer is
matched to its operation by method and path template (HEAD as GET), then
to the response of its status (or `default`) and to the media type of its
Content-Type, and checked: the body against the schema (JSON Schema 2020-12,
the $refs resolved within the document), the declared headers against
theirs, the headers the spec marks required present, and a table
(text/csv) with its Content-Disposition. Exchanges of no operation (an
unknown path, a method the path does not serve, a preflight) are counted,
not checked. Prints every mismatch and how much of the spec the tests
exercised; exits 1 on a mismatch, never for coverage.

Runs under Debian's python3 with python3-yaml and python3-jsonschema.
"""

import glob
import json
import os
import re
import sys

import jsonschema
import yaml

MAX_SHOWN = 200  # mismatches printed in full


class SpecLoader(yaml.SafeLoader):
    """YAML 1.2 core scalars: only true/false are booleans, and dates stay
    strings (as libyaml reads them in the unit tests)."""


SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:bool",
                           "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))

METHODS = ("get", "put", "post", "delete", "patch")


class Spec:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = yaml.load(f, Loader=SpecLoader)
        self.resolver = jsonschema.RefResolver("", self.doc)
        self.operations = []  # (params, regex, method, path, operation)
        for path, item in self.doc["paths"].items():
            rx = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+",
                                         re.escape(path)) + "$")
            for method in METHODS:
                if method in item:
                    self.operations.append((path.count("{"), rx,
                                            method.upper(), path,
                                            item[method]))
        # A literal segment wins over a parameter (/risk-profile/history).
        self.operations.sort(key=lambda o: o[0])

    def deref(self, node):
        while isinstance(node, dict) and "$ref" in node:
            node = self.resolver.resolve(node["$ref"])[1]
        return node

    def operation(self, method, path):
        """(path template, operation), or None when no operation serves
        it."""
        for _, rx, m, template, op in self.operations:
            if m == method and rx.match(path):
                return template, op
        return None

    def validator(self, schema):
        return jsonschema.Draft202012Validator(
            schema, resolver=self.resolver,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


# Headers whose presence is part of the contract: an answer that carries one
# its response does not declare is a mismatch too.
CONTRACT_HEADERS = ("etag", "location", "retry-after", "www-authenticate",
                    "allow", "content-disposition", "idempotent-replayed")

# Data the tests write straight into the database, which the server never
# makes: (test, operationId, where in the body, why).
FIXTURES = (
    ("test_cursors", "getImport", r"^\$\.problems\[\d+\]\.code$",
     "problems of an import inserted by the test with the code bad_value"),
)


# The media types of tables: downloads named by Content-Disposition.
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABLE_MEDIA = ("text/csv", XLSX)


def media_type(headers):
    return headers.get("content-type", "").split(";")[0].strip().lower()


def media_key(content, header):
    """The key of `content` the Content-Type `header` answers: its type,
    with the parameters the key names (text/plain; version=0.0.4)."""
    given = [p.strip().lower() for p in header.split(";")]
    for key in content:
        wanted = [p.strip().lower() for p in key.split(";")]
        if wanted[0] == given[0] and all(p in given for p in wanted[1:]):
            return key
    return None


def header_value(schema, text):
    """A header's text as its schema's type takes it."""
    if schema.get("type") == "integer" and re.match(r"^-?[0-9]+$", text):
        return int(text)
    return text


class Checker:
    def __init__(self, spec):
        self.spec = spec
        self.problems = []
        self.checked = 0
        self.unmatched = 0
        self.seen = set()  # (operationId, status key)
        self.fixtures = 0  # values of FIXTURES passed over

    def problem(self, where, message):
        self.problems.append("%s: %s" % (where, message))

    def check_headers(self, where, response, headers, media):
        declared = response.get("headers", {})
        names = {name.lower() for name in declared}
        for name in CONTRACT_HEADERS:
            if name in headers and name not in names:
                self.problem(where, "a %s header the spec does not declare" %
                             name)
        for name, header in declared.items():
            header = self.spec.deref(header)
            value = headers.get(name.lower())
            if value is None:
                if header.get("required"):
                    self.problem(where, "no %s header (required)" % name)
                elif name == "Content-Disposition" and media in TABLE_MEDIA:
                    self.problem(where, "a table without Content-Disposition")
                continue
            schema = header.get("schema", {})
            for e in self.spec.validator(schema).iter_errors(
                    header_value(self.spec.deref(schema), value)):
                self.problem(where, "header %s %r: %s" % (name, value,
                                                          e.message))

    def check_body(self, where, method, response, exchange, media):
        content = response.get("content")
        body = exchange.get("body")
        if method == "HEAD":
            return
        if not content:
            if body:
                self.problem(where, "a body where the spec declares none")
            return
        key = media_key(content, exchange.get("headers", {}).get(
            "content-type", ""))
        if key is None:
            self.problem(where, "Content-Type %r, the spec declares %s" %
                         (media or None, ", ".join(content)))
            return
        if key == XLSX:
            return  # a workbook: binary, read by tests/api/check_xlsx.py
        if key.startswith("image/") or "content-encoding" in exchange.get(
                "headers", {}):
            return  # an image, or compressed (tests/api/test_docs.c)
        if body is None:
            self.problem(where, "a body that is not UTF-8")
            return
        schema = content[key].get("schema")
        if schema is None:
            return
        if media.endswith("json"):
            try:
                instance = json.loads(body)
            except ValueError as e:
                self.problem(where, "a body that is not JSON: %s" % e)
                return
        else:
            instance = body
        errors = sorted(self.spec.validator(schema).iter_errors(instance),
                        key=lambda e: list(e.absolute_path))
        shown = 0
        for e in errors:
            at = "$" + "".join("[%d]" % p if isinstance(p, int) else ".%s" % p
                               for p in e.absolute_path)
            if self.fixture(where, at):
                continue
            if shown < 5:
                self.problem(where, "%s: %s" % (at, e.message[:300]))
            shown += 1

    def fixture(self, where, at):
        for test, operation, rx, _ in FIXTURES:
            if (where.startswith(test + ":") and "(%s)" % operation in where
                    and re.match(rx, at)):
                self.fixtures += 1
                return True
        return False

    def check(self, name, exchange):
        method, path = exchange["method"], exchange["path"].split("?")[0]
        status = exchange["status"]
        found = self.spec.operation("GET" if method == "HEAD" else method,
                                    path)
        if found is None:
            self.unmatched += 1
            return
        template, op = found
        self.checked += 1
        where = "%s: %s %s → %d (%s)" % (name, method, exchange["path"][:120],
                                         status, op["operationId"])
        responses = op.get("responses", {})
        key = str(status) if str(status) in responses else (
            "%dXX" % (status // 100) if "%dXX" % (status // 100) in responses
            else "default")
        if key not in responses:
            self.problem(where, "status %d is not declared" % status)
            return
        self.seen.add((op["operationId"], key))
        response = self.spec.deref(responses[key])
        headers = exchange.get("headers", {})
        media = media_type(headers)
        self.check_headers(where, response, headers, media)
        self.check_body(where, method, response, exchange, media)

    def coverage(self):
        declared = set()
        for _, _, _, _, op in self.spec.operations:
            for key in op.get("responses", {}):
                declared.add((op["operationId"], str(key)))
        ops = {o for o, _ in declared}
        ops_seen = {o for o, _ in self.seen}
        never = sorted(ops - ops_seen)
        print("coverage: %d of %d operations answered, %d of %d declared "
              "responses (%.0f%%)" % (
                  len(ops_seen), len(ops), len(self.seen & declared),
                  len(declared),
                  100.0 * len(self.seen & declared) / max(len(declared), 1)))
        if never:
            print("operations never answered: " + ", ".join(never))
        missed = {}
        for op, key in sorted(declared - self.seen):
            if op in ops_seen:
                missed.setdefault(op, []).append(key)
        for op, keys in sorted(missed.items()):
            print("  %s: never %s" % (op, ", ".join(keys)))


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    spec = Spec(argv[1])
    files = sorted(glob.glob(os.path.join(argv[2], "*.jsonl")))
    if not files:
        print("no exchanges in %s: run the API tests first" % argv[2])
        return 1
    checker = Checker(spec)
    for path in files:
        name = os.path.basename(path)[:-len(".jsonl")]
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                try:
                    exchange = json.loads(line)
                except ValueError:
                    checker.problem("%s:%d" % (name, number),
                                    "not a JSON line (cut short?)")
                    continue
                checker.check(name, exchange)
    print("%d answers of %d API tests checked against %s; %d of no "
          "operation; %d values of test fixtures passed over" % (
              checker.checked, len(files), argv[1], checker.unmatched,
              checker.fixtures))
    checker.coverage()
    if checker.problems:
        for p in checker.problems[:MAX_SHOWN]:
            print("MISMATCH " + p)
        if len(checker.problems) > MAX_SHOWN:
            print("... and %d more" % (len(checker.problems) - MAX_SHOWN))
        print("%d answers do not match openapi.yaml" % len(checker.problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
