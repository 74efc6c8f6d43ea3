"""Writes <config>.expected.json = json.dumps(Config.fromfile(config).to_dict()) for each config given."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mmengine_config import Config  # noqa: E402


def main(argv):
    ok = failed = 0
    for path in argv:
        try:
            cfg = Config.fromfile(path, import_custom_modules=False)
            text = json.dumps(cfg.to_dict(), indent=1, ensure_ascii=True, allow_nan=True)
        except Exception as e:  # noqa: BLE001
            failed += 1
            print(f'{path}: {type(e).__name__}: {e}', file=sys.stderr)
            continue
        with open(path + '.expected.json', 'w', encoding='utf-8') as f:
            f.write(text + '\n')
        ok += 1
    print(f'{ok} written, {failed} failed', file=sys.stderr)


if __name__ == '__main__':
    main(sys.argv[1:])
