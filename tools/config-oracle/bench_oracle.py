"""Times MMEngine's config code (the oracle built by build_oracle.py) over ORACLE_CONFIGS.txt, for comparison with
the Kiln benchmark. Usage: cd tests/Kiln.Host.Tests/Config/Corpus && python3 OUT_DIR/bench_oracle.py ORACLE_CONFIGS.txt PASSES
(build_oracle.py copies this file into OUT_DIR)."""
import sys, time, os, warnings
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
warnings.simplefilter('ignore')
from mmengine_config import Config
files = [l.strip() for l in open(sys.argv[1]) if l.strip() and not l.startswith('#')]
passes = int(sys.argv[2])
for p in range(passes + 1):
    w0, c0 = time.perf_counter(), time.process_time()
    walls = []
    for f in files:
        t = time.perf_counter()
        Config.fromfile(f, import_custom_modules=False)
        walls.append((time.perf_counter() - t) * 1000)
    w, c = (time.perf_counter() - w0) * 1000, (time.process_time() - c0) * 1000
    walls.sort()
    print(f"pass {p}: mean {w/len(files):.2f} ms/config wall, median {walls[len(walls)//2]:.2f}, CPU {c/len(files):.2f} ms/config")
