_base_ = './base1.py'
_deprecation_ = dict(expected='simple_config.py', reference='https://example.invalid/deprecation')
item1 = [1, 2]
