item_cfg = {'b': 1}
item5 = dict(cfg=item_cfg)
