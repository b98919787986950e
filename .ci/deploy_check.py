"""`sam package` + `sam deploy` against moto, without the SAM CLI (make
deploy-check runs it through .ci/deploy-check.sh; docs/deploying.md says what
it proves and what only a real AWS deploy can).

Steps (each timed):
  package    zip each function's bootstrap (built by `make build`, checked to
             be an ELF for the template's architecture), upload it to S3
             under its MD5 (as sam package does), rewrite CodeUri
  transform  AWS::Serverless-2016-10-31 -> plain CloudFormation, offline,
             with samtranslator (the translator the SAM CLI and the
             CloudFormation transform use)
  deploy     create the Secrets Manager secret, create the stack with the
             required parameters, wait for CREATE_COMPLETE
  inspect    stack resources, the DynamoDB table, each Lambda's handler,
             runtime, architecture, memory and environment against the
             template; what moto cannot show is reported as a gap
  operations the deployments' wiring (issue 25): a CodeDeploy application,
             an alias "live" and a deployment group per function, the HTTP
             API calling the aliases, the traffic shift each stage gets; on
             moto, what it creates (published versions); the rest, which
             moto's CloudFormation does not create, in the transformed
             template (what CloudFormation gets), said so in the output

It writes <out-dir>/stack.json ({"table", "region", "stack"}) for the
integration run that follows against the stack's table.

Needs: boto3, samtranslator (pip install aws-sam-translator; it also ships
with cfn-lint), PyYAML. The AWS endpoint is --endpoint (a moto server);
credentials are dummies.
"""

import argparse
import base64
import copy
import hashlib
import io
import json
import logging
import os
import re
import sys
import time
import zipfile

import boto3
import botocore.config
import botocore.exceptions
import botocore.parsers
from samtranslator.translator.managed_policy_translator import ManagedPolicyLoader
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

TIMINGS = {}


def step(name):
    def wrap(fn):
        def run(*a, **kw):
            t0 = time.monotonic()
            print(f"== {name}", flush=True)
            try:
                return fn(*a, **kw)
            finally:
                TIMINGS[name] = time.monotonic() - t0
                print(f"== {name}: {TIMINGS[name]:.2f}s", flush=True)

        return run

    return wrap


# --- package -----------------------------------------------------------------


