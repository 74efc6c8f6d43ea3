_base_ = './intermediate_base.py'
item_cfg = {'b': 2}
item6 = dict(cfg=item_cfg)
