#!/usr/bin/env python3
"""A local SMTP server that delivers nothing: every message is written to a
folder as a ``.eml`` file, for reading with any mail program or text editor.

    scripts/mail-catcher                    # 127.0.0.1:2525 -> .local/mail/
    scripts/mail-catcher --port 0 --dir /tmp/mail

``scripts/serve`` starts it in the background and points Odoo's outgoing mail
at it. It speaks the part of SMTP that mail clients use (EHLO/HELO, MAIL FROM,
RCPT TO, DATA, RSET, NOOP, QUIT), with no authentication and no TLS: keep it on
loopback. Each file is the message as received, after the envelope headers
``Return-Path`` and ``X-Envelope-To`` (Bcc recipients appear there only); it is
named after the time and a counter (``20250101-120000-0001.eml``) and appears
complete or not at all. One line per message is logged (from, to, subject).
Python 3.11 standard library only.
"""

import argparse
import asyncio
import email.parser
import email.policy
import logging
import os
import re
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAX_MESSAGE = 64 * 1024 * 1024  # bytes, advertised as SIZE
MAX_LINE = 1024 * 1024  # longer than SMTP allows (1000), tolerated
MAX_RECIPIENTS = 1000
ADDRESS = re.compile(r"^\s*<([^>]*)>|^\s*(\S+)")

_logger = logging.getLogger("mail-catcher")


def default_dir():
    data = os.environ.get("CAR_PORTAL_DATA_DIR") or str(REPO / ".local")
    return Path(data) / "mail"


def _address(argument, prefix):
    """The address of ``FROM:<a@b> SIZE=12`` (``prefix`` "FROM:"), or None."""
    if argument[: len(prefix)].upper() != prefix:
        return None
    match = ADDRESS.match(argument[len(prefix) :])
    if not match:
        return None
    return match.group(1) if match.group(1) is not None else match.group(2)


def _subject(data):
    try:
        headers = email.parser.BytesHeaderParser(policy=email.policy.default)
        return str(headers.parsebytes(data).get("subject", "")).strip()
    except Exception:  # a malformed header must not lose the message
        _logger.warning("unreadable Subject header", exc_info=True)
        return "?"


