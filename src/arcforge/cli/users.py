"""``arcforge users``: create accounts (the first moderator especially) and list them.

The password comes from a prompt (twice, not echoed) when standard input is a terminal, or from the
first line of standard input with ``--password-stdin`` (for scripts); it is never an argument,
so it never shows in a process list or a shell history.
"""

from __future__ import annotations

import argparse
import json
import sys

from arcforge.cli._help import help_handler
from arcforge.cli._store_options import add_db_option


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("users", help="create and list accounts of the web app")
    sub = parser.add_subparsers(dest="users_command", metavar="SUBCOMMAND", parser_class=type(parser))
    parser.set_defaults(handler=help_handler(parser))

    p = sub.add_parser("add", help="create an account (prompts for its password)")
    p.add_argument("name", metavar="NAME", help="user name: 1-40 letters, digits, '_', '.' or '-'")
    p.add_argument("--moderator", action="store_true", help="make the account a moderator")
    p.add_argument(
        "--password-stdin",
        "--password_stdin",
        dest="password_stdin",
        action="store_true",
        help="read the password from the first line of standard input instead of prompting",
    )
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print the new account as JSON")
    p.set_defaults(handler=run_add)

    p = sub.add_parser("role", help="make an account a moderator or a contributor")
    p.add_argument("name", metavar="NAME", help="the account")
    p.add_argument(
        "role", metavar="ROLE", choices=["moderator", "contributor"], help="moderator or contributor"
    )
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print the account as JSON")
    p.set_defaults(handler=run_role)

    p = sub.add_parser("list", help="list accounts")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(handler=run_list)


def _read_password(args: argparse.Namespace) -> str:
    from arcforge.errors import UsageError

    if args.password_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise UsageError("--password-stdin read an empty password: pipe the password as the first line")
        return password
    if not sys.stdin.isatty():
        raise UsageError("standard input is not a terminal: pass --password-stdin and pipe the password")
    import getpass

    password = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != password:
        raise UsageError("the two passwords differ: run the command again")
    return password


def run_add(args: argparse.Namespace) -> int:
    from arcforge.cli._store_options import open_store_from_args

    password = _read_password(args)
    with open_store_from_args(args) as store:
        user = store.create_user(args.name, password, role="moderator" if args.moderator else "contributor")
    if args.json:
        print(
            json.dumps(
                {
                    "id": user.id,
                    "name": user.name,
                    "role": user.role,
                    "created_at": user.created_at.isoformat(),
                }
            )
        )
    else:
        print(f"created {user.role} {user.name}")
    return 0


def run_role(args: argparse.Namespace) -> int:
    from arcforge.cli._store_options import open_store_from_args

    with open_store_from_args(args) as store:
        user = store.set_role(args.name, args.role)
    if args.json:
        print(json.dumps({"id": user.id, "name": user.name, "role": user.role}))
    else:
        print(f"{user.name} is now a {user.role}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from arcforge.cli._store_options import open_store_from_args

    with open_store_from_args(args) as store:
        users = store.list_users()
    if args.json:
        rows = [
            {"id": u.id, "name": u.name, "role": u.role, "created_at": u.created_at.isoformat()}
            for u in users
        ]
        print(json.dumps(rows, indent=2))
        return 0
    if not users:
        print("no accounts yet (create the first moderator with `arcforge users add NAME --moderator`)")
    for u in users:
        print(f"{u.name:<24} {u.role:<12} since {u.created_at:%Y-%m-%d %H:%M} UTC")
    return 0