def function_dirs(makefile_path, template):
    """LogicalId -> functions/<dir>, from the Makefile's FN_<LogicalId> lines
    (the same map sam build uses); every template function must have one."""
    text = open(makefile_path, encoding="utf-8").read()
    mapping = dict(re.findall(r"^FN_(\w+)\s*:=\s*(\S+)\s*$", text, re.M))
    fns = [k for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"]
    missing = [f for f in fns if f not in mapping]
    if missing:
        sys.exit(f"no FN_<LogicalId> in {makefile_path} for: {missing}")
    return {f: mapping[f] for f in fns}


def zip_bootstrap(path, level=1):
    """A reproducible zip with `bootstrap` at its root, mode 0755 (Lambda
    execs it; a zip entry without Unix mode bits is not executable)."""
    info = zipfile.ZipInfo("bootstrap", date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = 0o100755 << 16
    info.create_system = 3  # Unix, so external_attr's mode is honoured
    info.compress_type = zipfile.ZIP_DEFLATED
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z, open(path, "rb") as f:
        # Level 1: ~0.7s per 16 MB binary here against ~8.5s at level 9, for
        # a zip ~11% larger (6.0 vs 5.4 MB); size is irrelevant against moto.
        z.writestr(info, f.read(), compresslevel=level)
    return buf.getvalue()


# ELF e_machine for each Lambda architecture.
ELF_MACHINE = {"arm64": 183, "x86_64": 62}


def check_elf(path, architectures):
    """The bootstrap must be a 64-bit little-endian ELF executable for the
    function's architecture: moto does not run the code, and it reports
    x86_64 whatever the template says, so this is where the architecture is
    proven to match the artifact."""
    arch = (architectures or ["x86_64"])[0]
    with open(path, "rb") as f:
        head = f.read(20)
    if head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
        sys.exit(f"{path}: not a 64-bit little-endian ELF")
    machine = int.from_bytes(head[18:20], "little")
    if machine != ELF_MACHINE.get(arch):
        sys.exit(f"{path}: ELF machine {machine}, the template's architecture {arch} needs {ELF_MACHINE.get(arch)}")
    return arch


@step("package")
def package(s3, template, fn_dirs, build_dir, bucket, out_dir):
    s3.create_bucket(Bucket=bucket)
    packaged = copy.deepcopy(template)
    code_sha256 = {}
    globals_arch = template.get("Globals", {}).get("Function", {}).get("Architectures")
    for logical_id, d in fn_dirs.items():
        arch = template["Resources"][logical_id]["Properties"].get("Architectures", globals_arch)
        check_elf(os.path.join(build_dir, d, "bootstrap"), arch)
        data = zip_bootstrap(os.path.join(build_dir, d, "bootstrap"))
        key = hashlib.md5(data).hexdigest()  # sam package's key: MD5 of the artifact
        code_sha256[logical_id] = base64.b64encode(hashlib.sha256(data).digest()).decode()
        with open(os.path.join(out_dir, f"{d}.zip"), "wb") as f:
            f.write(data)
        s3.put_object(Bucket=bucket, Key=key, Body=data)
        res = packaged["Resources"][logical_id]
        res["Properties"]["CodeUri"] = f"s3://{bucket}/{key}"
        # BuildMethod is for sam build only; the service ignores Metadata,
        # but drop it so the packaged template says what was deployed.
        meta = res.get("Metadata", {})
        meta.pop("BuildMethod", None)
        if not meta:
            res.pop("Metadata", None)
        print(f"  {logical_id:28} functions/{d:18} {len(data):>9} B  s3://{bucket}/{key}")
    return packaged, code_sha256


# --- transform ---------------------------------------------------------------


class OfflinePolicyLoader(ManagedPolicyLoader):
    """samtranslator resolves an AWS managed policy *name* in Policies from
    its bundled map (internal/data/aws_managed_policies.json) and calls this
    loader (IAM ListPolicies in the real one) only for a name that is in
    neither that map nor an ARN. Offline, such a name is an error: left to
    itself samtranslator would put the bare name in ManagedPolicyArns, and
    moto ignores ManagedPolicyArns, so nothing else would catch it. The
    current template names no managed policy (only the generated
    AWSLambdaBasicExecutionRole ARN, which needs no lookup)."""

    def __init__(self):
        super().__init__(iam_client=None)

    def load(self):
        raise RuntimeError("template names an AWS managed policy not in samtranslator's bundled map")


@step("transform")
def sam_transform(packaged, params, out_dir):
    cfn = transform(copy.deepcopy(packaged), dict(params), OfflinePolicyLoader())
    with open(os.path.join(out_dir, "packaged.json"), "w") as f:
        json.dump(packaged, f, indent=2)
    with open(os.path.join(out_dir, "transformed.json"), "w") as f:
        json.dump(cfn, f, indent=2, sort_keys=True)
    types = {}
    for r in cfn["Resources"].values():
        types[r["Type"]] = types.get(r["Type"], 0) + 1
    for t, n in sorted(types.items()):
        print(f"  {n:3} {t}")
    return cfn


# --- deploy ------------------------------------------------------------------


def check_params(template, params):
    """What CloudFormation checks at CreateStack and moto 5.2 does not
    (it accepts Stage=qa and a malformed secret ARN): AllowedValues,
    AllowedPattern (a whole-string match), required parameters, unknown names."""
    errors = []
    decl = template.get("Parameters", {})
    for name in params:
        if name not in decl:
            errors.append(f"{name}: not a template parameter")
    for name, p in decl.items():
        v = params.get(name, p.get("Default"))
        if v is None:
            errors.append(f"{name}: required")
            continue
        v = str(v)  # a Default may be a YAML number; parameters are strings
        if "AllowedValues" in p and v not in [str(x) for x in p["AllowedValues"]]:
            errors.append(f"{name}={v!r}: not one of {p['AllowedValues']}")
        if "AllowedPattern" in p and not re.fullmatch(p["AllowedPattern"], v):
            errors.append(f"{name}={v!r}: does not match {p['AllowedPattern']}")
    if errors:
        sys.exit("parameters: " + "; ".join(errors))


@step("deploy")
def deploy(sm, cfn_client, cfn, stack_name, params, secret_name, timeout):
    doc = {
        "jwtSecret": os.urandom(32).hex(),
        "clientJwtSecret": os.urandom(32).hex(),
        "cursorSecret": os.urandom(32).hex(),
        # Any argon2id PHC string; the stack never reads it here.
        "adminPasswordHash": "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$"
        + "A" * 43,
    }
    arn = sm.create_secret(Name=secret_name, SecretString=json.dumps(doc))["ARN"]
    print(f"  secret {arn}")
    params = dict(params, AdminJwtSecretArn=arn)
    check_params(cfn, params)
    try:
        cfn_client.create_stack(
            StackName=stack_name,
            TemplateBody=json.dumps(cfn),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
    except (botocore.exceptions.ClientError, botocore.parsers.ResponseParserError) as e:
        # moto creates resources synchronously inside CreateStack: a bad
        # reference surfaces here (a 500 for a Ref to an unknown resource;
        # the traceback is in the moto server's log), not as CREATE_FAILED.
        sys.exit(f"CreateStack failed: {e}")
    deadline = time.monotonic() + timeout
    while True:
        st = cfn_client.describe_stacks(StackName=stack_name)["Stacks"][0]
        if not st["StackStatus"].endswith("_IN_PROGRESS"):
            break
        if time.monotonic() > deadline:
            sys.exit(f"stack still {st['StackStatus']} after {timeout}s")
        time.sleep(0.5)
    print(f"  {stack_name}: {st['StackStatus']} {st.get('StackStatusReason', '')}")
    for o in st.get("Outputs", []):
        print(f"  output {o['OutputKey']} = {o['OutputValue']}")
    if st["StackStatus"] != "CREATE_COMPLETE":
        for e in cfn_client.describe_stack_events(StackName=stack_name)["StackEvents"]:
            if "FAILED" in e["ResourceStatus"]:
                print(f"  event {e['LogicalResourceId']} {e['ResourceStatus']} {e.get('ResourceStatusReason')}")
        sys.exit(1)
    return st, arn


def for_moto(cfn):
    """The transformed template as moto 5.2 can create it: moto's
    CloudFormation has no AWS::Lambda::Alias, and a Ref to a resource it did
    not create leaves the property out (a 500, KeyError 'FunctionName', for
    the API's Lambda permissions, which are granted on the aliases). Here
    each Ref to an alias names the alias's function instead; the alias
    itself, and the permission's being on it, are checked in the
    transformed template (step operations). Returns the copy and the
    substitutions, reported as gaps."""
    res = cfn["Resources"]
    alias_fn = {k: v["Properties"]["FunctionName"] for k, v in res.items() if v["Type"] == "AWS::Lambda::Alias"}
    swapped = []

    def walk(x, where):
        if isinstance(x, dict):
            if set(x) == {"Ref"} and x["Ref"] in alias_fn:
                swapped.append(f"{where}: Ref {x['Ref']} -> {alias_fn[x['Ref']]}")
                return copy.deepcopy(alias_fn[x["Ref"]])
            return {k: walk(v, where) for k, v in x.items()}
        if isinstance(x, list):
            return [walk(v, where) for v in x]
        return x

    out = copy.deepcopy(cfn)
    out["Resources"] = {k: walk(v, k) for k, v in res.items()}
    return out, swapped


# --- inspect -----------------------------------------------------------------


# Properties moto 5.2's CloudFormation drops or misreads (checked in its
# source: awslambda LambdaFunction.create_from_cloudformation_json passes only
# Code/Handler/Role/Runtime/Description/MemorySize/Publish/Timeout/VpcConfig/
# Environment/ReservedConcurrentExecutions; dynamodb Table ignores
# PointInTimeRecoverySpecification and reads SSESpecification.Enabled where
# CloudFormation has SSEEnabled; iam Role ignores ManagedPolicyArns). A
# mismatch on one of these is reported, not failed; the value is still
# checked in the transformed template, which is what CloudFormation gets.
MOTO_GAPS = {"Architectures", "LoggingConfig", "SSE", "PITR"}


def resolve(v, values):
    """Resolve a Ref to a parameter or resource (physical id), or a literal."""
    if isinstance(v, dict) and set(v) == {"Ref"}:
        return values[v["Ref"]]
    if isinstance(v, dict) and set(v) == {"Fn::Sub"} and isinstance(v["Fn::Sub"], str):
        # The string form only: ${Name} is a parameter, a resource's
        # physical id or a pseudo parameter (AWS::StackName).
        return re.sub(r"\$\{([^}!]+)\}", lambda m: str(values[m.group(1)]), v["Fn::Sub"])
    if isinstance(v, dict) and set(v) == {"Fn::If"}:
        raise ValueError(f"unresolved {v}")
    return v


class Checker:
    def __init__(self):
        self.failures, self.gaps = [], []

    def eq(self, what, key, want, got):
        if want == got:
            return
        line = f"{what} {key}: template {want!r}, moto {got!r}"
        (self.gaps if key in MOTO_GAPS else self.failures).append(line)


@step("inspect")
def inspect(cfn_client, ddb, lam, cfn, stack_name, params, code_sha256, out_dir):
    report = {}
    got = cfn_client.describe_stack_resources(StackName=stack_name)["StackResources"]
    # moto 5.2 lists a resource of a type it cannot create (ApiGatewayV2) as
    # an entry with neither LogicalResourceId nor ResourceType.
    got_ids = {r["LogicalResourceId"] for r in got if "LogicalResourceId" in r}
    anonymous = [r for r in got if "LogicalResourceId" not in r]
    for r in sorted(got, key=lambda r: r.get("LogicalResourceId", "")):
        print(f"  {r.get('LogicalResourceId', '?'):45} {r.get('ResourceType', '?'):28} {r['ResourceStatus']:16} {r.get('PhysicalResourceId')}")
    # Resources of the template that moto did not create (unsupported types).
    skipped = {k: v["Type"] for k, v in cfn["Resources"].items() if k not in got_ids}
    for k, t in sorted(skipped.items()):
        print(f"  NOT CREATED {k:33} {t}")
    print(f"  {len(got_ids)} created, {len(skipped)} not created, {len(anonymous)} anonymous entries")
    report["resources"] = got
    report["not_created"] = skipped

    # Values a Ref resolves to: parameters (given, else template default),
    # then resources' physical ids.
    values = {k: p.get("Default") for k, p in cfn.get("Parameters", {}).items()}
    values.update(params)
    values.update({r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in got if "LogicalResourceId" in r})
    values["AWS::StackName"] = stack_name
    chk = Checker()
    is_prod = values["Stage"] == "prod"

    report["tables"] = {}
    for logical_id, res in cfn["Resources"].items():
        if res["Type"] != "AWS::DynamoDB::Table":
            continue
        want = res["Properties"]
        name = values[logical_id]
        t = ddb.describe_table(TableName=name)["Table"]
        pitr = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
        report["tables"][name] = {"table": t, "continuous_backups": pitr}
        what = f"table {logical_id}"
        chk.eq(what, "KeySchema", want["KeySchema"], t["KeySchema"])
        chk.eq(what, "AttributeDefinitions",
               sorted(want["AttributeDefinitions"], key=lambda x: x["AttributeName"]),
               sorted(t["AttributeDefinitions"], key=lambda x: x["AttributeName"]))
        chk.eq(what, "BillingMode", want.get("BillingMode", "PROVISIONED"),
               t.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED"))
        want_gsi = {g["IndexName"]: (g["KeySchema"], g["Projection"]["ProjectionType"],
                                     sorted(g["Projection"].get("NonKeyAttributes", [])))
                    for g in want.get("GlobalSecondaryIndexes", [])}
        got_gsi = {g["IndexName"]: (g["KeySchema"], g["Projection"]["ProjectionType"],
                                    sorted(g["Projection"].get("NonKeyAttributes", [])))
                   for g in t.get("GlobalSecondaryIndexes", [])}
        chk.eq(what, "GlobalSecondaryIndexes", want_gsi, got_gsi)
        # The !If [IsProd, true, false] is the one condition here; moto
        # evaluates Conditions, so its value is the check of that branch.
        chk.eq(what, "DeletionProtectionEnabled", is_prod, t.get("DeletionProtectionEnabled", False))
        chk.eq(what, "SSE", want.get("SSESpecification", {}).get("SSEEnabled", False),
               t.get("SSEDescription", {}).get("Status") == "ENABLED")
        chk.eq(what, "PITR", want.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled", False),
               pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED")
        chk.eq(what, "DeletionPolicy", "Retain", res.get("DeletionPolicy"))  # template-only
        chk.eq(what, "UpdateReplacePolicy", "Retain", res.get("UpdateReplacePolicy"))  # template-only
        for g in t.get("GlobalSecondaryIndexes", []):
            p = g["Projection"]
            print(f"  table {name} gsi {g['IndexName']}: {[(k['AttributeName'], k['KeyType']) for k in g['KeySchema']]}"
                  f" {p['ProjectionType']} {sorted(p.get('NonKeyAttributes', []))}")

    report["functions"] = {}
    for logical_id, res in sorted(cfn["Resources"].items()):
        if res["Type"] != "AWS::Lambda::Function":
            continue
        want = res["Properties"]
        name = values[logical_id]
        c = lam.get_function_configuration(FunctionName=name)
        report["functions"][name] = c
        what = f"function {logical_id}"
        # The deployed code is the artifact package() uploaded.
        chk.eq(what, "CodeSha256", code_sha256[logical_id], c["CodeSha256"])
        for key in ("Handler", "Runtime", "MemorySize", "Timeout"):
            chk.eq(what, key, want.get(key), c.get(key))
        chk.eq(what, "Architectures", want.get("Architectures", ["x86_64"]), c.get("Architectures"))
        chk.eq(what, "LoggingConfig", want.get("LoggingConfig", {}).get("LogFormat", "Text"),
               c.get("LoggingConfig", {}).get("LogFormat", "Text"))
        want_env = {k: resolve(v, values) for k, v in want.get("Environment", {}).get("Variables", {}).items()}
        chk.eq(what, "Environment", want_env, c.get("Environment", {}).get("Variables", {}))
        chk.eq(what, "Role", values[want["Role"]["Fn::GetAtt"][0]], c["Role"].rsplit("/", 1)[-1])
        print(f"  fn {logical_id}: {c['Runtime']} {c['Handler']} {c.get('Architectures')} {c['MemorySize']}MB"
              f" {c['Timeout']}s {c['CodeSize']}B env TABLE_NAME={c['Environment']['Variables'].get('TABLE_NAME')}")

    for g in chk.gaps:
        print(f"  MOTO GAP {g}")
    for f in chk.failures:
        print(f"  FAIL {f}")
    report["moto_gaps"], report["failures"] = chk.gaps, chk.failures
    report["values"] = values
    with open(os.path.join(out_dir, "inspect.json"), "w") as f:
        json.dump(report, f, indent=2, default=str)
    if chk.failures:
        sys.exit(f"{len(chk.failures)} mismatches between the template and the deployed stack")
    return report


# --- operations --------------------------------------------------------------


def condition(cfn, name, params):
    """Evaluate one of the transformed template's Conditions for params (a
    parameter absent from params takes its Default): Fn::Equals, Fn::Not,
    Fn::And, Fn::Or, Condition, Ref to a parameter."""
    defaults = {k: p.get("Default") for k, p in cfn.get("Parameters", {}).items()}
    values = dict(defaults, **params)

    def ev(x):
        if isinstance(x, dict) and len(x) == 1:
            (op, arg), = x.items()
            if op == "Ref":
                return str(values[arg])
            if op == "Fn::Equals":
                return ev(arg[0]) == ev(arg[1])
            if op == "Fn::Not":
                return not ev(arg[0])
            if op == "Fn::And":
                return all(ev(a) for a in arg)
            if op == "Fn::Or":
                return any(ev(a) for a in arg)
            if op == "Condition":
                return ev(cfn["Conditions"][arg])
            raise ValueError(f"condition {name}: cannot evaluate {op}")
        return str(x)

    return ev(cfn["Conditions"][name])


def choose(cfn, v, params):
    """v with every Fn::If resolved for params; Fn::Sub's string form with
    parameters substituted."""
    if isinstance(v, dict) and set(v) == {"Fn::If"}:
        cond, yes, no = v["Fn::If"]
        return choose(cfn, yes if condition(cfn, cond, params) else no, params)
    if isinstance(v, dict) and set(v) == {"Fn::Sub"} and isinstance(v["Fn::Sub"], str):
        defaults = {k: p.get("Default") for k, p in cfn.get("Parameters", {}).items()}
        values = dict(defaults, **params)
        return re.sub(r"\$\{([^}!.]+)\}", lambda m: str(values.get(m.group(1), m.group(0))), v["Fn::Sub"])
    if isinstance(v, list):
        return [choose(cfn, x, params) for x in v]
    return v


def ref(v):
    """The logical id a {"Ref": id} or {"Fn::GetAtt": [id, …]} names, else None."""
    if isinstance(v, dict) and set(v) == {"Ref"}:
        return v["Ref"]
    if isinstance(v, dict) and set(v) == {"Fn::GetAtt"}:
        a = v["Fn::GetAtt"]
        return a[0] if isinstance(a, list) else a.split(".", 1)[0]
    return None


def watches(alarm, namespace, metric, dims):
    """Whether alarm reads metric of namespace with (at least) dims, whose
    values are logical ids its Refs name; alone or in its metric math."""
    p = alarm["Properties"]
    stats = [p] if "MetricName" in p else [m["MetricStat"]["Metric"] for m in p.get("Metrics", []) if "MetricStat" in m]
    for s in stats:
        got = {d["Name"]: ref(d["Value"]) or d["Value"] for d in s.get("Dimensions", [])}
        if s.get("Namespace") == namespace and s.get("MetricName") == metric and all(got.get(k) == v for k, v in dims.items()):
            return True
    return False


# What each stage's deploy shifts with when DeploymentType is not given,
# and explicit choices (template.yaml, Parameters.DeploymentType). The
# transform substitutes the parameter into the type (CloudFormation runs it
# with the stack's parameter values), so each case is transformed anew.
SHIFTS = [
    ({"Stage": "dev"}, "CodeDeployDefault.LambdaAllAtOnce"),
    ({"Stage": "prod"}, "CodeDeployDefault.LambdaCanary10Percent5Minutes"),
    ({"Stage": "prod", "DeploymentType": "Linear10PercentEvery1Minute"}, "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"),
    ({"Stage": "dev", "DeploymentType": "Canary10Percent10Minutes"}, "CodeDeployDefault.LambdaCanary10Percent10Minutes"),
]


@step("operations")
def operations(lam, sns, cw, cfn, packaged, values, out_dir):
    res = cfn["Resources"]
    by_type = lambda t: {k: v for k, v in res.items() if v["Type"] == t}
    functions = by_type("AWS::Lambda::Function")
    aliases = by_type("AWS::Lambda::Alias")
    groups = by_type("AWS::CodeDeploy::DeploymentGroup")
    apps = by_type("AWS::CodeDeploy::Application")
    versions = by_type("AWS::Lambda::Version")
    alarms = by_type("AWS::CloudWatch::Alarm")
    topics = by_type("AWS::SNS::Topic")
    failures = []
    fail = failures.append
    if len(apps) != 1:
        fail(f"{len(apps)} CodeDeploy applications, want 1")
    app = next(iter(apps), None)

    # The extra transforms repeat samtranslator's warnings of the first.
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    shift_cfn = [(params, want, transform(copy.deepcopy(packaged), dict(params), OfflinePolicyLoader()))
                 for params, want in SHIFTS]
    alias_of = {}
    for fn in sorted(functions):
        live = [a for a, r in aliases.items() if ref(r["Properties"]["FunctionName"]) == fn and r["Properties"]["Name"] == "live"]
        if len(live) != 1:
            fail(f"function {fn}: {len(live)} aliases named live, want 1")
            continue
        a = live[0]
        alias_of[fn] = a
        p = aliases[a]["Properties"]
        v = ref(p["FunctionVersion"])
        if v not in versions or ref(versions[v]["Properties"]["FunctionName"]) != fn:
            fail(f"alias {a}: FunctionVersion {p['FunctionVersion']} is no AWS::Lambda::Version of {fn}")
        upd = aliases[a].get("UpdatePolicy", {}).get("CodeDeployLambdaAliasUpdate", {})
        g = ref(upd.get("DeploymentGroupName"))
        if ref(upd.get("ApplicationName")) != app or g not in groups:
            fail(f"alias {a}: UpdatePolicy {upd} names no deployment group of application {app}")
            continue
        gp = groups[g]["Properties"]
        if ref(gp["ApplicationName"]) != app:
            fail(f"deployment group {g}: application {gp['ApplicationName']}, want {app}")
        rollback = gp.get("AutoRollbackConfiguration", {})
        if not rollback.get("Enabled") or "DEPLOYMENT_STOP_ON_ALARM" not in rollback.get("Events", []):
            fail(f"deployment group {g}: no rollback on alarm ({rollback})")
        shifts = []
        for params, want, c in shift_cfn:
            got = choose(c, c["Resources"][g]["Properties"]["DeploymentConfigName"], params)
            shifts.append(got.removeprefix("CodeDeployDefault.Lambda"))
            if got != want:
                fail(f"deployment group {g} with {params}: {got}, want {want}")
        # A bad version rolls back on the function's own alarms: its failed
        # invocations (AWS/Lambda Errors of this function) among them.
        rollback = [ref(x["Name"]) for x in gp.get("AlarmConfiguration", {}).get("Alarms", [])]
        own = [x for x in rollback if x in alarms and watches(alarms[x], "AWS/Lambda", "Errors", {"FunctionName": fn})]
        if not gp.get("AlarmConfiguration", {}).get("Enabled") or not own:
            fail(f"deployment group {g}: alarms {rollback} include no Errors alarm of {fn}")
        print(f"  {fn:28} alias {a:34} group {g:40} shifts {'/'.join(shifts)}; rolls back on {', '.join(rollback)}")
    if len(groups) != len(functions):
        fail(f"{len(groups)} deployment groups for {len(functions)} functions")

    # The HTTP API calls the aliases: every integration's URI names an
    # alias resource, and every API permission is granted on an alias.
    routes = 0
    for api_id, api in by_type("AWS::ApiGatewayV2::Api").items():
        for path, methods in api["Properties"].get("Body", {}).get("paths", {}).items():
            for method, op in methods.items():
                uri = op.get("x-amazon-apigateway-integration", {}).get("uri", {})
                named = re.findall(r"\$\{(\w+)\}", uri.get("Fn::Sub", "") if isinstance(uri, dict) else "")
                routes += 1
                if not any(n in aliases for n in named):
                    fail(f"{api_id} {method.upper()} {path}: integration {uri} calls no alias")
    for pid, p in by_type("AWS::Lambda::Permission").items():
        if p["Properties"].get("Principal") == "apigateway.amazonaws.com" and ref(p["Properties"]["FunctionName"]) not in aliases:
            fail(f"permission {pid}: granted on {p['Properties']['FunctionName']}, not an alias")
    print(f"  {routes} HTTP API routes call an alias")

    # Every alarm says what it means and notifies the one topic, firing and
    # clearing; the e-mail subscription exists only when an address is
    # given.
    if len(topics) != 1:
        fail(f"{len(topics)} SNS topics, want 1 (every alarm to one topic)")
    topic = next(iter(topics), None)
    for aid, al in sorted(alarms.items()):
        p = al["Properties"]
        if not p.get("AlarmDescription"):
            fail(f"alarm {aid}: no AlarmDescription")
        for key in ("AlarmActions", "OKActions"):
            if [ref(x) for x in p.get(key, [])] != [topic]:
                fail(f"alarm {aid}: {key} {p.get(key)}, want [Ref {topic}]")
    subs = by_type("AWS::SNS::Subscription")
    for sid, sub in subs.items():
        c = sub.get("Condition")
        with_email = {"AlarmEmail": "oncall@example.com"}
        if ref(sub["Properties"]["TopicArn"]) != topic or not c or condition(cfn, c, {}) or not condition(cfn, c, with_email):
            fail(f"subscription {sid}: topic {sub['Properties']['TopicArn']}, condition {c}: want {topic}, only with AlarmEmail set")
    print(f"  {len(alarms)} alarms, each described, to topic {topic} (firing and clearing); {len(subs)} e-mail subscription, only with AlarmEmail")

    # The dashboard, as moto stores it: named after the stack, its body the
    # !Sub's JSON with every ${...} resolved (no function name, table or
    # API id left as a placeholder) and at least one widget.
    for did, d in sorted(by_type("AWS::CloudWatch::Dashboard").items()):
        name = values.get(did)
        try:
            body = cw.get_dashboard(DashboardName=name)["DashboardBody"]
            widgets = json.loads(body)["widgets"]
        except Exception as e:  # noqa: BLE001 - any failure is the finding
            fail(f"dashboard {did}: {name!r} not readable on moto: {e}")
            continue
        left = sorted(set(re.findall(r"\$\{([^}]*)\}", body)))
        # A resource moto did not create (the HTTP API) stays a placeholder
        # there, as in the stack's ApiUrl output: a gap, not a finding.
        uncreated = [x for x in left if x in res and values.get(x) is None]
        left = [x for x in left if x not in uncreated]
        if uncreated:
            print(f"  MOTO GAP dashboard {did}: {uncreated} not created by moto, left unresolved in the body")
        if left or not widgets:
            fail(f"dashboard {did}: {len(widgets)} widgets, unresolved on moto: {left}")
        print(f"  dashboard {name}: {len(widgets)} widgets on moto")
    if not by_type("AWS::CloudWatch::Dashboard"):
        fail("no AWS::CloudWatch::Dashboard")

    # Tracing: off by default (no TracingConfig, no X-Ray policy); Active
    # sets it on every function and SAM adds the X-Ray write policy to each
    # role (the transform substitutes the parameter, so a transform of its own).
    traced = transform(copy.deepcopy(packaged), {"Stage": "dev", "Tracing": "Active"}, OfflinePolicyLoader())
    for fn in sorted(functions):
        if "TracingConfig" in res[fn]["Properties"]:
            fail(f"function {fn}: TracingConfig with the default Tracing")
        tp = traced["Resources"][fn]["Properties"]
        role = traced["Resources"].get(ref(tp["Role"]), {}).get("Properties", {})
        mode = tp.get("TracingConfig", {}).get("Mode")
        if mode == {"Ref": "Tracing"}:  # left for CloudFormation to resolve
            mode = "Active"
        if mode != "Active" or not any("XRay" in str(a) or "Xray" in str(a) for a in role.get("ManagedPolicyArns", [])):
            fail(f"function {fn} with Tracing=Active: TracingConfig {tp.get('TracingConfig')}, role policies {role.get('ManagedPolicyArns')}")
    print(f"  tracing: off by default; Active traces {len(functions)} functions, each role with the X-Ray write policy")

    # On moto: each function's version is published (moto creates
    # AWS::Lambda::Version); it does not create aliases or CodeDeploy
    # resources, so those were checked above in the transformed template.
    gaps = []
    for fn in sorted(functions):
        got = [v["Version"] for v in lam.list_versions_by_function(FunctionName=values[fn])["Versions"]]
        if not [v for v in got if v != "$LATEST"]:
            fail(f"function {fn}: no published version on moto ({got})")
    if topic and values.get(topic) not in [t["TopicArn"] for t in sns.list_topics()["Topics"]]:
        fail(f"topic {topic}: {values.get(topic)} is not a topic on moto")
    for t in ("AWS::Lambda::Alias", "AWS::CodeDeploy::Application", "AWS::CodeDeploy::DeploymentGroup", "AWS::CloudWatch::Alarm"):
        n = len(by_type(t))
        if n:
            gaps.append(f"{n} {t} not created by moto's CloudFormation: checked in the transformed template")
    for g in gaps:
        print(f"  MOTO GAP {g}")
    with open(os.path.join(out_dir, "operations.json"), "w") as f:
        json.dump({"failures": failures, "gaps": gaps, "aliases": alias_of}, f, indent=2)
    for f in failures:
        print(f"  FAIL {f}")
    if failures:
        sys.exit(f"{len(failures)} operations checks failed")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--repo", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--stage", default="dev")
    ap.add_argument("--stack-name", default=None)
    ap.add_argument("--bucket", default="deploy-check-artifacts")
    ap.add_argument("--secret-name", default=None, help="default: outbound-caller/<stage>/admin-api (README)")
    ap.add_argument("--template", default=None, help="default: <repo>/template.yaml")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--param", action="append", default=[], help="Name=Value parameter override")
    a = ap.parse_args()

    # samtranslator reads the region (AWS::Region, partition) from boto3's
    # default session; boto3 clients need credentials even for moto.
    os.environ["AWS_DEFAULT_REGION"] = a.region
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.makedirs(a.out_dir, exist_ok=True)
    stack_name = a.stack_name or f"outbound-caller-admin-api-{a.stage}"

    cfg = botocore.config.Config(retries={"max_attempts": 3, "mode": "standard"})
    client = lambda svc, c=cfg: boto3.client(svc, endpoint_url=a.endpoint, region_name=a.region, config=c)
    s3, sm, ddb, lam = (client(s) for s in ("s3", "secretsmanager", "dynamodb", "lambda"))
    # No retries for CloudFormation: moto answers some template errors with
    # an HTTP 500 or a JSON body botocore cannot parse, which botocore deems
    # retryable, and a retried CreateStack re-creates resources moto left
    # behind from the failed attempt (it does not roll back).
    cf = client("cloudformation", botocore.config.Config(retries={"max_attempts": 1}))

    with open(a.template or os.path.join(a.repo, "template.yaml"), encoding="utf-8") as f:
        template = yaml_parse(f.read())
    fn_dirs = function_dirs(os.path.join(a.repo, "Makefile"), template)

    params = {"Stage": a.stage}
    params.update(p.split("=", 1) for p in a.param)
    # CloudFormation runs the transform with the stack's parameter values;
    # samtranslator resolves only what it must (StageName, CodeUri) and
    # leaves every other !Ref for CloudFormation, so the secret ARN (not
    # known until the deploy step creates the secret) is not needed here.
    tparams = dict(params)

    packaged, code_sha256 = package(s3, template, fn_dirs, a.build_dir, a.bucket, a.out_dir)
    cfn = sam_transform(packaged, tparams, a.out_dir)
    moto_cfn, swapped = for_moto(cfn)
    for line in swapped:
        print(f"  MOTO GAP {line}")
    _, secret_arn = deploy(sm, cf, moto_cfn, stack_name, params, a.secret_name or f"outbound-caller/{a.stage}/admin-api", a.timeout)
    report = inspect(cf, ddb, lam, cfn, stack_name, dict(params, AdminJwtSecretArn=secret_arn), code_sha256, a.out_dir)
    operations(lam, client("sns"), client("cloudwatch"), cfn, packaged, report["values"], a.out_dir)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in cf.describe_stacks(StackName=stack_name)["Stacks"][0].get("Outputs", [])}
    if "TableName" not in outputs or outputs["TableName"] not in report["tables"]:
        sys.exit(f"the stack's TableName output {outputs.get('TableName')!r} is not the table it created ({list(report['tables'])})")
    with open(os.path.join(a.out_dir, "stack.json"), "w") as f:
        json.dump({"table": outputs["TableName"], "region": a.region, "stack": stack_name}, f)
    print(f"  not provable on moto ({len(report['moto_gaps'])}): see docs/deploying.md")
    print("timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in TIMINGS.items()))


if __name__ == "__main__":
    main()
