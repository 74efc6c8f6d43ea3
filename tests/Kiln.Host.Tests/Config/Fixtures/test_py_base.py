_base_ = ['./base1.py', './base3.json', './base4.py']
item2 = _base_.item2
item2.b = [5, 6]
_base_.item6[0] = dict(c=0)
item9, item10, item11 = _base_.item7['b']['c']
item12 = _base_.item7.b.c[1:]
