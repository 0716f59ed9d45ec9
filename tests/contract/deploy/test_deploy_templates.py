"""template.yaml (SAM) and serverless.yml (SCF) against their validators and against the code they deploy.

The AWS tools live in their own virtualenv (.venv-deploy, see deploy/README.md); without it these tests fail
and say how to install it. Both files are parsed there too (cfn-lint's decoder understands !Ref & co.)."""

import ast
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from deploy.bucket import BUCKET_PATTERN, REGIONS

ROOT = Path(__file__).resolve().parents[3]
DEPLOY_BIN = ROOT / ".venv-deploy" / "bin"
INSTALL = "python3 -m venv .venv-deploy && .venv-deploy/bin/pip install aws-sam-cli==1.170.0"
SECRETS = {
    "TENCENTCLOUD_SECRETID",
    "TENCENTCLOUD_SECRETKEY",
    "TENCENTCLOUD_SESSIONTOKEN",
    "RELAY_APP_TOKEN",
    "RELAY_WEBHOOK_SECRET",
}
ENV_REFERENCE = re.compile(r"\$\{env:(\w+)\}")
TENCENT_SECRET_ID = re.compile(r"AKID[0-9A-Za-z]{10,}")

DOCUMENTS = {
    "template": "template.yaml",
    "serverless": "serverless.yml",
    "layer": "deploy/scf-layer/serverless.yml",
}
DECODE = """
import json, sys, yaml
from cfnlint.decode import decode
template, errors = decode(sys.argv[1])
assert not errors, errors
documents = {"template": template}
for name, path in zip(("serverless", "layer"), sys.argv[2:]):
    documents[name] = yaml.safe_load(open(path))
print(json.dumps(documents))
"""


def deploy_tool(name: str) -> Path:
    tool = DEPLOY_BIN / name
    if not tool.exists():
        pytest.fail(f"{tool} is missing; install the deployment tools with: {INSTALL}")
    return tool


