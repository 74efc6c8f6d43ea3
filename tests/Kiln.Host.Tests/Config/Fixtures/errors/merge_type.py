_base_ = '../base1.py'
item3 = dict(a=1)
