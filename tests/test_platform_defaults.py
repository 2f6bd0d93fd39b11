"""The shipped configuration is safe by default and the demo's outgoing mail can
be read (issue 13).

* config/odoo.conf holds no master password and keeps the database manager off;
  docker-compose.yml publishes on 127.0.0.1 only.
* The master password is generated once per machine, private, and reused.
* scripts/mail-catcher writes every message it receives as a .eml file.
* scripts/serve, run with a stand-in for Odoo (ODOO_BIN), listens on loopback,
  runs Odoo with the generated configuration and points its mail at the catcher.

Plain Python and bash: no Odoo registry, no database is created.
"""

import configparser
import email
import email.policy
import json
import os
import re
import select
import signal
import smtplib
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "scripts"

SUBJECT = "سفارش ۱۴۰۳-۱۲ تأیید شد"
BODY = "سلام، سفارش شما تأیید شد.\n.این خط با نقطه شروع می‌شود\n.\n..دو نقطه\nپایان\n"


def _clean_env(**extra):
    """This process's environment without car-portal's settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAR_PORTAL_")}
    env["PYTHON"] = sys.executable
    env.update(extra)
    return env


# -- shipped configuration -----------------------------------------------------


def test_odoo_conf_has_no_master_password_and_no_database_manager():
    config = configparser.RawConfigParser()  # Odoo's parser: duplicates refused
    assert config.read(REPO / "config" / "odoo.conf", encoding="utf-8")
    options = config["options"]
    assert "admin_passwd" not in options, "a committed master password is public"
    assert options.get("list_db") == "False", "the database manager must be off"
    assert options.get("http_interface", "") in ("", "127.0.0.1")


def test_docker_compose_publishes_on_loopback_only():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    published = {}
    for name, service in services.items():
        assert service.get("network_mode") != "host", f"{name} uses the host network"
        for port in service.get("ports", []):
            if isinstance(port, dict):
                host_ip = port.get("host_ip")
            else:
                parts = str(port).rsplit(":", 2)
                host_ip = parts[0] if len(parts) == 3 else None
            assert host_ip == "127.0.0.1", f"{name} publishes {port!r} beyond loopback"
            published.setdefault(name, []).append(port)
    assert published["odoo"] == ["127.0.0.1:8069:8069"]
    assert "db" not in published
    environment = services["odoo"]["environment"]
    # Inside the container serve listens everywhere, docker forwards to it.
    assert environment["CAR_PORTAL_HTTP_INTERFACE"] == "0.0.0.0"
    assert environment["CAR_PORTAL_MASTER_PASSWORD"].startswith(
        "${CAR_PORTAL_MASTER_PASSWORD"
    )


def test_local_folder_is_not_committed():
    ignored = (REPO / ".gitignore").read_text().split()
    assert "/.local/" in ignored


# -- helpers of scripts/_common.sh -----------------------------------------------


def _common(snippet, data_dir, **env):
    """Run ``snippet`` in bash after sourcing scripts/_common.sh."""
    return subprocess.run(
        ["bash", "-c", f'source "$0"; {snippet}', str(SCRIPTS / "_common.sh")],
        env=_clean_env(CAR_PORTAL_DATA_DIR=str(data_dir), **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_master_password_is_generated_once_private_and_reused(tmp_path):
    data = tmp_path / "data"
    path = data / "master-password"

    first = _common("master_password", data)
    assert first.returncode == 0, first.stderr
    password = first.stdout.strip()
    assert len(password) >= 32 and re.fullmatch(r"[A-Za-z0-9_-]+", password)
    assert path.read_text().strip() == password
    assert path.stat().st_mode & 0o777 == 0o600
    assert str(path) in first.stderr, "serve must say where the password is"
    assert "generated" in first.stderr
    inode = path.stat().st_ino

    path.chmod(0o644)
    again = _common("master_password", data)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == password
    assert "generated" not in again.stderr
    assert path.stat().st_ino == inode
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in data.iterdir()) == ["master-password"]

    other = _common("master_password", tmp_path / "other")
    assert other.stdout.strip() not in ("", password)

    from_env = _common("master_password", data, CAR_PORTAL_MASTER_PASSWORD="s3cret")
    assert from_env.returncode == 0, from_env.stderr
    assert from_env.stdout.strip() == "s3cret"
    assert path.read_text().strip() == password
    fresh = _common(
        "master_password", tmp_path / "fresh", CAR_PORTAL_MASTER_PASSWORD="x"
    )
    assert fresh.stdout.strip() == "x"
    assert not (tmp_path / "fresh").exists()


@pytest.mark.parametrize(
    ("env", "args", "expected"),
    [
        ({}, "", "127.0.0.1"),
        ({}, "--http-port=8070 --dev=all", "127.0.0.1"),
        ({"CAR_PORTAL_HTTP_INTERFACE": "0.0.0.0"}, "", "0.0.0.0"),
        ({"CAR_PORTAL_HTTP_INTERFACE": "0.0.0.0"}, "--http-interface=::1", "::1"),
        ({}, "--http-port 8070 --http-interface 192.0.2.7", "192.0.2.7"),
    ],
)
def test_serve_listens_on_loopback_unless_told(tmp_path, env, args, expected):
    result = _common(f"http_interface {args}", tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


# -- scripts/mail-catcher --------------------------------------------------------


def _wait_for_line(stream, pattern, timeout=20):
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([stream], [], [], deadline - time.monotonic())
        if not ready:
            break
        line = stream.readline()
        if not line:
            break
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return match
    pytest.fail(f"no line matching {pattern!r} in time: {''.join(seen)!r}")


@pytest.fixture
def catcher(tmp_path):
    """A mail catcher on a free port; yields (port, folder, process)."""
    folder = tmp_path / "mail"
    process = subprocess.Popen(
        [str(SCRIPTS / "mail-catcher"), "--port", "0", "--dir", str(folder)],
        env=_clean_env(),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        match = _wait_for_line(process.stderr, r"listening on 127\.0\.0\.1:(\d+)")
        yield int(match.group(1)), folder, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def _mails(folder, count, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(list(folder.iterdir())) >= count:
            break
        time.sleep(0.05)
    return sorted(folder.iterdir())


def test_mail_catcher_writes_the_message_as_received(catcher):
    port, folder, process = catcher
    message = EmailMessage()
    message["From"] = "کارشناس یک <expert1@example.com>"
    message["To"] = "نماینده رشت <dealer1@example.com>"
    message["Subject"] = SUBJECT
    message.set_content(BODY, cte="8bit")  # UTF-8 as is: readable in the file
    raw = message.as_bytes(policy=email.policy.SMTP)

    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        assert smtp.ehlo()[0] == 250
        assert smtp.noop()[0] == 250
        refused = smtp.sendmail(
            "expert1@example.com", ["dealer1@example.com", "bcc@example.com"], raw
        )
        assert refused == {}

    files = _mails(folder, 1)
    assert [f.suffix for f in files] == [".eml"], "one complete file, nothing else"
    assert re.fullmatch(r"\d{8}-\d{6}-\d{4}\.eml", files[0].name)
    content = files[0].read_bytes()
    envelope = (
        b"Return-Path: <expert1@example.com>\r\n"
        b"X-Envelope-To: dealer1@example.com, bcc@example.com\r\n"
    )
    assert content == envelope + raw, "the message must be kept byte for byte"
    assert BODY.encode() in content.replace(b"\r\n", b"\n")

    received = email.message_from_bytes(content, policy=email.policy.default)
    assert received["Subject"] == SUBJECT
    assert received["To"].addresses[0].display_name == "نماینده رشت"
    assert received.get_content().replace("\r\n", "\n") == BODY

    process.terminate()
    log = process.communicate(timeout=10)[1]
    assert (
        f"mail from expert1@example.com to dealer1@example.com, bcc@example.com: "
        f"{SUBJECT}" in log
    )


def test_mail_catcher_protocol_and_aborted_messages(catcher):
    port, folder, _process = catcher
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.helo("test")
        assert smtp.rcpt("a@example.com")[0] == 503  # no MAIL yet
        assert smtp.mail("a@example.com")[0] == 250
        assert smtp.mail("b@example.com")[0] == 503  # nested
        assert smtp.rset()[0] == 250
        assert smtp.docmd("DATA")[0] == 503  # the transaction was reset
        assert smtp.docmd("BOGUS")[0] == 500
        for subject in ("first", "second"):
            smtp.sendmail(
                "a@example.com", ["b@example.com"], f"Subject: {subject}\n\nhi\n"
            )
    # A client that leaves in the middle of DATA: nothing is written.
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.ehlo()
        smtp.mail("a@example.com")
        smtp.rcpt("b@example.com")
        assert smtp.docmd("DATA")[0] == 354
        smtp.send(b"Subject: lost\r\n\r\nhalf a mess")
        smtp.close()
    time.sleep(0.3)
    files = _mails(folder, 2)
    subjects = [
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)["Subject"]
        for f in files
    ]
    assert subjects == ["first", "second"]


def test_mail_catcher_refuses_a_taken_port(catcher, tmp_path):
    port, _folder, _process = catcher
    second = subprocess.run(
        [str(SCRIPTS / "mail-catcher"), "--port", str(port), "--dir", str(tmp_path)],
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert second.returncode != 0
    assert "cannot start" in second.stderr


# -- scripts/serve with a stand-in for Odoo -------------------------------------

# Records how scripts/serve runs Odoo; as the server (neither --stop-after-init
# nor shell) it sends one mail to the SMTP server it was given, as Odoo would.
FAKE_ODOO = r"""
import json, os, smtplib, sys
args = sys.argv[1:]
record = {"argv": args}
if "shell" in args:
    record["stdin"] = sys.stdin.read()
