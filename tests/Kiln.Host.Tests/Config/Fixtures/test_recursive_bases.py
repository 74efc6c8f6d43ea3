_base_ = './recursive_mid.py'
item4 = 'test_recursive_bases'
