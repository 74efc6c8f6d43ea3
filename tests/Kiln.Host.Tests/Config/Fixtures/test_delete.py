_base_ = './delete_base.py'
item1 = {'a': 0, '_delete_': True}
item2 = {'b': 0}