elif "--stop-after-init" not in args:
    options = dict(a[2:].split("=", 1) for a in args if a.startswith("--") and "=" in a)
    conf = args[args.index("-c") + 1]
    record["conf"] = open(conf, encoding="utf-8").read()
    record["conf_mode"] = os.stat(conf).st_mode & 0o777
    sender = options["email-from"]
    message = f"From: {sender}\r\nTo: x@example.com\r\nSubject: from Odoo\r\n\r\nhi\r\n"
    with smtplib.SMTP(options["smtp"], int(options["smtp-port"]), timeout=10) as s:
        s.sendmail(sender, ["x@example.com"], message)
with open(os.environ["FAKE_ODOO_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(record) + "\n")
"""


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_closed(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return True
        time.sleep(0.1)
    return False


def _serve(tmp_path, *args, **env):
    fake = tmp_path / "bin" / "odoo-bin"
    fake.parent.mkdir(exist_ok=True)
    fake.write_text(FAKE_ODOO)
    log = tmp_path / "odoo-calls.jsonl"
    log.unlink(missing_ok=True)
    mail_port, sepidar_port = _free_port(), _free_port()
    # A session of its own: whatever serve leaves behind is killed afterwards.
    process = subprocess.Popen(
        [str(SCRIPTS / "serve"), *args],
        env=_clean_env(
            ODOO_BIN=str(fake),
            FAKE_ODOO_LOG=str(log),
            CAR_PORTAL_DATA_DIR=str(tmp_path / "data"),
            CAR_PORTAL_DB="carportal_no_such_database",
            CAR_PORTAL_MAIL_PORT=str(mail_port),
            CAR_PORTAL_SEPIDAR_URL=f"http://127.0.0.1:{sepidar_port}",
            **env,
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        assert _port_closed(mail_port), "the mail catcher outlived serve"
        assert _port_closed(sepidar_port), "the simulator outlived serve"
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    result = subprocess.CompletedProcess(process.args, 0, stdout, stderr)
    return result, calls, mail_port


def test_serve_runs_odoo_on_loopback_with_its_password_and_mail(tmp_path):
    result, calls, mail_port = _serve(tmp_path, "--http-port=8070")
    install, shell, server = calls
    data = tmp_path / "data"
    conf = str(data / "odoo-serve.conf")
    smtp = ["--smtp=127.0.0.1", f"--smtp-port={mail_port}"]
    for call in calls:
        argv = call["argv"]
        assert argv[argv.index("-c") + 1] == conf
        assert "--http-interface=127.0.0.1" in argv
        assert set(smtp) <= set(argv)
    assert "-i" in install["argv"] and "--stop-after-init" in install["argv"]
    assert shell["argv"][0] == "shell"
    assert server["argv"][-1] == "--http-port=8070", "extra arguments come last"

    written = configparser.RawConfigParser()
    written.read_string(server["conf"])
    password = (data / "master-password").read_text().strip()
    assert written["options"]["admin_passwd"] == password
    assert written["options"]["list_db"] == "True"  # the local demo, on loopback
    assert written["options"]["load_language"] == "fa_IR"  # config/odoo.conf's
    assert server["conf_mode"] == 0o600

    mails = list((data / "mail").glob("*.eml"))
    assert len(mails) == 1, "Odoo's mail must reach the catcher"
    assert b"Subject: from Odoo" in mails[0].read_bytes()
    assert str(data / "mail") in result.stderr
    assert str(data / "master-password") in result.stderr


def test_serve_everywhere_turns_the_database_manager_off(tmp_path):
    _result, calls, _port = _serve(
        tmp_path,
        "--http-interface=0.0.0.0",
        CAR_PORTAL_HTTP_INTERFACE="127.0.0.1",
        CAR_PORTAL_MASTER_PASSWORD="from-the-environment",
    )
    server = calls[-1]
    assert server["argv"][-1] == "--http-interface=0.0.0.0"
    written = configparser.RawConfigParser()
    written.read_string(server["conf"])
    assert written["options"]["list_db"] == "False"
    assert written["options"]["admin_passwd"] == "from-the-environment"
    assert not (tmp_path / "data" / "master-password").exists()


# -- production layout (issue 19) -------------------------------------------------


def test_docker_compose_production_profile_runs_workers_behind_the_proxy():
    services = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    assert {name for name, s in services.items() if s.get("profiles")} == {
        "odoo-production",
        "proxy",
    }
    for name in ("db", "sepidar", "odoo"):
        assert not services[name].get("profiles"), f"{name} belongs to the demo"
    odoo = services["odoo-production"]
    assert odoo["profiles"] == ["production"]
    assert "ports" not in odoo, "only the proxy is published"
    environment = odoo["environment"]
    assert int(environment["CAR_PORTAL_WORKERS"]) >= 2
    assert environment["CAR_PORTAL_PROXY_MODE"] == "1"
    assert environment["CAR_PORTAL_GEVENT_PORT"] == "8072"
    soft = int(environment["CAR_PORTAL_LIMIT_MEMORY_SOFT"])
    assert 0 < soft < int(environment["CAR_PORTAL_LIMIT_MEMORY_HARD"])
    cpu = int(environment["CAR_PORTAL_LIMIT_TIME_CPU"])
    assert 0 < cpu < int(environment["CAR_PORTAL_LIMIT_TIME_REAL"])
    assert environment["CAR_PORTAL_SIMULATOR"] == "0"
    assert odoo["command"] == ["/mnt/car-portal/scripts/serve"]
    assert "odoo-data:/var/lib/odoo" in odoo["volumes"], "the filestore volume"

    proxy = services["proxy"]
    assert proxy["profiles"] == ["production"]
    assert "./config/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    nginx = (REPO / "config" / "nginx.conf").read_text()
    upstreams = dict(
        re.findall(r"upstream (\w+) \{\s*server ([\w.-]+:\d+);", nginx, re.DOTALL)
    )
    assert upstreams == {
        "odoo_http": "odoo-production:8069",
        "odoo_websocket": "odoo-production:8072",
    }
    websocket = re.search(r"location /websocket \{(.*?)\}", nginx, re.DOTALL).group(1)
    assert "proxy_pass http://odoo_websocket;" in websocket
    assert "proxy_set_header Upgrade $http_upgrade;" in websocket
    assert re.search(r"location / \{\s*proxy_pass http://odoo_http;", nginx)
    assert "X-Forwarded-Proto" in nginx and "X-Forwarded-For" in nginx
    assert re.search(r"location ~ \^/web/database/ \{\s*return 403;", nginx)


def test_serve_production_layout_runs_workers_proxy_mode_and_the_replica(tmp_path):
    _result, calls, _port = _serve(
        tmp_path,
        "--limit-time-real=300",
        CAR_PORTAL_WORKERS="3",
        CAR_PORTAL_GEVENT_PORT="8172",
        CAR_PORTAL_PROXY_MODE="1",
        CAR_PORTAL_DB_REPLICA="127.0.0.1:5499",
    )
    install, _shell, server = calls
    argv = server["argv"]
    expected = [
        "--workers=3",
        "--max-cron-threads=1",
        "--gevent-port=8172",
        "--limit-memory-soft=2147483648",
        "--limit-memory-hard=2684354560",
        "--limit-time-cpu=600",
        "--limit-time-real=1200",
        "--proxy-mode",
        "--db_replica_host=127.0.0.1",
        "--db_replica_port=5499",
    ]
    assert set(expected) <= set(argv)
    # Odoo's own options given to serve come last, so they win.
    assert argv[-1] == "--limit-time-real=300"
    assert argv.index("--workers=3") < argv.index("--limit-time-real=1200")
    # Installing the addons is not served: no workers, no replica.
    assert not [a for a in install["argv"] if a.startswith(("--workers", "--db_rep"))]


def test_serve_refuses_a_wrong_number_of_workers(tmp_path):
    result = _common("prefork_options two", tmp_path / "data", CAR_PORTAL_WORKERS="two")
    assert result.returncode == 1
    assert "give a number of workers" in result.stderr
