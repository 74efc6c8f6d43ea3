# Copyright (c) OpenMMLab. All rights reserved.
filename = "reserved.py"
