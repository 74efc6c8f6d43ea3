_base_ = ['./base1.py', './simple_config.py']
