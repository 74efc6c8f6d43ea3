# Shim for mmengine.logging.print_log: prints to stderr.
import sys


def print_log(msg, logger=None, level=None):
    print(msg, file=sys.stderr)
