"""The `greet` console script: one row per name, drawn by tabulate."""

import argparse
import sys

import tabulate

from greet import __version__

GREETINGS = [("en", "Hello"), ("fr", "Bonjour"), ("de", "Hallo")]


def rows(names):
    """One row per name: the name, then its greeting in each language."""
    return [[name] + ["%s, %s!" % (word, name) for _, word in GREETINGS] for name in names]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="greet", description=__doc__)
    parser.add_argument("names", nargs="*", default=["world"], help="who to greet")
    parser.add_argument("--version", action="store_true", help="show versions and the prefix")
    args = parser.parse_args(argv)
    if args.version:
        print(
            "greet %s (tabulate %s, Python %s, prefix %s)"
            % (__version__, tabulate.__version__, sys.version.split()[0], sys.prefix)
        )
        return 0
    headers = ["name"] + [lang for lang, _ in GREETINGS]
    print(tabulate.tabulate(rows(args.names), headers=headers, tablefmt="grid"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
