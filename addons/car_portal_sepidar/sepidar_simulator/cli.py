"""Command line of the simulator (see ``--help``)."""

import argparse
import dataclasses
import functools
import json
import logging
import sys

from .dataset import default_dataset, load_dataset
from .knobs import Knobs, coerce
from .server import CONTROL_PREFIX, SimulatorServer


def build_parser():
    parser = argparse.ArgumentParser(
        prog="sepidar_simulator",
        description="Stateful fake of the Sepidar e-commerce web service.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="0.0.0.0 in docker")
    parser.add_argument("--port", type=int, default=7373)
    parser.add_argument("--data", help="JSON dataset replacing default top-level keys")
    parser.add_argument(
        "--dump-data", action="store_true", help="print the default dataset and exit"
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
        f"POST {CONTROL_PREFIX}reset, POST {CONTROL_PREFIX}devices"
    )
    return "\n".join(lines)


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.dump_data:
        sys.stdout.write(json.dumps(default_dataset(), ensure_ascii=False, indent=2))
        sys.stdout.write("\n")
        return 0
    logging.basicConfig(level=args.log_level.upper())
    knobs = {
        field.name: getattr(args, field.name)
        for field in dataclasses.fields(Knobs)
        if getattr(args, field.name) is not None
    }
    dataset = load_dataset(args.data) if args.data else default_dataset()
    try:
        server = SimulatorServer(
            args.host, args.port, seed=args.seed, dataset=dataset, **knobs
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
