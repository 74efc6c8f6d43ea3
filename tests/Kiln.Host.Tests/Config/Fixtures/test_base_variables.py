_base_ = ['./base1.py', './base3.json', './base4.py']
item8 = '{{fileBasename}}'
item9 = {{ _base_.item2 }}
item10 = {{ _base_.item7.b.c }}
