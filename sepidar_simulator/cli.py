"""Command line of the simulator (see ``--help``)."""

import argparse
import dataclasses
import functools
import json
import logging
import sys

from .dataset import DEMO_DATASET, default_dataset, load_dataset
from .knobs import Knobs, coerce
from .server import CONTROL_PREFIX, SimulatorServer


def build_parser():
    parser = argparse.ArgumentParser(
        prog="sepidar_simulator",
        description="Stateful fake of the Sepidar e-commerce web service. Strict "
        "by default: where it is unknown whether a real Sepidar refuses something "
        "doubtful, it does; the --check-*, --require-* and --refuse-* knobs relax "
        "those rules (false). Every /api request is logged with its deviations "
        "(what a real server would tolerate but looks like a client bug): GET "
        "/__sim__/requests, and requests.jsonl in --state-dir.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="0.0.0.0 in docker")
    parser.add_argument("--port", type=int, default=7373)
    data = parser.add_mutually_exclusive_group()
    data.add_argument(
        "--data",
        default=str(DEMO_DATASET),
        help="JSON dataset replacing top-level keys of the built-in one (default: "
        "the demo database's, sepidar_simulator/data/demo_dataset.json)",
    )
    data.add_argument(
        "--builtin-data",
        action="store_true",
        help="serve the built-in dataset alone (items VH-0001…, PT-0001…)",
    )
    parser.add_argument(
        "--dump-data",
        action="store_true",
        help="print the dataset it would serve and exit",
    )
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        help="keep devices (keys), used ArbitraryCodes, tokens, customers, "
        "quotations, invoices, id sequences and the request log (requests.jsonl) "
        "in DIR as JSON, and read them back at start: a restart changes nothing "
        "for a client (a serial still registers once). Default: in memory",
    )
    parser.add_argument("--seed", type=int, help="fault RNG seed (default: random)")
    parser.add_argument("--log-level", default="WARNING")
    for field in dataclasses.fields(Knobs):
        parser.add_argument(
            "--" + field.name.replace("_", "-"),
            dest=field.name,
            type=functools.partial(coerce, type(field.default)),
            help=f"{field.metadata['help']} (default: {field.default})",
        )
    return parser


def banner(server):
    """What a user needs to configure a client against this server."""
    knobs = server.backend.knobs
    lines = [
        (
            f"Sepidar simulator on {server.url} (GenerationVersion "
            f"{knobs.generation_version}, policy {knobs.version_policy}, "
            f"seed {server.backend.seed})"
        )
    ]
    for device in server.credentials():
        lines.append(
            f"  device serial {device['Serial']} (IntegrationID "
            f"{device['IntegrationID']}, {device['Title']}): user "
            f"{device['UserName']} / password {device['Password']}"
        )
    lines.append(
        f"  control: GET {CONTROL_PREFIX}state, GET|POST {CONTROL_PREFIX}config, "
        f"POST {CONTROL_PREFIX}reset, POST {CONTROL_PREFIX}devices, "
        f"GET|DELETE {CONTROL_PREFIX}requests"
    )
    if server.backend.store is not None:
        lines.append(f"  state kept in {server.backend.store.directory}")
    return "\n".join(lines)


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    dataset = default_dataset() if args.builtin_data else load_dataset(args.data)
    if args.dump_data:
        sys.stdout.write(json.dumps(dataset, ensure_ascii=False, indent=2))
        sys.stdout.write("\n")
        return 0
    logging.basicConfig(level=args.log_level.upper())
    knobs = {
        field.name: getattr(args, field.name)
        for field in dataclasses.fields(Knobs)
        if getattr(args, field.name) is not None
    }
    try:
        server = SimulatorServer(
            args.host,
            args.port,
            seed=args.seed,
            dataset=dataset,
            state_dir=args.state_dir,
            **knobs,
        )
    except ValueError as err:
        parser.error(str(err))
    server.start()
    sys.stdout.write(banner(server) + "\n")
    sys.stdout.flush()
    try:
        server.wait()
    except KeyboardInterrupt:
        logging.getLogger(__name__).info("Interrupted, stopping the simulator.")
    finally:
        server.stop()
    return 0