def run_tool(*command: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - tools from .venv-deploy, fixed arguments
        [str(part) for part in command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
    )


@pytest.fixture(scope="module")
def documents() -> dict[str, Any]:
    result = run_tool(deploy_tool("python"), "-c", DECODE, *DOCUMENTS.values())
    assert result.returncode == 0, result.stderr
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


@pytest.fixture(scope="module")
def sam_functions(documents) -> dict[str, dict[str, Any]]:
    """template.yaml functions by job (the folder their CodeUri names)."""
    resources = documents["template"]["Resources"]
    functions = {}
    for resource in resources.values():
        if resource["Type"] == "AWS::Serverless::Function":
            properties = resource["Properties"]
            functions[Path(properties["CodeUri"]).name] = properties
    return functions


@pytest.fixture(scope="module")
def scf_inputs(documents) -> dict[str, Any]:
    inputs: dict[str, Any] = documents["serverless"]["inputs"]
    return inputs


def binds_handler(app: Path, name: str) -> bool:
    """Whether the module binds `name` at top level (def, assignment or import), read without importing it."""
    for node in ast.parse(app.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return True
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            return True
        if isinstance(node, ast.ImportFrom) and any(
            (alias.asname or alias.name) == name for alias in node.names
        ):
            return True
    return False


def assert_handler_resolves(code_dir: Path, handler: str) -> None:
    module, _, function = handler.rpartition(".")
    app = code_dir / f"{module.replace('.', '/')}.py"
    assert app.is_file(), f"{handler} needs {app.relative_to(ROOT)}"
    assert binds_handler(app, function), f"{app.relative_to(ROOT)} defines no top-level {function!r}"


def read_env_file(path: Path) -> dict[str, str]:
    pairs = (
        line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#")
    )
    return {key.strip(): value.strip() for key, value in pairs}


def http_jobs(sam_functions) -> set[str]:
    return {
        job
        for job, properties in sam_functions.items()
        if "FunctionUrlConfig" in properties
        or any(event["Type"] == "HttpApi" for event in properties.get("Events", {}).values())
    }


# --- template.yaml ---------------------------------------------------------------------------------


def test_cfn_lint_accepts_the_template():
    result = run_tool(deploy_tool("cfn-lint"), "template.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_validate_lint_accepts_the_template():
    result = run_tool(deploy_tool("sam"), "validate", "--lint", "--template", "template.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_sam_function_handler_resolves_to_a_handler_callable(documents, sam_functions):
    default_handler = documents["template"]["Globals"]["Function"]["Handler"]
    assert sam_functions
    for properties in sam_functions.values():
        assert_handler_resolves(ROOT / properties["CodeUri"], properties.get("Handler", default_handler))


def test_sam_deploys_exactly_the_function_folders(sam_functions):
    folders = {app.parent.name for app in (ROOT / "functions").glob("*/app.py")}
    assert set(sam_functions) == folders


def test_every_function_has_sample_events(sam_functions):
    for job in sam_functions:
        assert list((ROOT / "events").glob(f"{job}.*.json")), f"no events/{job}.*.json"


def test_sam_runtime_matches_the_layer(documents):
    template = documents["template"]
    layers = [r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::LayerVersion"]
    assert template["Globals"]["Function"]["Runtime"] == "python3.13"
    assert [layer["Properties"]["CompatibleRuntimes"] for layer in layers] == [["python3.13"]]
    assert [layer["Properties"]["ContentUri"] for layer in layers] == [".build/lambda/layer"]


def test_sam_snapstart_is_a_parameter_on_published_versions(documents, sam_functions):
    """SnapStart applies to published versions only: every function publishes one behind an alias."""
    template = documents["template"]
    function_globals = template["Globals"]["Function"]
    assert template["Parameters"]["SnapStart"]["AllowedValues"] == ["None", "PublishedVersions"]
    assert template["Parameters"]["SnapStart"]["Default"] == "None"
    assert function_globals["SnapStart"] == {"ApplyOn": {"Ref": "SnapStart"}}
    assert function_globals["AutoPublishAlias"] == "live"
    assert not [job for job, properties in sam_functions.items() if "AutoPublishAlias" in properties]


def test_sam_every_function_has_a_concurrency_ceiling(documents, sam_functions):
    """Each function's reserved concurrency is a parameter; the public callback has its own."""
    template = documents["template"]
    shared = template["Globals"]["Function"]["ReservedConcurrentExecutions"]
    assert shared == {
        "Fn::If": ["HasFunctionConcurrency", {"Ref": "FunctionConcurrency"}, {"Ref": "AWS::NoValue"}]
    }
    callback = sam_functions["redirect_callback"]["ReservedConcurrentExecutions"]
    assert callback == {
        "Fn::If": ["HasCallbackConcurrency", {"Ref": "CallbackConcurrency"}, {"Ref": "AWS::NoValue"}]
    }
    for name in ("FunctionConcurrency", "CallbackConcurrency"):
        assert template["Parameters"][name]["Default"] > 0, f"{name}: on by default"


def test_sam_functions_invoked_asynchronously_keep_their_failures(documents, sam_functions):
    """Lambda retries an asynchronous invocation twice, then drops it unless a dead-letter target exists;
    HTTP functions are invoked synchronously and answer their caller instead (deploy/checkov.yaml)."""
    resources = documents["template"]["Resources"]
    asynchronous = set(sam_functions) - http_jobs(sam_functions)
    assert asynchronous == {"hash_on_upload", "lifecycle_sweeper"}
    # A failed sweep leaves its work in the bucket (undelivered and open entries stay) and the next one runs a
    # minute later: a retried stale tick would only overlap it.
    sweeper = sam_functions["lifecycle_sweeper"]
    assert sweeper["Events"]["EveryMinute"] == {
        "Type": "Schedule",
        "Properties": {"Schedule": "rate(1 minute)"},
    }
    assert sweeper["EventInvokeConfig"] == {"MaximumRetryAttempts": 0}
    for job in asynchronous - {"lifecycle_sweeper"}:
        target = sam_functions[job]["DeadLetterQueue"]
        assert target["Type"] == "SQS"
        queue = resources[target["TargetArn"]["Fn::GetAtt"][0]]
        assert queue["Type"] == "AWS::SQS::Queue"
        assert queue["Properties"]["SqsManagedSseEnabled"] is True


def test_sam_api_access_log_names_routes_not_paths(documents):
    """Paths carry BizTokens (/verifications/{bizToken}); the route key does not."""
    resources = documents["template"]["Resources"]
    settings = resources["RelayApi"]["Properties"]["AccessLogSettings"]
    log_group = resources[settings["DestinationArn"]["Fn::GetAtt"][0]]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    fields = json.loads(settings["Format"])
    assert fields["requestId"] == "$context.requestId"
    assert fields["routeKey"] == "$context.routeKey"
    assert not [
        value for value in fields.values() if "$context.path" in value or "querystring" in value.lower()
    ]


def test_sam_secrets_are_dynamic_references_only(documents):
    template = documents["template"]
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    for name in SECRETS & set(variables):
        assert "{{resolve:secretsmanager:" in json.dumps(variables[name]), name
    for name, parameter in template["Parameters"].items():
        assert not parameter.get("NoEcho") or "Default" not in parameter, (
            f"{name}: NoEcho secret with a default"
        )


def test_sam_grants_no_managed_full_access(documents):
    policies = json.dumps(
        [r["Properties"].get("Policies") for r in documents["template"]["Resources"].values()]
    )
    assert "FullAccess" not in policies


def test_sam_regions_are_the_deployment_regions(documents):
    assert set(documents["template"]["Parameters"]["FaceIdRegion"]["AllowedValues"]) == set(REGIONS)


# --- serverless.yml --------------------------------------------------------------------------------


def test_scf_functions_are_the_sam_functions_and_resolve(scf_inputs, sam_functions):
    functions = scf_inputs["functions"]
    assert set(functions) == set(sam_functions)
    for job, function in functions.items():
        code_dir = ROOT / function["src"]
        assert code_dir == ROOT / "functions" / job
        assert_handler_resolves(code_dir, function["handler"])


def test_scf_runtime_and_layer(scf_inputs):
    """The runtime is a deployment setting (SCF_RUNTIME in the region files, test_scf_component.py)."""
    assert scf_inputs["runtime"] == "${env:SCF_RUNTIME}"
    assert [layer["name"] for layer in scf_inputs["layers"]] == ["faceid-relay"]


def test_scf_cos_trigger_watches_only_uploads(scf_inputs, sam_functions):
    cos = [trigger for trigger in scf_inputs["triggers"] if trigger["type"] == "cos"]
    assert [trigger["function"] for trigger in cos] == ["hash_on_upload"]
    for trigger in cos:
        parameters = trigger["parameters"]
        assert parameters["filter"] == {"prefix": "uploads/"}
        assert parameters["events"] == "cos:ObjectCreated:*"
        assert parameters["bucket"] == "${env:RELAY_BUCKET}.cos.${env:REGION}.myqcloud.com"
        assert parameters["enable"] is True


def test_scf_http_functions_have_function_urls(scf_inputs, sam_functions):
    urls = [trigger for trigger in scf_inputs["triggers"] if trigger["type"] == "http"]
    assert sorted(trigger["function"] for trigger in urls) == sorted(http_jobs(sam_functions))
    for trigger in urls:
        assert trigger["parameters"]["netConfig"]["enableExtranet"] is True


def test_scf_file_holds_no_credentials(scf_inputs):
    text = (ROOT / "serverless.yml").read_text()
    assert not TENCENT_SECRET_ID.search(text)
    variables = {variable["key"]: variable["value"] for variable in scf_inputs["environments"]}
    assert not {name for name in variables if name.startswith("TENCENTCLOUD_")}, (
        "SCF injects them from the role"
    )
    for name in SECRETS & set(variables):
        assert ENV_REFERENCE.fullmatch(variables[name]), f"{name} must come from the deployer's environment"


@pytest.mark.parametrize("region", REGIONS)
def test_every_region_has_its_parameters_and_bucket(documents, region):
    values = read_env_file(ROOT / "deploy" / "regions" / f"{region}.env")
    needed = set(ENV_REFERENCE.findall(json.dumps([documents["serverless"], documents["layer"]]))) - SECRETS
    assert needed <= set(values), f"missing {sorted(needed - set(values))}"
    assert not SECRETS & set(values), "secrets stay out of the region files"
    assert not TENCENT_SECRET_ID.search(json.dumps(values))
    assert values["REGION"] == region
    bucket = values["RELAY_BUCKET"]
    assert BUCKET_PATTERN.fullmatch(bucket)
    assert bucket.endswith(f"-{values['RELAY_APPID']}")
    assert len(f"{bucket}.cos.{region}.myqcloud.com") <= 60, "COS limits the bucket domain to 60 characters"


def test_scf_layer_instance_feeds_the_functions(documents, scf_inputs):
    layer = documents["layer"]
    version = scf_inputs["layers"][0]["version"]
    assert version == f"${{output:${{stage}}:${{app}}:{layer['name']}.version}}"
    assert layer["inputs"]["src"] == "../../.build/scf/layer/python"
    assert layer["inputs"]["runtimes"] == [scf_inputs["runtime"]]
