_base_ = './base1.py'
item4 = 'test_mid'
