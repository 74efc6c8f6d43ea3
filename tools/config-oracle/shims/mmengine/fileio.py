# Shim for mmengine.fileio.load/dump: MMEngine's JsonHandler uses json.load, its YamlHandler uses
# yaml.load(file, Loader=CLoader or Loader). Only local files are supported.
import json
import yaml
try:
    from yaml import CLoader as Loader, CDumper as Dumper
except ImportError:
    from yaml import Loader, Dumper


def load(file, file_format=None, **kwargs):
    file = str(file)
    if file_format is None:
        file_format = file.split('.')[-1]
    with open(file, encoding='utf-8') as f:
        if file_format == 'json':
            return json.load(f)
        if file_format in ('yaml', 'yml'):
            return yaml.load(f, Loader=Loader)
    raise TypeError(f'Unsupported format: {file_format}')


def dump(obj, file=None, file_format=None, **kwargs):
    if file_format in ('yaml', 'yml'):
        text = yaml.dump(obj, Dumper=Dumper)
    else:
        text = json.dumps(obj)
    if file is None:
        return text
    with open(file, 'w', encoding='utf-8') as f:
        f.write(text)
