"""`markup TEXT...`: each argument escaped for HTML by MarkupSafe's C
extension, which must load: a build for the wrong interpreter fails here."""

import sys

from markupsafe import _speedups


def main():
    words = sys.argv[1:] or ["<b>Fish & Chips</b>"]
    for word in words:
        print(_speedups._escape_inner(word))
    print("compiled:", _speedups.__file__.rsplit("/", 1)[-1])


if __name__ == "__main__":
    main()
