item7 = dict(a=[0, 1, 2], b=dict(c=[3.1, 4.2, 5.3]))
