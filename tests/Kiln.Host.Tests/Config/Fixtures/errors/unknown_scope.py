_base_ = ['gan::_base_/x.py']
