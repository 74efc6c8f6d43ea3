_base_ = ['./base1.py', './base2.yaml', './base3.json', './base4.py']
item3 = False
item4 = 'test'
