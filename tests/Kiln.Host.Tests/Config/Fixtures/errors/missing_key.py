_base_ = '../base1.py'
x = _base_.item2['b']
