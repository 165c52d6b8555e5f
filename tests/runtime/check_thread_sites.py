#!/usr/bin/env python3
"""check_thread_sites.py SOURCE LINE...: reads `weft report --format=json` on stdin and checks
that the program's threads (all but the first, which is main) were created at SOURCE:LINE for
the given lines: std::thread's constructor calls pthread_create from inside libstdc++, so the
interposer must look past libstdc++ for the program's line."""
import json
import sys


def main():
    source, lines = sys.argv[1], sorted(int(a) for a in sys.argv[2:])
    report = json.load(sys.stdin)
    threads = [o for o in report['objects'] if o['kind'] == 'thread'][1:]
    got = sorted(o['site']['line'] for o in threads if o['site']['file'].endswith('/' + source))
    if got != lines:
        print(f'thread creation sites: want {source} lines {lines}, got', [o['site'] for o in threads])
        return 1
    print(f'{len(threads)} threads created at {source} lines {got}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
