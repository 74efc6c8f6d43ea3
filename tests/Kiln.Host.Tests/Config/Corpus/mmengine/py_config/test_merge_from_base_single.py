# Copyright (c) OpenMMLab. All rights reserved.
_base_ = "./base.py"
item1 = [2, 3]
item2 = {"a": 1}
item3 = False
item4 = "test_base"
