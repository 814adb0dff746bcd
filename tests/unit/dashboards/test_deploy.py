"""docker-compose.yml against the Compose Specification schema, and the deployment rules it must keep."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import yaml

from ripple import topics

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = ROOT / "docker-compose.yml"
SCHEMA = Path(__file__).with_name("compose-spec.json")
ENV_EXAMPLE = ROOT / "deploy/ripple.env.example"
SECRET = re.compile(r"PASSWORD|SECRET|TOKEN|CLUSTER_ID")


def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def test_compose_file_is_valid_against_the_compose_spec() -> None:
    schema = orjson.loads(SCHEMA.read_bytes())
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    errors = sorted(validator_cls(schema).iter_errors(compose()), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_compose_schema_rejects_a_broken_file() -> None:
    """The vendored schema really validates (a typo'd key is caught)."""
    schema = orjson.loads(SCHEMA.read_bytes())
    bad = compose()
    bad["services"]["worker"]["comand"] = ["worker"]
    assert list(jsonschema.validators.validator_for(schema)(schema).iter_errors(bad))


def test_required_services_and_healthchecks() -> None:
    services = compose()["services"]
    for name in ("kafka", "kafka-init", "clickhouse", "migrate", "gateway", "worker", "sink", "simulator",
                 "prometheus", "alertmanager", "grafana"):
        assert name in services, name
    for name in ("kafka", "clickhouse", "gateway", "worker", "sink", "prometheus", "alertmanager", "grafana"):
        assert "healthcheck" in services[name], name
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft
    assert services["migrate"]["command"] == ["schema", "migrate"]
    assert "grafana-clickhouse-datasource" in services["grafana"]["environment"]["GF_INSTALL_PLUGINS"]
    assert services["sink"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_topic_init_creates_every_ripple_topic() -> None:
    script = compose()["services"]["kafka-init"]["command"][0]
    for topic in topics.ALL:
        assert topic in script, topic


def test_workers_and_sinks_scale_as_replicas() -> None:
    services = compose()["services"]
    for name in ("worker", "sink"):
        assert "container_name" not in services[name], name
        assert "ports" not in services[name], name


def test_no_secret_is_committed() -> None:
    data = compose()
    example_keys = {line.split("=", 1)[0] for line in ENV_EXAMPLE.read_text().splitlines()
                    if line and not line.startswith("#")}
    for name, svc in data["services"].items():
        env = svc.get("environment") or {}
        for key, value in env.items():
            if SECRET.search(key):
                m = re.fullmatch(r"\$\{(\w+):\?[^}]*\}", str(value))
                assert m, f"{name}.{key} must be ${{VAR:?...}} from .env, not {value!r}"
                assert m.group(1) in example_keys, f"{m.group(1)} missing from {ENV_EXAMPLE.name}"
    for line in ENV_EXAMPLE.read_text().splitlines():
        if SECRET.search(line.split("=", 1)[0]) and "=" in line and not line.startswith("#"):
            assert line.split("=", 1)[1] == "", f"example env must not carry a secret: {line}"


def test_every_required_variable_is_in_the_env_example() -> None:
    example_keys = {line.split("=", 1)[0] for line in ENV_EXAMPLE.read_text().splitlines()
                    if line and not line.startswith("#")}
    text = "\n".join(line for line in COMPOSE.read_text().splitlines() if not line.lstrip().startswith("#"))
    required = set(re.findall(r"\$\{(\w+):\?", text))
    assert required and required <= example_keys, required - example_keys


def test_mounted_paths_exist() -> None:
    # dashboards/prometheus and dashboards/alertmanager belong to the spikes stage (merged separately).
    for svc in compose()["services"].values():
        for vol in svc.get("volumes", []):
            src = str(vol).split(":")[0]
            if src.startswith("./") and not src.startswith(("./dashboards/prometheus", "./dashboards/alertmanager")):
                assert (ROOT / src).exists(), src
    assert (ROOT / "deploy/Dockerfile").is_file()


def test_clickhouse_users_are_least_privilege() -> None:
    tree = ET.parse(ROOT / "deploy/clickhouse/users.d/ripple.xml")
    users = tree.getroot().find("users")
    assert users is not None
    profiles = tree.getroot().find("profiles")
    assert profiles is not None
    grafana, writer = users.find("grafana"), users.find("ripple_writer")
    assert grafana is not None and writer is not None
    for user in (grafana, writer):
        pw = user.find("password")
        assert pw is not None and pw.get("from_env") and not (pw.text or "").strip(), "password from env only"
    grafana_profile = profiles.find(str(grafana.findtext("profile")))
    assert grafana_profile is not None and grafana_profile.findtext("readonly") in ("1", "2")
    assert [q.text for q in grafana.iter("query")] == ["GRANT SELECT ON ripple.*"]
    writer_grants = " ".join(q.text or "" for q in writer.iter("query"))
    assert "INSERT" in writer_grants and not re.search(r"\b(DROP|ALTER|TRUNCATE|ALL)\b", writer_grants)