class Mailbox:
    """The folder the messages go to."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.counter = 0

    def deliver(self, mail_from, recipients, data):
        """Write one message atomically; return its path."""
        eol = b"\r\n" if data.endswith(b"\r\n") or not data.endswith(b"\n") else b"\n"
        envelope = (
            f"Return-Path: <{mail_from}>".encode() + eol,
            f"X-Envelope-To: {', '.join(recipients)}".encode() + eol,
        )
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.writelines(envelope)
                handle.write(data)
            stamp = time.strftime("%Y%m%d-%H%M%S")
            while True:
                self.counter += 1
                path = self.folder / f"{stamp}-{self.counter:04d}.eml"
                try:
                    os.link(tmp, path)  # never replaces an existing file
                    return path
                except FileExistsError:
                    continue
        finally:
            os.unlink(tmp)


class Session:
    """One SMTP connection."""

    def __init__(self, mailbox, reader, writer, hostname):
        self.mailbox = mailbox
        self.reader = reader
        self.writer = writer
        self.hostname = hostname
        self.reset()

    def reset(self):
        self.mail_from = None
        self.recipients = []

    async def reply(self, line):
        self.writer.write(line.encode() + b"\r\n")
        await self.writer.drain()

    async def run(self):
        await self.reply(f"220 {self.hostname} car-portal mail catcher ESMTP")
        while True:
            try:
                line = await self.reader.readline()
            except (ValueError, asyncio.LimitOverrunError):
                await self.reply("500 line too long")
                return
            if not line:
                return
            verb, _, argument = (
                line.rstrip(b"\r\n").decode(errors="replace").partition(" ")
            )
            handler = getattr(self, f"smtp_{verb.upper()}", None)
            if handler is None or not verb.isalpha():
                await self.reply("500 command not recognized")
            elif await handler(argument.strip()) is False:
                return

    async def smtp_EHLO(self, argument):
        self.reset()
        await self.reply(f"250-{self.hostname} hello {argument or 'there'}")
        await self.reply(f"250-SIZE {MAX_MESSAGE}")
        await self.reply("250-8BITMIME")
        await self.reply("250-SMTPUTF8")
        await self.reply("250 HELP")

    async def smtp_HELO(self, argument):
        self.reset()
        await self.reply(f"250 {self.hostname} hello {argument or 'there'}")

    async def smtp_MAIL(self, argument):
        if self.mail_from is not None:
            await self.reply("503 nested MAIL command")
            return
        address = _address(argument, "FROM:")
        if address is None:
            await self.reply("501 syntax: MAIL FROM:<address>")
            return
        size = re.search(r"\bSIZE=(\d+)", argument, re.IGNORECASE)
        if size and int(size.group(1)) > MAX_MESSAGE:
            await self.reply("552 message size exceeds the limit")
            return
        self.mail_from = address
        await self.reply("250 OK")

    async def smtp_RCPT(self, argument):
        if self.mail_from is None:
            await self.reply("503 need MAIL before RCPT")
            return
        address = _address(argument, "TO:")
        if not address:
            await self.reply("501 syntax: RCPT TO:<address>")
            return
        if len(self.recipients) >= MAX_RECIPIENTS:
            await self.reply("452 too many recipients")
            return
        self.recipients.append(address)
        await self.reply("250 OK")

    async def smtp_DATA(self, argument):
        if not self.recipients:
            await self.reply("503 need RCPT before DATA")
            return
        await self.reply("354 end data with <CR><LF>.<CR><LF>")
        lines, size = [], 0
        while True:
            try:
                line = await self.reader.readline()
            except (ValueError, asyncio.LimitOverrunError):
                await self.reply("500 line too long")
                return False
            if not line:
                return False  # the client left in the middle: nothing is kept
            if line in (b".\r\n", b".\n"):
                break
            if line.startswith(b"."):
                line = line[1:]  # dot-unstuffing (RFC 5321, 4.5.2)
            size += len(line)
            if size <= MAX_MESSAGE:
                lines.append(line)
        if size > MAX_MESSAGE:
            await self.reply("552 message size exceeds the limit")
        else:
            data = b"".join(lines)
            try:
                path = self.mailbox.deliver(self.mail_from, self.recipients, data)
            except OSError as error:
                _logger.error("could not write a message: %s", error)
                await self.reply("451 could not write the message")
                self.reset()
                return
            _logger.info(
                "mail from %s to %s: %s (%s)",
                self.mail_from or "<>",
                ", ".join(self.recipients),
                _subject(data),
                path.name,
            )
            await self.reply(f"250 OK: written as {path.name}")
        self.reset()

    async def smtp_RSET(self, argument):
        self.reset()
        await self.reply("250 OK")

    async def smtp_NOOP(self, argument):
        await self.reply("250 OK")

    async def smtp_VRFY(self, argument):
        await self.reply("252 cannot verify, will accept the message")

    async def smtp_HELP(self, argument):
        await self.reply("214 EHLO HELO MAIL RCPT DATA RSET NOOP QUIT")

    async def smtp_QUIT(self, argument):
        await self.reply("221 bye")
        return False


async def serve(host, port, folder):
    mailbox = Mailbox(folder)
    hostname = socket.gethostname()

    async def handle(reader, writer):
        try:
            await Session(mailbox, reader, writer, hostname).run()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except Exception:
            _logger.exception("session failed")
        finally:
            writer.close()

    server = await asyncio.start_server(handle, host, port, limit=MAX_LINE)
    bound = server.sockets[0].getsockname()
    _logger.info(
        "mail catcher listening on %s:%s, writing to %s",
        bound[0],
        bound[1],
        mailbox.folder,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        await stop.wait()
    _logger.info("mail catcher stopped")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    parser.add_argument(
        "--port", type=int, default=2525, help="default: 2525 (0: any free port)"
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=default_dir(),
        help="where the .eml files go (default: $CAR_PORTAL_DATA_DIR/mail, "
        "else .local/mail in the repository)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        format="%(asctime)s %(message)s", level=logging.INFO, stream=sys.stderr
    )
    try:
        asyncio.run(serve(args.host, args.port, args.dir))
    except OSError as error:
        _logger.error("mail catcher cannot start: %s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
