#!/usr/bin/env python3
"""Copies each `#region guide:NAME` body of examples/Guide/*.cs into the csharp block after `<!-- snippet: NAME -->`
(or `<!-- definition: NAME -->`), and each `<!-- config: file=PATH ... -->` block from PATH, in docs/guide/*.md and
docs/coming-from-mmengine.md. tests/Kiln.Guide.Tests fails when the two differ; run this after editing a snippet."""
import glob, os, re

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
regions = {}
for path in glob.glob(os.path.join(root, 'examples', 'Guide', '*.cs')):
    lines = open(path, encoding='utf-8').read().split('\n')
    i = 0
    while i < len(lines):
        m = re.match(r'^\s*#region guide:(\S+)\s*$', lines[i])
        i += 1
        if not m:
            continue
        body = []
        while not lines[i].strip().startswith('#endregion'):
            body.append(lines[i]); i += 1
        indent = min((len(l) - len(l.lstrip()) for l in body if l.strip()), default=0)
        regions[m.group(1)] = '\n'.join(l[indent:].rstrip() if len(l) >= indent else l.strip() for l in body) + '\n'

pages = glob.glob(os.path.join(root, 'docs', 'guide', '*.md')) + [os.path.join(root, 'docs', 'coming-from-mmengine.md')]
pattern = re.compile(r'(<!-- (?:snippet|definition): (\S+) -->\n```csharp\n)(.*?)(```\n)', re.S)
config = re.compile(r'(<!-- config: [^>]*?file=(\S+)[^>]*-->\n```python\n)(.*?)(```\n)', re.S)
for page in pages:
    if not os.path.exists(page):
        continue
    text = open(page, encoding='utf-8').read()
    new = pattern.sub(lambda m: m.group(1) + regions.get(m.group(2), m.group(3)) + m.group(4), text)
    new = config.sub(lambda m: m.group(1) + open(os.path.join(root, m.group(2)), encoding='utf-8').read() + m.group(4), new)
    if new != text:
        open(page, 'w', encoding='utf-8').write(new)
        print('updated', os.path.relpath(page, root))
