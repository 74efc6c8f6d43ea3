# Shim for the mmengine.utils helpers config.py imports.
import os.path as osp


def check_file_exist(filename, msg_tmpl='file "{}" does not exist'):
    if not osp.isfile(filename):
        raise FileNotFoundError(msg_tmpl.format(filename))


def is_installed(package):
    return False


def get_installed_path(package):
    raise ModuleNotFoundError(f'{package} is not installed (oracle shim: no packages)')


def import_modules_from_strings(imports, allow_failed_imports=False):
    # The oracle never imports custom modules; fromfile is called with import_custom_modules=False.
    raise ImportError('oracle shim: custom imports are not executed')
