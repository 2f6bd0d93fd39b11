"""Odoo's command line, as ``odoo-bin`` runs it (scripts/_common.sh: odoo_cmd).

Not ``python3 -m odoo``: in workers mode (``--workers``) Odoo starts its gevent
process (``/websocket``, ``--gevent-port``) as ``python3 <sys.argv[0]> gevent``,
which fails when ``sys.argv[0]`` is ``odoo/__main__.py``. This file can be run
so; nothing else in this folder is imported by Odoo.
"""

import sys

from odoo.cli.command import main

if __name__ == "__main__":
    sys.exit(main())
